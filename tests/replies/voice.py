"""One voice: the contradiction pairs and repeats a reply must never contain, in any language.

A pair is two things wismo may say, each fine alone, that together contradict each other ("there
is nothing you need to do" and "ask for a person now") or say the same twice ("on its way back
to the shop" and "the carrier is sending it back to the shop"). The texts are looked up in the
reader's catalog, so the check reads every language the same way.
"""

from __future__ import annotations

import re
from collections import Counter

from bot.replies.catalogs import Translation
from bot.replies.wording import (
    REASON_EXPLANATIONS,
    REASON_HEADLINES,
    STATUS_EXPLANATIONS,
    STATUS_HEADLINES,
)
from carriers.models import ExceptionReason, Status

CALM = tuple(
    text
    for table in (STATUS_EXPLANATIONS, REASON_EXPLANATIONS)
    for text in table.values()
    if "nothing you need to do" in text
)
"""Sentences that tell the buyer there is nothing to do."""

URGENT = (
    "That's longer than usual, so it's worth checking: ask for a person here and the shop can "
    "open an inquiry with the carrier.",
    "The estimated delivery date ({date}) was more than a week ago. Ask for a person here and "
    "the shop will look into it with the carrier.",
)
"""Sentences that tell the buyer to ask for a person now."""

SAME_THING = (
    (STATUS_HEADLINES[Status.RETURNING], REASON_HEADLINES[ExceptionReason.RETURNED_TO_SENDER]),
)
"""Pairs of sentences that say the same thing in other words."""

_FIELD = re.compile(r"\{[a-z_]+\}")
_SENTENCE = re.compile(r"(?<=[.!?。！？؟])\s*|\n")


def says(t: Translation, message: str, text: str) -> bool:
    """Whether `text` contains `message` in `t`'s language, whatever its fields were filled with."""
    template = t.gettext(message)
    pieces = [piece for piece in _FIELD.split(template) if piece.strip()]
    position = 0
    for piece in pieces:
        found = text.find(piece, position)
        if found < 0:
            return False
        position = found + len(piece)
    return True


def contradictions(t: Translation, text: str) -> list[str]:
    """Every contradiction pair and repeated sentence in `text` (empty: one voice)."""
    problems = [
        f"calm and urgent: {calm[:40]!r} / {urgent[:40]!r}"
        for calm in CALM
        if says(t, calm, text)
        for urgent in URGENT
        if says(t, urgent, text)
    ]
    problems += [
        f"said twice: {first[:40]!r} / {second[:40]!r}"
        for first, second in SAME_THING
        if says(t, first, text) and says(t, second, text)
    ]
    sentences = [
        sentence.strip()
        for sentence in _SENTENCE.split(text)
        if len(sentence.strip()) > 8 and not sentence.lstrip().startswith("•")
    ]
    problems += [
        f"repeated: {sentence!r}" for sentence, count in Counter(sentences).items() if count > 1
    ]
    return problems


__all__ = ["CALM", "SAME_THING", "URGENT", "contradictions", "says"]
