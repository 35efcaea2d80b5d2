"""Every status and every exception reason has its buyer wording (docs/tracking-sources.md)."""

from __future__ import annotations

import pytest

from bot.replies.wording import (
    REASON_EXPLANATIONS,
    REASON_HEADLINES,
    REASON_LABELS,
    STATUS_EXPLANATIONS,
    STATUS_HEADLINES,
    STATUS_LABELS,
)
from carriers.models import REASONS_NEEDING_ACTION, ExceptionReason, Status


@pytest.mark.parametrize("table", [STATUS_LABELS, STATUS_HEADLINES, STATUS_EXPLANATIONS])
def test_every_status_has_a_label_a_headline_and_an_explanation(table: dict[Status, str]) -> None:
    assert set(table) == set(Status)


@pytest.mark.parametrize("table", [REASON_LABELS, REASON_HEADLINES, REASON_EXPLANATIONS])
def test_every_reason_has_a_label_a_headline_and_an_explanation(
    table: dict[ExceptionReason, str],
) -> None:
    assert set(table) == set(ExceptionReason)


@pytest.mark.parametrize("reason", sorted(REASONS_NEEDING_ACTION))
def test_a_reason_that_needs_the_buyer_says_what_to_do(reason: ExceptionReason) -> None:
    assert REASON_EXPLANATIONS[reason].startswith("What to do: ")


@pytest.mark.parametrize("reason", sorted(set(ExceptionReason) - REASONS_NEEDING_ACTION))
def test_a_reason_that_needs_nothing_never_tells_the_buyer_to_act_on_the_carrier(
    reason: ExceptionReason,
) -> None:
    assert not REASON_EXPLANATIONS[reason].startswith("What to do: ")


TYPICAL_TIMES = {
    ExceptionReason.CUSTOMS_HOLD: "1–5 business days",
    ExceptionReason.CUSTOMS_DOCUMENTS: "1–3 business days",
    ExceptionReason.PAYMENT_REQUIRED: "1–3 days after payment",
    ExceptionReason.ADDRESS_ISSUE: "1–3 business days",
    ExceptionReason.RECIPIENT_UNAVAILABLE: "the next business day",
    ExceptionReason.BUSINESS_CLOSED: "the next business day",
    ExceptionReason.REFUSED: "2–8 weeks from abroad",
    ExceptionReason.WEATHER: "1–3 days",
    ExceptionReason.CARRIER_DELAY: "1–5 days",
    ExceptionReason.HELD_BY_CARRIER: "5–15 days",
    ExceptionReason.DAMAGED: "3–10 business days",
    ExceptionReason.LOST: "5–30 days",
    ExceptionReason.REJECTED_BY_CARRIER: "The shop will contact you",
    ExceptionReason.CANCELLED: "new tracking number",
    ExceptionReason.DESTROYED: "can't be undone",
    ExceptionReason.STALLED: "1–3 weeks",
    ExceptionReason.INVALID_TRACKING_NUMBER: "1–3 days",
    ExceptionReason.RETURNED_TO_SENDER: "2–8 weeks from abroad",
    ExceptionReason.OTHER: "within a few days",
}


@pytest.mark.parametrize("reason", list(ExceptionReason))
def test_every_reason_says_how_long_it_usually_takes_or_who_acts_next(
    reason: ExceptionReason,
) -> None:
    """The typical resolution times, said as estimates; final outcomes say what happens."""
    assert TYPICAL_TIMES[reason] in REASON_EXPLANATIONS[reason]
