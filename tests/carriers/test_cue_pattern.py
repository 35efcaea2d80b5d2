"""The cue phrases of other scripts are matched by a trie pattern (cues.longest_first): it must
find exactly what an alternation of the phrases, longest first, finds."""

from __future__ import annotations

import json
import random
import re
from importlib.resources import files

from carriers.numbers.cues import longest_first
from carriers.numbers.detector import load_detector

SEPARATOR = r"[\s\-]+"


def alternation(phrases: list[str]) -> str:
    ordered = sorted(phrases, key=lambda phrase: (-len(phrase), phrase))
    return "|".join(SEPARATOR.join(map(re.escape, p.split(" "))) for p in ordered)


def test_the_trie_finds_what_the_longest_first_alternation_finds() -> None:
    phrases = list(load_detector()._lexicon._scripts)
    trie, reference = re.compile(longest_first(phrases)), re.compile(alternation(phrases))
    rng = random.Random(17)
    pieces = [*phrases, " ", "-", "  ", "x", "1234", "单", "号"]
    texts = [" ".join(phrases), *phrases]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 12))) for _ in range(3000)]
    cues = json.loads((files("carriers") / "data" / "wismo" / "cues.json").read_text("utf-8"))
    texts += [phrase for phrases in cues["tracking"].values() for phrase in phrases]
    for text in texts:
        assert [m.span() for m in trie.finditer(text)] == [
            m.span() for m in reference.finditer(text)
        ], text
