"""What the console needs from the rest of wismo, as a protocol the bot package implements.

`conversations` may not import `bot` or `carriers` (docs/architecture.md, Direction of imports),
yet the console sends a person's reply through the bot's outbox, shows tracking health and the
workers' backlog. Those arrive through `ConsolePorts`, built in bot/app/console_ports.py and
handed in by bot/app/factory.py.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

OAUTH_CALLBACK = "/console/accounts/oauth/callback"
"""Where Instagram Business Login sends the merchant back (after WISMO_PUBLIC_URL)."""


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """A person's reply: queued (with the tag it will go under), or refused and why."""

    queued: bool
    reason: str | None = None  # why it was refused: "human_agent_window_closed", …
    tag: str | None = None  # "HUMAN_AGENT" when the 24-hour window has closed
    open_until: datetime | None = None  # until when a person may still write


@dataclass(frozen=True, slots=True)
class ReplyWindow:
    """Whether a person may write to the buyer now, under which tag, and until when."""

    allowed: bool
    tag: str | None
    reason: str | None
    open_until: datetime | None


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """One tracking source as the health page shows it."""

    source: str
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_failure_reason: str | None
    calls_today: int
    failures_today: int
    daily_budget: int | None
    failing: bool
    near_quota: bool


@dataclass(frozen=True, slots=True)
class ShipmentIssue:
    """A cached parcel that needs a look: in exception, or no carrier scan for too long."""

    number: str
    carrier: str | None
    status: str | None
    exception_reason: str | None
    last_scan_at: datetime | None
    checked_at: datetime | None


@dataclass(frozen=True, slots=True)
class UpdateNotice:
    """One proactive update of a conversation and what became of it (sent, held, dropped)."""

    number: str
    milestone: str
    channel: str  # "dm" or "email"
    state: str  # pending, queued, held, told, dropped
    reason: str | None
    created_at: datetime
    decided_at: datetime | None


@dataclass(frozen=True, slots=True)
class SmsText:
    """One update text of a conversation and what became of it (docs/sms.md)."""

    number: str | None
    milestone: str | None
    state: str  # queued, sending, sent, delivered, undelivered, failed, unconfirmed, dropped
    provider_status: str | None
    error_code: int | None
    problem: str | None  # what a failure's code means, in words for a merchant
    reason: str | None
    segments: int
    encoding: str
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class SmsConsentView:
    """The number a conversation opted in with (masked), how and when, and any stop."""

    phone: str
    source: str  # dm, quick_reply, order_import
    granted_at: datetime
    stopped_at: datetime | None
    stop_source: str | None  # keyword, provider


@dataclass(frozen=True, slots=True)
class AccountHealth:
    """One connected Instagram account as the accounts page and the banners show it."""

    account_id: str
    username: str | None
    flavour: str  # "instagram_login" (graph.instagram.com) or "facebook_login"
    status: str  # active, paused (its replies wait), disconnected (never answered)
    status_reason: str | None
    token_expires_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    last_delivery_at: datetime | None  # the last webhook delivery for it (None: none yet)
    silent_for: timedelta | None  # set while the silence alarm is raised
    usual_quiet: timedelta | None  # WISMO_SILENCE_ALERT_HOURS (None: the alarm is off)


@dataclass(frozen=True, slots=True)
class ConnectOutcome:
    """What connecting a pasted token did: the account it belongs to, or why nothing was
    stored (`problem`, in words for a merchant). A stored account whose webhook subscription
    failed has `subscribe_problem` set."""

    connected: bool
    account_id: str | None = None
    username: str | None = None
    created: bool = False  # a new account rather than a new token for a known one
    fields: tuple[str, ...] = ()  # the webhook fields subscribed
    subscribe_problem: str | None = None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class Backlog:
    inbox_pending: int
    inbox_oldest_at: datetime | None
    outbox_unfinished: int
    outbox_oldest_at: datetime | None


class ConsolePorts(Protocol):
    async def send_as_person(
        self, conversation_id: int, text: str, *, author_ref: str, idempotency_key: str
    ) -> SendOutcome:
        """Queue `text` to the buyer as a person's message (HUMAN_AGENT after 24 hours),
        record it in the conversation and hand the conversation to a person; or refuse it
        outside the 7-day window, changing nothing."""
        ...

    def reply_window(self, last_buyer_at: datetime | None) -> ReplyWindow:
        """Meta's window for a person's message to a buyer who last wrote at `last_buyer_at`."""
        ...

    async def sources(self) -> Sequence[SourceStatus]:
        """Every tracking source configured or seen, with today's usage."""
        ...

    async def exceptions(self) -> Sequence[ShipmentIssue]:
        """Cached parcels currently in exception (newest check first)."""
        ...

    async def silent(self, since: datetime, limit: int) -> Sequence[ShipmentIssue]:
        """Parcels not delivered whose last carrier scan is older than `since`."""
        ...

    async def shipments(self, numbers: Collection[str]) -> Sequence[ShipmentIssue]:
        """The cached parcels of these tracking numbers (for figures)."""
        ...

    async def backlog(self) -> Backlog: ...

    async def accounts(self, scope: frozenset[str] | None) -> Sequence[AccountHealth]:
        """The connected accounts a user granted `scope` (None: every account) may see,
        with the one-account shortcut that answers for all of them."""
        ...

    async def updates(self, conversation_id: int) -> Sequence[UpdateNotice]:
        """The proactive updates of a conversation, oldest first, with why each was held or
        dropped."""
        ...

    async def sms(self, conversation_id: int) -> tuple[SmsConsentView | None, Sequence[SmsText]]:
        """The conversation's SMS consent and its update texts, oldest first."""
        ...

    async def connect_account(self, token: str, flavour: str, *, by: str) -> ConnectOutcome:
        """Connect the account `token` belongs to, as `wismo meta connect` does (owner lookup,
        long-lived exchange, stored sealed, webhooks subscribed). `flavour` is
        "instagram_login" or "facebook_login"; `by` names who asked (for the log). Never
        raises for a refused token or a missing setting: the outcome says why, without the
        token."""
        ...

    def oauth_url(self, state: str) -> str | None:
        """Instagram Business Login's authorization window for `state`, coming back to
        OAUTH_CALLBACK; None when META_APP_ID is not set."""
        ...

    async def connect_code(self, code: str, *, by: str) -> ConnectOutcome:
        """Exchange Business Login's authorization code for a token and connect its account
        as `connect_account` does; the outcome says why when it fails."""
        ...


__all__ = [
    "OAUTH_CALLBACK",
    "AccountHealth",
    "Backlog",
    "ConnectOutcome",
    "ConsolePorts",
    "ReplyWindow",
    "SendOutcome",
    "ShipmentIssue",
    "SmsConsentView",
    "SmsText",
    "SourceStatus",
    "UpdateNotice",
]
