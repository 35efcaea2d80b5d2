"""Quick-reply payloads the dialogue routes on."""

from __future__ import annotations

import pytest

from bot.instagram.messages import PAYLOAD_CHARS
from bot.pipeline.dialogue_port import HANDOFF_PAYLOAD
from bot.replies import TALK_TO_PERSON_PAYLOAD, refresh_payload, refreshed_numbers


def test_a_refresh_payload_names_its_numbers() -> None:
    payload = refresh_payload(["YT1", "9400"])
    assert payload == "REFRESH:YT1,9400"
    assert refreshed_numbers(payload) == ("YT1", "9400")


def test_a_refresh_payload_keeps_only_whole_numbers_that_fit() -> None:
    numbers = [f"YT{i:020d}" for i in range(100)]
    payload = refresh_payload(numbers)
    assert len(payload) <= PAYLOAD_CHARS
    kept = refreshed_numbers(payload)
    assert kept is not None
    assert kept == tuple(numbers[: len(kept)])


@pytest.mark.parametrize("payload", [None, "HANDOFF", "REFRESH:", "STOP_UPDATES"])
def test_other_payloads_are_not_refreshes(payload: str | None) -> None:
    assert refreshed_numbers(payload) is None


def test_a_refresh_of_nothing_is_a_mistake() -> None:
    with pytest.raises(ValueError, match="at least one"):
        refresh_payload([])


def test_talk_to_a_person_uses_the_bots_hand_off_payload() -> None:
    assert TALK_TO_PERSON_PAYLOAD == HANDOFF_PAYLOAD
