"""The shipped intent model on messages written after it was trained, by someone who had not
read the corpus's templates (bench/data/blind_intents.jsonl: 16 per language, eight languages).

A check beside bench.intent's held-out split, which the corpus's authors looked at while
writing templates. Messages that happen to be in the training corpus word for word (short
greetings, "转人工") are counted apart.

    .venv/bin/python -m bench.blind_intents
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from bot.understanding import build_message_parser
from bot.understanding.examples import load_examples
from bot.understanding.text import fold
from carriers.numbers.detector import load_detector

BLIND = Path(__file__).parent / "data" / "blind_intents.jsonl"
WISMO = "where_is_my_order"

Reading = tuple[str, str, str]  # labelled intent, read intent, text


def macro_f1(readings: Sequence[Reading]) -> float:
    scores = []
    for label in {labelled for labelled, _, _ in readings}:
        hits = sum(1 for labelled, read, _ in readings if labelled == read == label)
        said = sum(1 for _, read, _ in readings if read == label)
        meant = sum(1 for labelled, _, _ in readings if labelled == label)
        precision = hits / said if said else 0.0
        recall = hits / meant if meant else 0.0
        total = precision + recall
        scores.append(2 * precision * recall / total if total else 0.0)
    return sum(scores) / len(scores)


def main() -> None:
    trained = {fold(example.text).strip() for example in load_examples() if not example.evaluation}
    parser = build_message_parser(load_detector())
    by_language: dict[str, list[Reading]] = defaultdict(list)
    verbatim = 0
    for line in BLIND.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        verbatim += fold(row["text"]).strip() in trained
        read = parser.parse(row["text"]).intent.value
        by_language[row["language"]].append((row["intent"], read, row["text"]))
    readings = [reading for group in by_language.values() for reading in group]
    print(f"{len(readings)} messages, {verbatim} of them word for word in the training corpus")
    for language, group in by_language.items():
        right = sum(labelled == read for labelled, read, _ in group)
        print(f"{language:8} {right}/{len(group)} right, macro-F1 {macro_f1(group):.3f}")
    said = [reading for reading in readings if reading[1] == WISMO]
    meant = [reading for reading in readings if reading[0] == WISMO]
    precision = sum(labelled == WISMO for labelled, _, _ in said) / len(said)
    recall = sum(read == WISMO for _, read, _ in meant) / len(meant)
    print(f"all      macro-F1 {macro_f1(readings):.3f}; {WISMO} P {precision:.3f} R {recall:.3f}")
    for labelled, read, text in readings:
        if labelled != read:
            print(f"  missed: {labelled} read as {read}: {text}")


if __name__ == "__main__":
    main()
