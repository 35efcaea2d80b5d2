"""GraphBreaker: while Graph itself fails, one probe at a time instead of a storm of sends.

Graph failing as a service (HTTP 5xx, timeouts, refused or reset connections: the reasons in
OUTAGE_REASONS) says nothing about the message that met it: every send would meet the same.
After `threshold` such failures in a row the breaker opens: the sender then claims nothing but
one probe, first after `first_probe`, then after twice as long each time the probe fails, up to
`longest_probe`. The first call that gets a real answer from Meta (a success, or a refusal of
that message) closes it, and what waited goes out at the sender's usual pace.

Only calls started while the breaker was closed, in its current closed spell, can open it: a
call that was already in flight when it opened and fails late is the same outage, already
counted, and must not push the next probe further out (docs/architecture.md, Outlasting a Graph
outage). While open, only the probe's answer moves the breaker.

One breaker per process covers every account: an outage is Graph's, not an account's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from bot.errors import SendAmbiguous, SendError, SendRetryable

log = logging.getLogger(__name__)

OUTAGE_REASONS: Final = frozenset(
    {
        # bot/instagram/graph_errors.py: what a 5xx, a transient error or the network gives.
        "server_error",
        "transient_error",
        "service_unavailable",
        "unknown_error",
        "connect_timeout",
        "unreachable",
        "write_failed",
        "proxy_error",
        "timeout",
        "connection_lost",
    }
)
"""Failures that say Graph (or the way to it) is down, not that the message is wrong."""


def is_outage(error: SendError) -> bool:
    """Whether `error` is Graph failing as a service (retry it for as long as the window
    allows) rather than an answer about this message or account."""
    return isinstance(error, SendRetryable | SendAmbiguous) and error.reason in OUTAGE_REASONS


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"  # Graph fails: only a probe may go, when one is due
    PROBING = "probing"  # open, and the one probe is in flight


@dataclass(frozen=True, slots=True)
class Ticket:
    """Permission for one Graph call: `spell` is the closed spell it started in (None for the
    probe)."""

    spell: int | None

    @property
    def probe(self) -> bool:
        return self.spell is None


@dataclass(frozen=True, slots=True)
class BreakerStatus:
    """What /healthz and /metrics show: `since` is when Graph started failing (None: closed)."""

    state: BreakerState
    since: datetime | None
    next_probe_at: datetime | None
    failed_probes: int


class GraphBreaker:
    def __init__(
        self,
        *,
        clock: Callable[[], datetime],
        threshold: int = 3,
        first_probe: timedelta = timedelta(seconds=2),
        longest_probe: timedelta = timedelta(seconds=30),
    ) -> None:
        self._clock = clock
        self._threshold = threshold
        self._first_probe = first_probe
        self._longest_probe = longest_probe
        self._spell = 0  # counts closed spells; a call started in an older one cannot open it
        self._failures = 0  # outage failures in a row in the current closed spell
        self._opened_at: datetime | None = None
        self._next_probe_at: datetime | None = None
        self._probing = False
        self._failed_probes = 0

    @property
    def open(self) -> bool:
        return self._opened_at is not None

    def status(self) -> BreakerStatus:
        if self._opened_at is None:
            return BreakerStatus(BreakerState.CLOSED, None, None, 0)
        state = BreakerState.PROBING if self._probing else BreakerState.OPEN
        return BreakerStatus(state, self._opened_at, self._next_probe_at, self._failed_probes)

    def admit(self) -> Ticket | None:
        """A ticket for one Graph call now, or None: the breaker is open and the probe is not
        due (or already in flight)."""
        if self._opened_at is None:
            return Ticket(self._spell)
        if self._probe_waits():
            return None
        self._probing = True
        return Ticket(None)

    def probe_due(self) -> bool:
        """Whether `admit` would hand out a ticket now (without taking it)."""
        return self._opened_at is None or not self._probe_waits()

    def _probe_waits(self) -> bool:
        """Open, and the probe is in flight or not yet due."""
        return self._probing or bool(self._next_probe_at and self._clock() < self._next_probe_at)

    def wait(self) -> timedelta:
        """How long a call refused a ticket should wait before it is tried again."""
        if self._next_probe_at is None:
            return self._first_probe
        return max(self._next_probe_at - self._clock(), self._first_probe)

    def answered(self, ticket: Ticket) -> None:
        """Meta answered the call (a success, or a refusal that is not an outage): Graph
        works, whichever call it was."""
        if self._opened_at is not None:
            self._close(self._opened_at)
        self._failures = 0

    def failed(self, ticket: Ticket) -> None:
        """The call met an outage (is_outage)."""
        now = self._clock()
        if ticket.probe:
            if self._opened_at is None:
                return  # another call's answer closed the breaker meanwhile
            self._probing = False
            self._failed_probes += 1
            step = self._first_probe * 2 ** min(self._failed_probes, 16)
            self._next_probe_at = now + min(step, self._longest_probe)
            return
        if self._opened_at is not None or ticket.spell != self._spell:
            return  # started before the breaker opened: that outage is already counted
        self._failures += 1
        if self._failures >= self._threshold:
            self._opened_at = now
            self._next_probe_at = now + self._first_probe
            log.error(
                "Send API: Graph is failing (%s errors in a row); sends wait, one probe at a time",
                self._failures,
            )

    def abandoned(self, ticket: Ticket) -> None:
        """The call never reached Graph (cancelled, or a database error first)."""
        if ticket.probe:
            self._probing = False

    def _close(self, opened_at: datetime) -> None:
        log.warning(
            "Send API: Graph answers again after %.0f s; waiting sends go out",
            (self._clock() - opened_at).total_seconds(),
        )
        self._opened_at = None
        self._next_probe_at = None
        self._probing = False
        self._failed_probes = 0
        self._spell += 1


__all__ = [
    "OUTAGE_REASONS",
    "BreakerState",
    "BreakerStatus",
    "GraphBreaker",
    "Ticket",
    "is_outage",
]
