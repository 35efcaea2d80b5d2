"""SenderActions: mark_seen and typing_on around a buyer's turn, best-effort, never in the way.

Meta recommends both when a message arrives that the bot will answer (docs/instagram.md,
Changes since 2026-11-28, and Sender actions). `mark_seen` goes once per buyer turn as soon as
the responder is asked; `typing_on` only when the answer is not ready within `typing_after`
(one second): answers from what wismo already knows (the greeting, a reminder, a cached
shipment) are ready in milliseconds and go out right after, where a typing indicator would only
flicker and cost a call against the account's rate; a lookup that goes to a store or a carrier
takes seconds, long enough for the buyer to wonder whether anyone is there.

Why not through the outbox, when every message goes there: the outbox's guarantees (a row that
survives a crash, retried with backoff until it goes, exactly once, in order) are what a sender
action must not have. It is only worth anything within seconds: a `mark_seen` an hour late is
noise, and a `typing_on` after the reply shows dots under an answer already given. A row, a
claim and a poll would only make it later. So each action is one call, fire-and-forget, never
retried, made through the same per-account client as the replies (SendApis, so it carries that
account's token) and the same Pacer as the Sender, so actions and replies share one pace:

- Never later than useful: a pacer slot further away than `max_wait` is not taken and the
  action is dropped. A `typing_on` not yet started when the answer is ready is cancelled; one
  already started is left to finish (cancelling a request in flight could not unsend it).
- Never after the reply: the reply is queued only after the responder returns, then claimed,
  checked and given a later slot of the same Pacer (slots go in the order they are taken), so
  its request starts after the actions' requests.
- Never delaying the reply: the actions run in tasks of their own and the turn never awaits
  them; their failures are logged and swallowed. An account that refuses or throttles
  (SendAccountBlocked, an account-wide SendRetryable) gets no actions for `quiet`: the Sender
  handles its messages.
- Never outside the 24-hour window: the same WindowPolicy as the bot's replies, from the time of
  the buyer's message (an event handled after a long backlog may be past it).
- Never while Graph fails: with the sender's breaker open (bot/pipeline/breaker.py) no action
  goes, so an outage sees one probe at a time and nothing else.

WISMO_SENDER_ACTIONS=off turns all of it off (create_app then passes no SenderActions).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from bot.errors import SendAccountBlocked, SendError, SendRetryable
from bot.instagram.messages import SenderAction
from bot.instagram.pacing import Pacer
from bot.instagram.window import WindowPolicy
from bot.pipeline.breaker import GraphBreaker
from bot.pipeline.sender import SendApis
from conversations.models import Author

log = logging.getLogger(__name__)

TYPING_AFTER = 1.0
"""Seconds the answer may take before the buyer sees `typing_on` (see the module docstring)."""
MAX_WAIT = 0.5
"""Seconds an action may wait for its pacer slot; later than that it is dropped."""
QUIET = timedelta(minutes=5)
"""How long an account that refused or throttled an action gets none."""
_REMEMBERED = 4096  # turns remembered as marked seen, so a retried turn is not marked again


@runtime_checkable
class ActionApi(Protocol):
    """What sender actions need of a SendApis client (bot.instagram.sendapi.SendApiClient)."""

    async def sender_action(self, recipient_id: str, action: SenderAction) -> None: ...


@dataclass(slots=True)
class _Turn:
    answered: bool = False
    typing: bool = False  # typing_on took its pacer slot: it is left to finish


class SenderActions:
    """Sends a buyer turn's sender actions; `close` cancels those still running."""

    def __init__(
        self,
        apis: SendApis,
        pacer: Pacer,
        *,
        clock: Callable[[], datetime],
        window: WindowPolicy = WindowPolicy(),  # noqa: B008 (frozen value)
        typing_after: float = TYPING_AFTER,
        max_wait: float = MAX_WAIT,
        quiet: timedelta = QUIET,
        breaker: GraphBreaker | None = None,
    ) -> None:
        self._apis = apis
        self._pacer = pacer
        self._clock = clock
        self._window = window
        self._typing_after = typing_after
        self._max_wait = max_wait
        self._quiet = quiet
        self._breaker = breaker
        self._quiet_until: dict[str, datetime] = {}
        self._marked: dict[object, None] = {}  # insertion-ordered: the oldest are forgotten
        self._tasks: set[asyncio.Task[None]] = set()

    @contextlib.asynccontextmanager
    async def turn(
        self, account_id: str, recipient_id: str, *, key: object, buyer_at: datetime
    ) -> AsyncIterator[None]:
        """Around the responder's work on the turn `key` (a buyer's message sent at
        `buyer_at`): marks it seen (once per key) and shows typing while the answer is late.
        Never raises, never waits for an action."""
        if not self._may_act(account_id, buyer_at):
            yield
            return
        if key not in self._marked:
            self._remember(key)
            self._spawn(self._act(account_id, recipient_id, "mark_seen"))
        state = _Turn()
        typing = self._spawn(self._typing_later(account_id, recipient_id, state))
        try:
            yield
        finally:
            state.answered = True
            if not state.typing:
                typing.cancel()

    async def close(self) -> None:
        """Cancel the actions still running (at shutdown; they are useless by the restart)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _may_act(self, account_id: str, buyer_at: datetime) -> bool:
        if self._breaker is not None and self._breaker.open:
            return False  # Graph fails: the replies' probe is the only call that goes
        now = self._clock()
        quiet_until = self._quiet_until.get(account_id)
        if quiet_until is not None and now < quiet_until:
            return False
        return self._window.decide(Author.BOT, buyer_at, now).allowed

    def _remember(self, key: object) -> None:
        self._marked[key] = None
        if len(self._marked) > _REMEMBERED:
            del self._marked[next(iter(self._marked))]

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(work, name="sender-action")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _typing_later(self, account_id: str, recipient_id: str, state: _Turn) -> None:
        await asyncio.sleep(self._typing_after)
        if state.answered:
            return
        state.typing = True  # no await since the check: the answer cannot have come between
        await self._act(account_id, recipient_id, "typing_on")

    async def _act(self, account_id: str, recipient_id: str, action: SenderAction) -> None:
        try:
            api = await self._apis.for_account(account_id)
            if not isinstance(api, ActionApi):
                return
            delay = self._pacer.reserve_within(account_id, self._max_wait)
            if delay is None:
                log.debug("sender action %s dropped: account %s is paced", action, account_id)
                return
            if delay > 0:
                await asyncio.sleep(delay)
            await api.sender_action(recipient_id, action)
        except SendError as exc:
            self._failed(account_id, action, exc)
        except Exception as exc:  # an action must never break the turn it decorates
            log.warning("sender action %s failed: %s", action, type(exc).__name__)

    def _failed(self, account_id: str, action: SenderAction, error: SendError) -> None:
        account_wide = isinstance(error, SendAccountBlocked) or (
            isinstance(error, SendRetryable) and error.scope == "account"
        )
        if not account_wide:
            log.debug("sender action %s failed: %s", action, error)
            return
        if account_id not in self._quiet_until or self._clock() >= self._quiet_until[account_id]:
            log.info("sender actions for account %s off for %s: %s", account_id, self._quiet, error)
        self._quiet_until[account_id] = self._clock() + self._quiet


__all__ = ["MAX_WAIT", "QUIET", "TYPING_AFTER", "ActionApi", "SenderActions"]
