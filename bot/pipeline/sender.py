"""Sender: sends what the outbox holds, paced, within Meta's window, and records what happened.

For each claimed message: settle it first if a previous try was ambiguous (its echo, or the
Conversations API, may show it went out: then it is not sent again); check the expiry and the
24-hour window (docs/instagram.md, The 24-hour window) right before every try, retries
included; wait for the account's pace; send. Retryable failures come back later with
exponential backoff and jitter (Meta's own wait wins when longer); final failures are recorded
with Meta's code and never retried; ambiguous ones wait for their echo, then are settled as
above.

When an account cannot send at all (SendAccountBlocked: token invalid, messaging turned off,
blocked), the message is held with the account's reason and the account's sends pause: its
queued messages are not claimed, the pause is logged once and shown on the account
(AccountStates). It resumes when a new token is connected for it, or when a probe (its oldest
held message, at most once every `probe_every`) goes through: then its held messages are queued
again in their original order and each goes through the checks above, so those whose window
closed meanwhile are held as `window_closed` and a person's reply may go as HUMAN_AGENT.

When Graph itself fails (5xx, timeouts, connection errors: bot/pipeline/breaker.py), a message
is not given up after its backoff's tries: it is retried, with backoff, for as long as its
window lets it go, and closed as `window_closed` once it does not. After a few such failures
in a row the breaker opens: the sender claims nothing but one probe at a time until Graph
answers again (docs/architecture.md, Outlasting a Graph outage).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import SendAccountBlocked, SendError, SendFinal, SendRetryable
from bot.instagram.messages import OutgoingMessage
from bot.instagram.pacing import Pacer
from bot.instagram.sendapi import SendResult, SentMessage, Tag
from bot.instagram.window import WindowDecision, WindowPolicy
from bot.pipeline.backoff import Backoff
from bot.pipeline.breaker import GraphBreaker, Ticket, is_outage
from bot.pipeline.doorbell import Doorbell
from bot.pipeline.outbox import Outbox, Outgoing, SendState
from bot.pipeline.owner import dead_owners
from bot.pipeline.worker import Worker

log = logging.getLogger(__name__)

SEND_BACKOFF = Backoff(base=1.0, cap=120.0, attempts=6)
CLOCK_SKEW = timedelta(minutes=2)
"""How far Meta's clock may be behind ours when looking for a message we may have sent."""
PROBE_EVERY = timedelta(minutes=5)
"""How often a paused account's oldest held message is tried, to see if the account works."""
NOT_CONNECTED = "account_not_connected"
GRAPH_UNAVAILABLE = "graph_unavailable"
"""The reason on a message given back untried because the breaker was open."""


class SendApi(Protocol):
    """What the sender needs of bot.instagram.sendapi.SendApiClient."""

    async def send(
        self, recipient_id: str, message: OutgoingMessage, *, tag: Tag | None = None
    ) -> SendResult: ...

    async def recent_messages(
        self, recipient_id: str, *, since: datetime | None = None
    ) -> list[SentMessage]: ...


class SendApis(Protocol):
    """The Send API client of each Instagram account (bot.accounts implements it over the
    accounts table)."""

    async def for_account(self, account_id: str) -> SendApi | None:
        """The client that answers as `account_id` (the webhook's entry.id) with that account's
        token; None when no such account is connected (its events are flagged, never answered).
        Raises whatever reading the accounts failed with."""
        ...


class AccountStates(Protocol):
    """Where a paused account shows beside the outbox, and how a fix made elsewhere is noticed
    (bot.accounts implements it over the accounts table; without stored accounts there is none,
    and only a probe resumes an account)."""

    async def paused(self, account_id: str, reason: str, error: str) -> None:
        """Record that the account's sends are paused for `reason`; `error` is safe to show."""
        ...

    async def resumed(self, account_id: str) -> None:
        """Record that the account sends again."""
        ...

    async def reconnected(self, paused: Mapping[str, datetime]) -> set[str]:
        """Those of these paused accounts (each with when its pause began) that were connected
        anew (a new token) since; SendApis already answers them with the new token."""
        ...


class FixedSendApis:
    """One client for every account: the one-account setup without stored accounts, and tests."""

    def __init__(self, api: SendApi) -> None:
        self.api = api

    async def for_account(self, account_id: str) -> SendApi:
        return self.api


class Sender(Worker[Outgoing]):
    """Stopping lets sends in flight finish for the grace period, then cancels them: a cancelled
    send is settled as ambiguous later, never blindly repeated."""

    def __init__(
        self,
        outbox: Outbox,
        sessions: async_sessionmaker[AsyncSession],
        apis: SendApis,
        *,
        owner: str,
        doorbell: Doorbell,
        pacer: Pacer,
        lookup_pacer: Pacer,
        clock: Callable[[], datetime],
        random: Callable[[], float],
        window: WindowPolicy = WindowPolicy(),  # noqa: B008 (frozen value)
        backoff: Backoff = SEND_BACKOFF,
        echo_wait: timedelta = timedelta(seconds=10),
        concurrency: int = 8,
        poll_seconds: float = 1.0,
        sweep_seconds: float = 15.0,
        accounts: AccountStates | None = None,
        probe_every: timedelta = PROBE_EVERY,
        breaker: GraphBreaker | None = None,
        yield_to: Callable[[], bool] | None = None,
    ) -> None:
        super().__init__(
            doorbell=doorbell,
            concurrency=concurrency,
            poll_seconds=poll_seconds,
            log=log,
            name="outbox",
            yield_to=yield_to,
        )
        self._outbox = outbox
        self._sessions = sessions
        self._apis = apis
        self._owner = owner
        self._pacer = pacer
        self._lookup_pacer = lookup_pacer
        self._clock = clock
        self._random = random
        self._window = window
        self._backoff = backoff
        self._echo_wait = echo_wait
        self._sweep = timedelta(seconds=sweep_seconds)
        self._swept_at: datetime | None = None
        self._accounts = accounts
        self._probe_every = probe_every
        self._paused: dict[str, str] = {}  # account id -> why, as of the last sweep or hold
        self._announced: dict[str, int] = {}  # paused accounts this process logged, when
        self._holds = 0  # counts this process's holds: what a sweep's reading may predate
        self.breaker = breaker or GraphBreaker(clock=clock)

    async def _claim(self, free: int) -> Sequence[Outgoing]:
        if self.breaker.open:
            # Graph fails: one message at a time, as the probe, once one is due, and none while
            # a send is still under way: a message claimed before the probe it would follow has
            # its ticket would only be given back untried, to wait for the next probe.
            free = min(free, 1) if self.breaker.probe_due() and not self._tasks else 0
        now = self._clock()
        if self._swept_at is None or now - self._swept_at >= self._sweep:
            self._swept_at = now
            # Sends of a process that died on this machine settle now, not when their lease
            # runs out (bot/pipeline/owner.py).
            dead = dead_owners(await self._outbox.in_flight_owners())
            interrupted = await self._outbox.recover(dead_owners=dead)
            if interrupted:
                log.warning("outbox: %s interrupted sends to settle", interrupted)
            await self._review_pauses()
            if free > 0:
                probes = await self._outbox.claim_probes(self._owner, self._probe_every)
                rest = await self._outbox.claim(
                    self._owner, free - len(probes), paused=self._paused
                )
                return [*probes, *rest]
        if free > 0:
            return await self._outbox.claim(self._owner, free, paused=self._paused)
        return []

    async def _review_pauses(self) -> None:
        """Read the paused accounts back from the outbox (another process may have paused or
        resumed one), and resume those connected anew meanwhile."""
        before = self._holds
        holds = await self._outbox.paused_accounts()
        found = {hold.account_id: hold.reason for hold in holds}
        # A hold made while reading may be missing from what was read: it still stands.
        recent = {account for account, at in self._announced.items() if at > before}
        self._paused = found | {a: r for a, r in self._paused.items() if a in recent}
        self._announced = {a: at for a, at in self._announced.items() if a in self._paused}
        if self._accounts is not None and self._paused:
            since = {hold.account_id: hold.since for hold in holds}
            for account_id in sorted(await self._accounts.reconnected(since)):
                await self._resume(account_id, "a new token was connected")
        for account_id, reason in list(self._paused.items()):
            await self._outbox.hold_queued(account_id, reason)

    def _slot_freed(self) -> None:
        # The buyer's next message may have been waiting for this one.
        self._doorbell.ring()

    async def _work(self, item: Outgoing) -> None:
        try:
            await self.deliver(item)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # Its lease runs out and the message is settled then, as an interrupted send.
            log.error("outbox: message %s left in flight (%s)", item.id, type(exc).__name__)

    async def deliver(self, item: Outgoing) -> None:
        """Take one claimed message as far as it can go now."""
        if item.state is SendState.AMBIGUOUS and await self._settle(item):
            return
        decision = await self._may_go(item)
        if decision is None:
            return
        api = await self._apis.for_account(item.account_id)
        if api is None:
            await self._hold(item, NOT_CONNECTED, "its Instagram account is not connected")
            return
        ticket = await self._ticket(item)
        if ticket is None:
            return
        try:
            await self._pacer.acquire(item.account_id)
            result = await api.send(item.recipient_id, item.message, tag=decision.tag)
        except SendError as exc:
            self._graph_failed(ticket, exc)
            await self._send_failed(item, exc)
            return
        except BaseException:
            self.breaker.abandoned(ticket)
            raise
        self._graph_answered(ticket)
        await self._outbox.mark_sent(item, result.message_id, tag=decision.tag)
        log.info(
            "outbox: sent message %s",
            item.id,
            extra={"attempts": item.attempts, "purpose": item.purpose.value},
        )
        if item.probe:
            await self._resume(item.account_id, "a probe send went through")

    async def _send_failed(self, item: Outgoing, exc: SendError) -> None:
        if isinstance(exc, SendRetryable):
            await self._retry(item, exc)
        elif isinstance(exc, SendAccountBlocked):
            await self._hold(item, exc.reason, str(exc), code=exc.code, subcode=exc.subcode)
        elif isinstance(exc, SendFinal):
            await self._fail(item, exc)
        else:
            await self._outbox.recheck_later(item, self._echo_wait, reason=exc.reason)
            log.warning("outbox: message %s may have gone out (%s); settling later", item.id, exc)

    async def _ticket(self, item: Outgoing) -> Ticket | None:
        """Permission from the breaker to call Graph for `item`; without it, the message is
        given back untried, as it was, to be tried once Graph answers again."""
        ticket = self.breaker.admit()
        if ticket is not None:
            return ticket
        wait = self.breaker.wait()
        paused_for = self._paused.get(item.account_id) if item.probe else None
        if paused_for is not None:
            # A paused account's probe waits with its account's other messages.
            await self._outbox.hold_for_account(item, reason=paused_for)
        elif item.state is SendState.AMBIGUOUS:
            await self._outbox.recheck_later(item, wait, reason=GRAPH_UNAVAILABLE)
        else:
            await self._outbox.retry_later(item, wait, reason=GRAPH_UNAVAILABLE)
        return None

    def _graph_answered(self, ticket: Ticket) -> None:
        was_open = self.breaker.open
        self.breaker.answered(ticket)
        if was_open:
            self._doorbell.ring()  # what waited for Graph may go now

    def _graph_failed(self, ticket: Ticket, error: SendError) -> None:
        if is_outage(error):
            self.breaker.failed(ticket)
        else:
            self._graph_answered(ticket)

    async def _may_go(self, item: Outgoing) -> WindowDecision | None:
        """How the message may go now, or None when it may not (it is then held or failed)."""
        now = self._clock()
        if not item.conversation_found:
            await self._outbox.finish(item, SendState.FAILED, reason="conversation_missing")
            return None
        if item.expires_at is not None and now >= item.expires_at:
            await self._outbox.finish(item, SendState.HELD, reason="expired")
            log.info("outbox: message %s expired before it could go", item.id)
            return None
        decision = self._window.decide(item.author, item.last_buyer_at, now)
        if not decision.allowed:
            reason = decision.reason or "window_closed"
            await self._outbox.finish(item, SendState.HELD, reason=reason, delivery_issue=reason)
            log.info("outbox: message %s held: %s", item.id, reason)
            return None
        return decision

    async def _hold(
        self,
        item: Outgoing,
        reason: str,
        error: str,
        *,
        code: int | None = None,
        subcode: int | None = None,
    ) -> None:
        """Hold the message for its account, and pause the account (logged once)."""
        first = item.account_id not in self._announced
        self._holds += 1
        self._paused[item.account_id] = reason
        self._announced[item.account_id] = self._holds
        if (first or item.probe) and self._accounts is not None:
            # Before the hold: a sweep that sees the hold must see the account paused too, or
            # it would take the account's old status for a new token.
            await self._accounts.paused(item.account_id, reason, error)
        await self._outbox.hold_for_account(item, reason=reason, code=code, subcode=subcode)
        # Again once stored: a sweep that read the outbox before this commit keeps the pause.
        self._holds += 1
        self._announced[item.account_id] = self._holds
        if first:
            log.error(
                "outbox: account %s paused, its messages held until it works again: %s; "
                "connect a new token or fix its permissions (a send is tried every %s)",
                item.account_id,
                error,
                self._probe_every,
            )

    async def _resume(self, account_id: str, why: str) -> None:
        resumed = await self._outbox.resume(account_id)
        self._paused.pop(account_id, None)
        self._announced.pop(account_id, None)
        if self._accounts is not None:
            await self._accounts.resumed(account_id)
        log.warning(
            "outbox: account %s sends again (%s); %s held messages go out", account_id, why, resumed
        )
        self._doorbell.ring()

    def _delay(self, item: Outgoing, error: SendError) -> float | None:
        """The backoff after this failed try; an outage is never given up (the window check
        before each try ends the message once it may not go any more)."""
        attempt = item.attempts
        if is_outage(error):
            attempt = min(attempt, self._backoff.attempts - 1)
        return self._backoff.delay(attempt, self._random)

    async def _retry(self, item: Outgoing, error: SendRetryable) -> None:
        delay = self._delay(item, error)
        if delay is not None and error.retry_after is not None:
            delay = max(delay, error.retry_after)
        if error.scope == "account":
            self._pacer.pause(item.account_id, error.retry_after or delay or self._backoff.cap)
        paused_for = self._paused.get(item.account_id) if item.probe else None
        if paused_for is not None:
            # No answer about the account: the probe waits with the others, tried again later.
            await self._outbox.hold_for_account(item, reason=paused_for)
            return
        if delay is None:
            await self._outbox.finish(
                item,
                SendState.FAILED,
                reason=f"gave_up_{error.reason}"[:64],
                code=error.code,
                subcode=error.subcode,
            )
            log.error(
                "outbox: gave up on message %s after %s tries: %s", item.id, item.attempts, error
            )
            return
        await self._outbox.retry_later(
            item,
            timedelta(seconds=delay),
            reason=error.reason,
            code=error.code,
            subcode=error.subcode,
        )
        log.warning("outbox: message %s retrying in %.1f s: %s", item.id, delay, error)

    async def _fail(self, item: Outgoing, error: SendFinal) -> None:
        await self._outbox.finish(
            item,
            SendState.FAILED,
            reason=error.reason,
            code=error.code,
            subcode=error.subcode,
            delivery_issue=error.reason if error.scope == "recipient" else None,
        )
        if error.scope == "account":
            log.error("outbox: account %s refused message %s: %s", item.account_id, item.id, error)
        else:
            log.warning("outbox: message %s refused: %s", item.id, error)
        if item.probe:
            # Refused for itself, not for its account: the account works again.
            await self._resume(item.account_id, "a probe send reached Meta")

    async def _settle(self, item: Outgoing) -> bool:
        """Find out whether an ambiguous message went out; True when settled (nothing to send)."""
        api = await self._apis.for_account(item.account_id)
        if api is None:
            # No token to ask with: it stays unconfirmed rather than risk a second copy.
            await self._outbox.finish(item, SendState.FAILED, reason="delivery_unconfirmed")
            log.error("outbox: cannot tell whether message %s went out: account gone", item.id)
            return True
        recent = await self._lookup(item, api)
        if recent is None:
            return True
        known = await self._outbox.known_mids([sent.message_id for sent in recent])
        for sent in recent:
            if sent.message_id not in known and sent.text == item.text:
                await self._outbox.mark_sent(item, sent.message_id, tag=None, reason="reconciled")
                log.info("outbox: message %s had gone out after all", item.id)
                return True
        if not await self._outbox.begin_resend(item):
            return True
        log.info("outbox: message %s had not gone out; sending it again", item.id)
        return False

    async def _lookup(self, item: Outgoing, api: SendApi) -> list[SentMessage] | None:
        """What the business sent the buyer since the message's first try; None when Graph
        could not tell now (the message is then given back to be settled later, or failed as
        unconfirmed)."""
        ticket = await self._ticket(item)
        if ticket is None:
            return None
        since = (item.first_attempt_at or self._clock()) - CLOCK_SKEW
        try:
            await self._lookup_pacer.acquire(item.account_id)
            recent = await api.recent_messages(item.recipient_id, since=since)
        except SendAccountBlocked as exc:
            self._graph_answered(ticket)
            # The account cannot even read: ask again once it may work; never resend blindly.
            await self._outbox.recheck_later(item, self._probe_every, reason=exc.reason)
            return None
        except SendError as exc:
            self._graph_failed(ticket, exc)
            delay = self._delay(item, exc) if isinstance(exc, SendRetryable) else None
            if delay is None:
                # Resending could message the buyer twice; the merchant sees it unconfirmed.
                await self._outbox.finish(item, SendState.FAILED, reason="delivery_unconfirmed")
                log.error("outbox: cannot tell whether message %s went out: %s", item.id, exc)
            else:
                await self._outbox.recheck_later(item, timedelta(seconds=delay), reason=exc.reason)
            return None
        except BaseException:
            self.breaker.abandoned(ticket)
            raise
        self._graph_answered(ticket)
        return recent


__all__ = [
    "PROBE_EVERY",
    "SEND_BACKOFF",
    "AccountStates",
    "FixedSendApis",
    "SendApi",
    "SendApis",
    "Sender",
]
