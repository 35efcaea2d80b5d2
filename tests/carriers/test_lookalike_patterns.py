"""Look-alike patterns look behind their first character instead of before it, so the engine can
scan for that character: each must find exactly what its plain form finds."""

from __future__ import annotations

import random
import re

import pytest

from carriers.numbers.lookalikes import _CARD_CANDIDATE, _IBAN_CANDIDATE, _PATTERNS

B = r"(?<![A-Z0-9])"
E = r"(?![A-Z0-9])"
# The patterns as written before, each beside the pattern now in the module that replaces it.
PLAIN = {
    _IBAN_CANDIDATE.pattern: B
    + r"[A-Z]{2}[0-9]{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?"
    + E,
    _CARD_CANDIDATE.pattern: r"(?<![0-9])(?<![0-9][ \-])[3-6][0-9]{3}([ \-]?)[0-9]{4}\1[0-9]{4}"
    r"\1[0-9]{4}(?![0-9])(?![ \-][0-9])",
    _PATTERNS[3][1]: r"(?<![A-Z0-9.\-])[0-9]{3}([.\-])[0-9]{3,4}\1[0-9]{4}"
    r"(?![A-Z0-9]|[.\-][0-9])",
    _PATTERNS[4][1]: r"(?<![A-Z0-9\-])[0-9]{3}-[0-9]{7}-[0-9]{7}(?![A-Z0-9\-])",
    _PATTERNS[6][1]: r"(?<![A-Z0-9.\-/])(?:19|20)[0-9]{2}[\-./](?:0?[1-9]|1[0-2])[\-./]"
    r"(?:0?[1-9]|[12][0-9]|3[01])(?![A-Z0-9]|[.\-/][0-9])",
    _PATTERNS[7][1]: r"(?<![A-Z0-9.\-/])[0-9]{1,2}[\-./][0-9]{1,2}[\-./](?:19|20)?[0-9]{2}"
    r"(?![A-Z0-9]|[.\-/][0-9])",
    _PATTERNS[8][1]: B + r"(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
    r"(?:(?:[01][0-9]|2[0-3])[0-5][0-9](?:[0-5][0-9])?)?" + E,
    _PATTERNS[12][1]: r"(?<![A-Z0-9\-])[0-9]{5}-(?:[0-9]{4}|[0-9]{3})(?![A-Z0-9\-])",
    _PATTERNS[13][1]: r"(?<![A-Z0-9\-])[0-9]{3}-[0-9]{4}(?![A-Z0-9\-])",
}
PIECES = ["0", "1", "2", "3", "4", "5", "9", "19", "20", "12", "A", "GB", "DE", "X", " ", "-"]
PIECES += [".", "/", "-", "4111", "2024", "12-31", "123-4567", "\n"]


@pytest.mark.parametrize("now", sorted(PLAIN))
def test_a_pattern_finds_what_its_plain_form_finds(now: str) -> None:
    plain, scanning = re.compile(PLAIN[now]), re.compile(now)
    rng = random.Random(now)
    for _ in range(4000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randrange(1, 30)))
        assert [m.span() for m in scanning.finditer(text)] == [
            m.span() for m in plain.finditer(text)
        ], text
