"""The shape of the shipped lexicon files, as a pydantic model.

The tests validate every shipped lexicon against it (tests/understanding/test_lexicon.py);
`lexicon.load_lexicons` reads the JSON as it is and relies on that check, since importing
pydantic and building the model would cost `wismo parse` more start-up than reading the files.
The defaults here are the ones the loader applies to a key that is absent.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bot.understanding.lexicon import Intent


class LexiconFile(BaseModel):
    """One `data/lexicon/<language>.json` file as written (entries are folded on load)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    language: str
    words: tuple[str, ...] = ()
    weak_words: tuple[str, ...] = ()
    order_keywords: tuple[str, ...] = ()
    order_fillers: tuple[str, ...] = ()
    tracking_cues: tuple[str, ...] = ()
    negations: tuple[str, ...] = ()
    delivered_claim: tuple[str, ...] = ()
    not_received: tuple[str, ...] = ()
    intents: dict[Intent, dict[str, float]] = Field(default_factory=dict)
