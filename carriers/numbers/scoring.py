"""How sure we are that a format match is a tracking number, given its evidence and support.

See docs/tracking-number-formats.md, Evidence and context.

A distinctive match stands alone. A check digit alone is weak evidence (about one phone, order or
invoice number in ten of the common lengths passes some checksum), so those formats need support:
a tracking link, a carrier's name, a tracking word, a conversation already about tracking, or the
number being the whole message. Generic shapes without a check digit need more, and formats that
look like any other number need their own carrier's name.
"""

from __future__ import annotations

from collections.abc import Set
from enum import StrEnum

from carriers.numbers.specs import Evidence

LONG_NUMBER = 22
"""A check-digit-valid number this long is a label number: E.164 phones stop at 15 digits, cards
at 19, and IBANs carry letters."""


class Support(StrEnum):
    LINK = "link"  # inside a carrier, tracker or store tracking link
    CARRIER = "carrier"  # one of the format's carriers is named nearby
    CUE = "cue"  # the nearest cue (a tracking word or any carrier name) says tracking
    CONTEXT = "context"  # the conversation is already about a tracking number
    WHOLE = "whole"  # the number is the whole message
    PHONE_SHAPED = "phone_shaped"  # all digits, shaped like a phone number


_CHECKSUM = {
    Support.LINK: 0.95,
    Support.CARRIER: 0.93,
    Support.CUE: 0.9,
    Support.CONTEXT: 0.85,
}
_WEAK = {
    Support.LINK: 0.9,
    Support.CARRIER: 0.85,
    Support.CUE: 0.75,
    Support.CONTEXT: 0.7,
}
_NAMED = {Support.LINK: 0.85, Support.CARRIER: 0.8}
_WHOLE_MESSAGE = 0.75
SHARED_MATHS = 0.6
"""Weight of a format that validates the same digits but was not supported on its own."""


def effective_evidence(evidence: Evidence, has_checksum: bool, length: int) -> Evidence:
    if evidence is Evidence.CHECKSUM and has_checksum and length >= LONG_NUMBER:
        return Evidence.DISTINCTIVE
    return evidence


def confidence(evidence: Evidence, has_checksum: bool, supports: Set[Support]) -> float | None:
    """The probability-like confidence that the match is a tracking number, or None to reject."""
    if evidence is Evidence.DISTINCTIVE:
        base = 0.97 if has_checksum else 0.93
        return max(base, 0.97) if Support.LINK in supports else base
    if evidence is Evidence.CHECKSUM:
        table = _CHECKSUM
    elif evidence is Evidence.WEAK:
        table = _WEAK
    else:
        table = _NAMED
    scores = [table[support] for support in supports if support in table]
    if (
        evidence is Evidence.CHECKSUM
        and Support.WHOLE in supports
        and Support.PHONE_SHAPED not in supports
    ):
        scores.append(_WHOLE_MESSAGE)
    return max(scores) if scores else None
