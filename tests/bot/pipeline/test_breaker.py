"""GraphBreaker: opens after outage failures in a row, one probe at a time while open, probes
further apart while they fail, and late failures of calls started before it opened change
nothing."""

from __future__ import annotations

from datetime import timedelta

from bot.errors import SendAmbiguous, SendFinal, SendRetryable
from bot.pipeline.breaker import BreakerState, GraphBreaker, is_outage
from tests.bot.harness import Clock


def opened(clock: Clock) -> GraphBreaker:
    breaker = GraphBreaker(clock=clock, threshold=3)
    for _ in range(3):
        ticket = breaker.admit()
        assert ticket is not None
        breaker.failed(ticket)
    assert breaker.open
    return breaker


def test_server_errors_timeouts_and_lost_connections_are_outages_refusals_are_not():
    assert is_outage(SendRetryable(None, None, "server_error", http_status=500))
    assert is_outage(SendRetryable(None, None, "unreachable"))
    assert is_outage(SendAmbiguous(None, None, "timeout"))
    assert not is_outage(SendRetryable(613, 2534040, "rate_limited", scope="account"))
    assert not is_outage(SendFinal(10, 2534022, "window_closed"))


def test_while_open_only_one_probe_goes_and_only_when_due():
    clock = Clock()
    breaker = opened(clock)
    assert breaker.admit() is None  # the first probe waits 2 s
    clock.offset += timedelta(seconds=2)
    probe = breaker.admit()
    assert probe is not None
    assert probe.probe
    assert breaker.admit() is None  # one probe at a time
    assert breaker.status().state is BreakerState.PROBING
    breaker.failed(probe)
    clock.offset += timedelta(seconds=3)
    assert breaker.admit() is None  # the next one waits twice as long
    clock.offset += timedelta(seconds=1)
    probe = breaker.admit()
    assert probe is not None
    breaker.answered(probe)
    assert not breaker.open
    assert breaker.status() == breaker.status().__class__(BreakerState.CLOSED, None, None, 0)


def test_probes_are_never_further_apart_than_the_longest_wait():
    clock = Clock()
    breaker = opened(clock)
    for _ in range(12):
        clock.offset += timedelta(seconds=30)
        probe = breaker.admit()
        assert probe is not None
        breaker.failed(probe)


def test_late_failures_of_calls_started_before_it_opened_do_not_push_the_probe_out():
    clock = Clock()
    breaker = GraphBreaker(clock=clock, threshold=3)
    in_flight = [breaker.admit() for _ in range(10)]
    for ticket in in_flight[:3]:
        assert ticket is not None
        breaker.failed(ticket)
    due = breaker.status().next_probe_at
    clock.offset += timedelta(seconds=1)
    for ticket in in_flight[3:]:
        assert ticket is not None
        breaker.failed(ticket)
    assert breaker.status().next_probe_at == due
    assert breaker.status().failed_probes == 0


def test_an_answer_from_graph_closes_it_whichever_call_got_it():
    clock = Clock()
    breaker = GraphBreaker(clock=clock, threshold=3)
    early = breaker.admit()
    for _ in range(3):
        ticket = breaker.admit()
        assert ticket is not None
        breaker.failed(ticket)
    assert early is not None
    breaker.answered(early)
    assert not breaker.open
    assert breaker.admit() is not None
