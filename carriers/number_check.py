"""One check of a tracking number someone typed, for every caller that is not a chat message.

`wismo track` and the CSV import read a number (or a tracking link) the way the bot reads one
in a message (carriers/numbers, with the conversation already about a parcel), rank its
carriers like the bot, and refuse, with a line that says why, what no source can answer: not a
tracking number, a check digit that does not match, a carrier wismo does not know, or a carrier
that contradicts the number's format. Results are values; nothing here raises.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from enum import StrEnum

from carriers.catalog import BY_SLUG, CARRIERS
from carriers.numbers import TYPO_CHECK_DIGIT, TYPO_LENGTH, FoundNumber, NumberDetector

_ALPHANUMERIC = re.compile(r"[0-9A-Z]{6,40}")
_SLUG_SPACES = re.compile(r"[\s_]+")
_BY_NAME = {carrier.name.lower(): carrier.slug for carrier in CARRIERS}
_POSTAL_FORMAT = "s10"
# A UPU S10 number is a post's, and travels with consolidators (Yanwen, Cainiao, 4PX …) and
# the destination's post (USPS delivers LX…CN): it contradicts only the express carriers that
# carry numbers of their own alone.
_OWN_NUMBERS_ONLY = frozenset({"ups", "fedex", "dhl"})


class Problem(StrEnum):
    """Why a number cannot be looked up as given."""

    NOT_A_NUMBER = "not_a_tracking_number"
    CHECK_DIGIT = "check_digit"
    UNKNOWN_CARRIER = "unknown_carrier"
    WRONG_CARRIER = "carrier_contradicts_format"


@dataclass(frozen=True, slots=True)
class CheckedNumber:
    """A number that may be looked up: normalised, with the carrier given and detection's
    ranked guesses (best first; the order the bot asks sources in)."""

    number: str
    carrier: str | None
    candidates: tuple[str, ...]
    known_format: bool


@dataclass(frozen=True, slots=True)
class Refusal:
    """A number no source should be asked about; `message` is one line for a person."""

    problem: Problem
    number: str
    message: str


def carrier_slug(name: str) -> str | None:
    """A carrier as typed ('ups', 'China Post', 'china_post') → its catalog slug, or None."""
    text = name.strip().lower()
    if text in _BY_NAME:
        return _BY_NAME[text]
    slug = _SLUG_SPACES.sub("-", text)
    return slug if slug in BY_SLUG else None


def unknown_carrier_message(name: str) -> str:
    """'carrier 'fedx' is not one wismo knows (did you mean fedex?)'."""
    close = difflib.get_close_matches(name.strip().lower(), list(BY_SLUG), n=3, cutoff=0.6)
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    return f"carrier {name.strip()!r} is not one wismo knows{hint}"


def check_number(
    detector: NumberDetector, text: str, *, carrier: str | None = None
) -> CheckedNumber | Refusal:
    """The number in `text` (a number as typed, or a tracking link) ready to look up, or why
    not. `carrier` is a slug or a carrier's name, as a person gave it."""
    slug = carrier_slug(carrier) if carrier else None
    detection = detector.detect(text, tracking_context=True)
    typed = "".join(text.split()).upper()
    if carrier and slug is None:
        return Refusal(Problem.UNKNOWN_CARRIER, typed, unknown_carrier_message(carrier))
    if detection.tracking_numbers:
        found = detection.tracking_numbers[0]
        candidates = tuple(candidate.carrier for candidate in found.carriers)
        if slug is not None and _contradicts(slug, found, candidates):
            names = " or ".join(BY_SLUG[c].name for c in candidates[:3] if c in BY_SLUG)
            return Refusal(
                Problem.WRONG_CARRIER,
                found.number,
                f"{found.number} is a {names} number, not {BY_SLUG[slug].name}",
            )
        return CheckedNumber(found.number, slug, candidates, known_format=True)
    if detection.likely_typos:
        typo = detection.likely_typos[0]
        return Refusal(Problem.CHECK_DIGIT, typo.number, _typo_message(typo.number, typo.reason))
    if slug is not None and _ALPHANUMERIC.fullmatch(typed) and any(c.isdigit() for c in typed):
        # A format wismo lacks (many local carriers): the carrier named says who to ask.
        return CheckedNumber(typed, slug, (slug,), known_format=False)
    return Refusal(
        Problem.NOT_A_NUMBER,
        typed,
        f"{text.strip()!r} is not a tracking number in any format wismo knows",
    )


def _contradicts(slug: str, found: FoundNumber, candidates: tuple[str, ...]) -> bool:
    """Whether naming carrier `slug` contradicts what the number's format says."""
    if not candidates or slug in candidates:
        return False
    if found.format == _POSTAL_FORMAT:
        return slug in _OWN_NUMBERS_ONLY
    # A format with a check digit is certain; one without, only when it has letters of its own
    # (a bare run of digits may be another carrier's number of the same length).
    return found.checksum == "valid" or not found.number.isdigit()


def _typo_message(number: str, reason: str) -> str:
    """The chat's advice for a likely typo (bot/replies/orders.py), as one line."""
    if reason == TYPO_CHECK_DIGIT:
        why = "one character seems to be mistyped (its check digit doesn't match)"
    elif reason == TYPO_LENGTH:
        why = "it seems to have a character too many or too few"
    else:
        why = "part of it doesn't match the usual format for this kind of number"
    return f"{number} doesn't look quite right: {why}; check it against the shipping confirmation"


__all__ = [
    "CheckedNumber",
    "Problem",
    "Refusal",
    "carrier_slug",
    "check_number",
    "unknown_carrier_message",
]
