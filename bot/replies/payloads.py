"""The payloads our quick replies carry, so the dialogue routes a tap on what it means.

A tap arrives as a message whose text is the button's (translated) title and whose
`quick_reply.payload` is one of these; route on the payload, never on the title.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.instagram.messages import PAYLOAD_CHARS
from bot.pipeline.dialogue_port import HANDOFF_PAYLOAD

REFRESH_PREFIX = "REFRESH:"
"""`REFRESH:<number>[,<number>…]`: look these tracking numbers up again."""

STOP_UPDATES_PAYLOAD = "STOP_UPDATES"
"""Stop proactive updates in this conversation."""

TALK_TO_PERSON_PAYLOAD = HANDOFF_PAYLOAD
"""Hand the conversation to a person; the same payload the rest of the bot already routes."""


def refresh_payload(numbers: Iterable[str]) -> str:
    """`REFRESH:` and the numbers, as many whole numbers as fit Instagram's payload limit.

    Raises ValueError when no number is given.
    """
    payload = REFRESH_PREFIX
    kept = 0
    for number in numbers:
        candidate = payload + ("," if kept else "") + number
        if len(candidate) > PAYLOAD_CHARS:
            break
        payload, kept = candidate, kept + 1
    if not kept:
        raise ValueError("a refresh payload needs at least one tracking number that fits")
    return payload


def refreshed_numbers(payload: str | None) -> tuple[str, ...] | None:
    """The numbers a `REFRESH:` payload asks for; None when `payload` is something else."""
    if payload is None or not payload.startswith(REFRESH_PREFIX):
        return None
    numbers = tuple(part for part in payload[len(REFRESH_PREFIX) :].split(",") if part)
    return numbers or None


__all__ = [
    "REFRESH_PREFIX",
    "STOP_UPDATES_PAYLOAD",
    "TALK_TO_PERSON_PAYLOAD",
    "refresh_payload",
    "refreshed_numbers",
]
