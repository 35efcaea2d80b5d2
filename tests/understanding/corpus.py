"""The labelled corpus of buyer messages under corpus/, one JSON-lines file per language."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

CORPUS = Path(__file__).parent / "corpus"
# Written after the lexicons were tuned on the corpus, and never tuned against.
HOLDOUT = Path(__file__).parent / "holdout.jsonl"


class Sample(BaseModel):
    """One message and what a careful reader finds in it (numbers normalised)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    tracking_numbers: tuple[str, ...]
    likely_typos: tuple[str, ...]
    order_numbers: tuple[str, ...]
    intent: str
    language: str
    delivered_not_received: bool = False
    tracking_context: bool = False
    previous_language: str | None = None
    trap: str | None = None


def load_corpus() -> dict[str, list[Sample]]:
    """Samples by the language of the file they are in."""
    return {
        path.stem: [
            Sample.model_validate_json(line)
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        for path in sorted(CORPUS.glob("*.jsonl"))
    }


def load_holdout() -> list[Sample]:
    return [
        Sample.model_validate_json(line)
        for line in HOLDOUT.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
