"""SmsProvider: what the SMS channel needs of a provider, so another can follow Twilio.

A provider sends one text and says what it did; its webhooks (inbound texts, delivery status)
arrive as form parameters that the provider's own signature check and parsers turn into
`InboundText` and `StatusReport`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

# The delivery states a provider reports, in the order a text goes through them. `failed` and
# `undelivered` carry an error code; `delivered` is the handset's receipt, where carriers give it.
STATUSES = (
    "accepted",
    "scheduled",
    "queued",
    "sending",
    "sent",
    "delivered",
    "undelivered",
    "failed",
    "canceled",
)
FINAL_STATUSES = frozenset({"delivered", "undelivered", "failed", "canceled"})


@dataclass(frozen=True, slots=True)
class Accepted:
    """The provider took the text: its id and first status (usually `queued`)."""

    message_id: str
    status: str
    segments: int | None = None


@dataclass(frozen=True, slots=True)
class StatusReport:
    """A delivery status callback: which text, its new status, the error code if it failed."""

    message_id: str
    status: str
    error_code: int | None
    recipient: str | None


@dataclass(frozen=True, slots=True)
class InboundText:
    """A text a buyer sent us; `opt_out` is the provider's own reading of a keyword
    ("STOP", "START", "HELP") when it acted on one itself."""

    message_id: str
    sender: str
    recipient: str
    body: str
    opt_out: str | None


class SmsProvider(Protocol):
    name: str

    async def send(self, to: str, body: str, *, status_callback: str | None) -> Accepted:
        """Send `body` to `to` (E.164). Raises ProviderUnavailable (try later),
        RecipientRefused (never to this number: its `code` says why) or ProviderRejected."""
        ...

    def signature_valid(self, url: str, params: Mapping[str, str], signature: str | None) -> bool:
        """Whether a webhook to `url` with these form parameters was signed by the provider."""
        ...

    def inbound(self, params: Mapping[str, str]) -> InboundText | None:
        """An inbound-text webhook's text (None when the parameters are not one)."""
        ...

    def status(self, params: Mapping[str, str]) -> StatusReport | None:
        """A status-callback webhook's report (None when the parameters are not one)."""
        ...


__all__ = [
    "FINAL_STATUSES",
    "STATUSES",
    "Accepted",
    "InboundText",
    "SmsProvider",
    "StatusReport",
]
