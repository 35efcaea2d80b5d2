"""Benchmark: the intent model on the held-out split, against the lexicon alone, and its cost.

    .venv/bin/python -m bench.intent

Prints, for the corpus templates the training never saw (bot/understanding/examples.py): intent
macro-F1 per language, precision/recall/F1 per intent, where_is_my_order precision with the hard
negatives, the aspect, the most frequent confusions; the same for the lexicon classifier alone
(what `wismo parse` did before the model); the older labelled corpus of tests/understanding
(written before the model, never trained on); then the model's time per message, and the start-up
time and peak memory of a process that builds the parser, with and without importing
scikit-learn (which wismo does not do: the shipped weights are read in plain Python).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bot.understanding import build_message_parser
from bot.understanding.evaluation import Report, Scored, read_examples
from bot.understanding.examples import load_examples
from bot.understanding.intent import IntentClassifier, Words
from bot.understanding.lexicon import Intent, load_lexicons
from bot.understanding.model import load_models
from bot.understanding.parser import MessageParser
from bot.understanding.reader import IntentReader, Reading
from carriers.numbers.detector import load_detector

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "understanding" / "corpus"
START_UP = """
import resource, sys, time
started = time.perf_counter()
{extra}
from bot.understanding import build_message_parser
from carriers.numbers.detector import load_detector
parser = build_message_parser(load_detector())
parser.parse("where is my parcel RR493128572CN?")
elapsed = time.perf_counter() - started
print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


class LexiconOnly(IntentReader):
    """The lexicon classifier's decision, as `wismo parse` made it before the model."""

    def __init__(self, rules: IntentClassifier):
        super().__init__(load_models(), rules)
        self._lexicon = rules

    def read(self, words: Words, folded: str, marked: str, *, has_numbers: bool) -> Reading:
        reading = self._lexicon.classify(words, folded, has_numbers=has_numbers)
        return Reading(reading.intent, None, reading.delivered_not_received, 1.0)


def older_corpus(parser: MessageParser) -> Report:
    report = Report()
    for path in sorted(CORPUS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            result = parser.parse(row["text"], previous_language=row.get("previous_language"))
            intent = Intent(row["intent"])
            report.rows.append(
                Scored(path.stem, intent, None, False, result.intent, None, row["text"])
            )
    return report


def model_time(parser: MessageParser, texts: list[str]) -> tuple[float, float]:
    """Median and 99th percentile microseconds the models take per message, every feature
    hashed and summed (the reader's word cache, which skips most of that, left out)."""
    models = load_models()
    timings = []
    for text in texts:
        slots = parser.model_slots(text)
        started = time.perf_counter()
        models.intent.predict(slots)
        models.aspect.predict(slots)
        timings.append((time.perf_counter() - started) * 1e6)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.99)]


def start_up(extra: str) -> tuple[float, float]:
    """Seconds to a first parsed message and peak RSS in MB of a fresh process."""
    output = subprocess.run(
        [sys.executable, "-c", START_UP.format(extra=extra)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(output[0]), int(output[1]) / 1024


def main() -> None:
    detector = load_detector()
    parser = build_message_parser(detector)
    examples = load_examples()
    held_out = [example for example in examples if example.evaluation]
    print(
        f"corpus: {len(examples)} messages, {len(examples) - len(held_out)} training, "
        f"{len(held_out)} held out (templates never trained on)\n"
    )
    print("== the model, held-out split\n" + read_examples(parser, held_out).table() + "\n")
    lexicon = build_message_parser(detector)
    lexicon._intents = LexiconOnly(IntentClassifier(load_lexicons()))
    print("== the lexicon alone, held-out split\n" + read_examples(lexicon, held_out).table())
    for name, reader in (("model", parser), ("lexicon alone", lexicon)):
        report = older_corpus(reader)
        print(
            f"\n== {name}, tests/understanding/corpus ({len(report.rows)} messages): "
            f"macro-F1 {report.macro_f1():.3f}, "
            + ", ".join(f"{lang} {report.macro_f1(lang):.3f}" for lang in report.languages())
        )
    median, p99 = model_time(parser, [example.text for example in held_out])
    print(
        f"\nmodels per message (intent + aspect, no word cached): median {median:.0f} µs, "
        f"p99 {p99:.0f} µs"
    )
    for label, extra in (("wismo", ""), ("wismo + import sklearn", "import sklearn.linear_model")):
        seconds, rss = start_up(extra)
        print(f"{label}: first message parsed after {seconds:.2f} s, peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
