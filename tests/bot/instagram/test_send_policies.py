"""The rules a send follows: Meta's window and HUMAN_AGENT, pacing per account, backoff."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from bot.instagram.pacing import Pacer
from bot.instagram.window import WindowPolicy
from bot.pipeline.backoff import Backoff
from bot.pipeline.dialogue_port import HANDOFF_PAYLOAD, GreetingResponder, Turn, TurnKind
from conversations.models import Author, Conversation

BUYER_WROTE = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
POLICY = WindowPolicy()


@pytest.mark.parametrize(
    ("author", "after", "allowed", "tag", "reason"),
    [
        (Author.BOT, timedelta(minutes=1), True, None, None),
        (Author.BOT, timedelta(hours=23, minutes=29), True, None, None),
        (Author.BOT, timedelta(hours=23, minutes=31), False, None, "window_closed"),
        (Author.BOT, timedelta(days=2), False, None, "window_closed"),
        (Author.MERCHANT, timedelta(hours=1), True, None, None),
        (Author.MERCHANT, timedelta(hours=23, minutes=45), True, "HUMAN_AGENT", None),
        (Author.MERCHANT, timedelta(days=3), True, "HUMAN_AGENT", None),
        (
            Author.MERCHANT,
            timedelta(days=6, hours=23, minutes=31),
            False,
            None,
            "human_agent_window_closed",
        ),
    ],
)
def test_the_window_decides_whether_and_how_a_message_may_go(author, after, allowed, tag, reason):
    decision = POLICY.decide(author, BUYER_WROTE, BUYER_WROTE + after)
    assert (decision.allowed, decision.tag, decision.reason) == (allowed, tag, reason)


def test_nothing_goes_to_a_buyer_who_never_wrote():
    decision = POLICY.decide(Author.MERCHANT, None, BUYER_WROTE)
    assert (decision.allowed, decision.reason) == (False, "no_buyer_message")


def test_the_bot_never_gets_human_agent_whatever_the_time():
    for hours in range(0, 24 * 8):
        decision = POLICY.decide(Author.BOT, BUYER_WROTE, BUYER_WROTE + timedelta(hours=hours))
        assert decision.tag is None


def test_the_console_can_show_until_when_each_author_may_write():
    assert POLICY.open_until(Author.BOT, BUYER_WROTE) == BUYER_WROTE + timedelta(
        hours=23, minutes=30
    )
    assert POLICY.open_until(Author.MERCHANT, BUYER_WROTE) == BUYER_WROTE + timedelta(
        days=7, minutes=-30
    )
    assert POLICY.open_until(Author.BOT, None) is None


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_pacing_lets_a_burst_through_then_holds_the_steady_rate():
    time = FakeTime()
    pacer = Pacer(10, burst=3, monotonic=time.monotonic, sleep=time.sleep)
    starts = []
    for _ in range(8):
        await pacer.acquire("acct")
        starts.append(round(time.now - 100.0, 6))
    assert starts[:3] == [0.0, 0.0, 0.0]
    gaps = [round(b - a, 6) for a, b in itertools.pairwise(starts[2:])]
    assert gaps == [0.1] * 5


async def test_pacing_is_per_account():
    time = FakeTime()
    pacer = Pacer(1, burst=1, monotonic=time.monotonic, sleep=time.sleep)
    await pacer.acquire("a")
    await pacer.acquire("b")
    assert time.slept == []
    await pacer.acquire("a")
    assert time.slept == [1.0]


def test_concurrent_callers_get_distinct_slots():
    time = FakeTime()
    pacer = Pacer(4, burst=1, monotonic=time.monotonic, sleep=time.sleep)
    assert [pacer.reserve("acct") for _ in range(4)] == [0.0, 0.25, 0.5, 0.75]


def test_a_call_useless_once_late_takes_no_slot_it_would_wait_too_long_for():
    time = FakeTime()
    pacer = Pacer(4, burst=1, monotonic=time.monotonic, sleep=time.sleep)
    assert pacer.reserve_within("acct", 0.3) == 0.0
    assert pacer.reserve_within("acct", 0.3) == 0.25
    assert pacer.reserve_within("acct", 0.3) is None  # 0.5 s away: dropped, slot kept free
    assert pacer.reserve("acct") == 0.5
    pacer.pause("other", 30)
    assert pacer.reserve_within("other", 0.3) is None


async def test_a_throttled_account_pauses_entirely():
    time = FakeTime()
    pacer = Pacer(100, burst=10, monotonic=time.monotonic, sleep=time.sleep)
    pacer.pause("acct", 30)
    await pacer.acquire("acct")
    assert time.slept == [30.0]
    await pacer.acquire("other")
    assert time.slept == [30.0]


def test_backoff_grows_exponentially_with_jitter_and_gives_up():
    backoff = Backoff(base=1, factor=2, cap=5, attempts=5)
    low = [backoff.delay(n, lambda: 0.0) for n in range(1, 6)]
    high = [backoff.delay(n, lambda: 1.0) for n in range(1, 6)]
    assert low == [0.5, 1.0, 2.0, 2.5, None]
    assert high == [1.0, 2.0, 4.0, 5.0, None]


def conversation(state: dict | None = None) -> Conversation:
    return Conversation(
        id=1, account_id="1", igsid="2", username=None, name=None, language=None,
        created_at=BUYER_WROTE, last_message_at=None, last_buyer_at=None, last_merchant_at=None,
        buyer_read_at=None, state=state or {}, handoff_at=None, handoff_reason=None,
        resolved=False, resolved_at=None, delivery_issue=None, delivery_issue_at=None,
    )  # fmt: skip


def turn(**fields) -> Turn:
    return Turn(
        **{
            "kind": TurnKind.MESSAGE,
            "account_id": "1",
            "igsid": "2",
            "occurred_at": BUYER_WROTE,
            **fields,
        }
    )


async def test_the_greeting_asks_for_a_number_says_it_is_a_bot_and_offers_a_person():
    reply = await GreetingResponder("Shop").respond(turn(text="hi"), conversation())
    (message,) = reply.messages
    assert "automated assistant" in message.text
    assert "order number" in message.text
    assert [(q.title, q.payload) for q in message.quick_replies] == [
        ("Talk to a person", HANDOFF_PAYLOAD)
    ]
    assert reply.state == {"greeted": True}
    assert reply.handoff is None


async def test_after_the_greeting_the_bot_reminds_what_to_send():
    reply = await GreetingResponder("Shop").respond(turn(text="?"), conversation({"greeted": True}))
    assert reply.messages[0].text.startswith("Please send me your order number")
    assert reply.based_on == {"responder": "greeting", "step": "ask_again"}


async def test_asking_for_a_person_hands_off():
    reply = await GreetingResponder("Shop").respond(
        turn(payload=HANDOFF_PAYLOAD, text="Talk to a person"), conversation()
    )
    assert reply.handoff == "buyer_asked"
    assert "someone from Shop" in reply.messages[0].text


async def test_an_edit_gets_no_second_greeting():
    reply = await GreetingResponder("Shop").respond(
        turn(kind=TurnKind.EDIT, text="x"), conversation()
    )
    assert reply.messages == ()
