"""Benchmark: messages per second through `parse`, and the PyPI `tracking-numbers` package's
detection rate and speed on the same 10,000 messages (when it is installed).

    .venv/bin/pip install -e ".[bench]"   # tracking-numbers, only for the comparison
    .venv/bin/python -m bench.parse [--messages 10000] [--seed 7] [--repeat 3]

With --repeat, wismo and the package take turns, each turn with a freshly built parser (cold
caches), so every line compares the two under the same machine load. Every rate is given per
second of wall time and per second of this thread's CPU time: on a machine shared with other
work the CPU rate moves far less with the load.

The messages are the labelled corpus of tests/understanding/corpus plus variants made from it
deterministically (same seed, same messages): numbers re-spaced, dashed, lower-cased or made
full-width, greetings and emoji added, letters' case changed. Every variant keeps its labels.

With --results FILE it benchmarks nothing: it writes everything the parse path makes of a wide
set of messages (see check_messages), one line each, so two trees can be compared with `cmp`:

    PYTHONPATH=/tmp/before .venv/bin/python bench/parse.py --results before.txt
    .venv/bin/python bench/parse.py --results after.txt && cmp before.txt after.txt
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.cli.parse import public
from bot.understanding import build_message_parser
from bot.understanding.examples import load_examples
from bot.understanding.model import NUMBER_MARK
from carriers.numbers.detector import load_detector

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "understanding" / "corpus"
OPENERS = ("", "", "hi ", "hola ", "olá ", "bonjour ", "hallo ", "你好 ", "مرحبا ", "hey, ")
CLOSERS = ("", "", " ?", " !!", " 🙏", " 😭", " pls", " 谢谢", " merci", " شكرا")
LINK = re.compile(r"(?:https?://|www\.)[!-~]+", re.IGNORECASE)
# How many neighbouring tokens the PyPI wrapper joins when it slides over a message.
WINDOW = 8


@dataclass(frozen=True)
class Message:
    text: str
    tracking_numbers: frozenset[str]
    previous_language: str | None
    tracking_context: bool


def load_messages() -> list[Message]:
    messages = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            messages.append(
                Message(
                    row["text"],
                    frozenset(row["tracking_numbers"]),
                    row.get("previous_language"),
                    row.get("tracking_context", False),
                )
            )
    return messages


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _respaced(number: str, rng: random.Random) -> str:
    size = rng.choice((3, 4, 5))
    separator = rng.choice((" ", "-", " - "))
    return separator.join(number[i : i + size] for i in range(0, len(number), size))


def variant(message: Message, rng: random.Random) -> Message:
    """A new message saying the same thing, written differently."""
    text = message.text
    for number in sorted(message.tracking_numbers):
        # Links keep their numbers as they are: nobody re-spaces a URL.
        if number not in text or number in "".join(LINK.findall(text)):
            continue
        style = rng.randrange(4)
        if style == 0:
            text = text.replace(number, _respaced(number, rng))
        elif style == 1:
            text = text.replace(number, number.lower())
        elif style == 2:
            text = text.replace(number, _full_width(number))
    if rng.random() < 0.2:
        text = text.lower()
    text = rng.choice(OPENERS) + text + rng.choice(CLOSERS)
    return Message(
        text, message.tracking_numbers, message.previous_language, message.tracking_context
    )


def build_corpus(size: int, seed: int) -> list[Message]:
    base = load_messages()
    rng = random.Random(seed)
    messages = list(base)
    while len(messages) < size:
        messages.append(variant(rng.choice(base), rng))
    return messages[:size]


# Numbers put into the template corpus's messages: valid, spaced, near misses, order numbers.
CHECK_NUMBERS = (
    "LX123456785CN",
    "1Z5R89390512345670",
    "YT2430421272039912",
    "9400111899223197428490",
    "#1042",
    "SH-1042",
    "123-1234567-1234567",
    "LP00123456789012",
    "JD0002250012345678",
    "3982597916 9074833784",
    "LX123456789CN",
    "12345",
    "SF1234567890123",
    "LX 1234 5678 5CN",
)
RANDOM_ALPHABET = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789     .-#/:?@&=%"
    "éñçüßãõà你好单号快递ابتثجحمرحبا０１２３ＬＸ\u200b\u0640\ufffd\x00\x07😭🙏 "
    "https://www.17track.net/en#nums= tracking order pedido Sendung 订单 where is my "
)
EDGE_CASES = (
    "",
    " ",
    "\x00" * 50,
    "a" * 5000,
    "hi",
    "1234567890" * 10,
    "https://t.17track.net/en#nums=LX123456785CN",
)
HERE = Path(__file__).resolve().parent


def check_messages(size: int, seed: int) -> list[Message]:
    """What --results reads: the bench corpus with `seed` and `seed + 1`; the template corpus as
    written, with numbers put in, and with a previous language and tracking context; the
    held-out and blind files, with and without context; 3,000 random strings of mixed scripts,
    with and without; a few edge cases, with and without."""
    messages = [*build_corpus(size, seed), *build_corpus(size, seed + 1)]

    def add(text: str, previous: str | None = None, context: bool = False) -> None:
        messages.append(Message(text, frozenset(), previous, context))

    for index, example in enumerate(load_examples()):
        number = CHECK_NUMBERS[index % len(CHECK_NUMBERS)]
        add(example.text)
        add(example.text.replace(NUMBER_MARK, number))
        previous = "es" if index % 2 else "zh-TW"
        add(example.text.replace(NUMBER_MARK, number), previous, index % 3 == 0)
    for path in (CORPUS.parent / "holdout.jsonl", HERE / "data" / "blind_intents.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            add(row["text"])
            add(row["text"], row.get("previous_language") or "fr", True)
    rng = random.Random(1207)
    for _ in range(3000):
        text = "".join(rng.choice(RANDOM_ALPHABET) for _ in range(rng.randrange(1, 80)))
        add(text)
        add(text, rng.choice([None, "en", "pt-BR", "zh", "xx"]), rng.random() < 0.5)
    for text in EDGE_CASES:
        add(text)
        add(text, "de", True)
    return messages


def write_results(path: Path, messages: Sequence[Message]) -> None:
    """Per message: the whole ParseResult, the JSON `wismo parse` prints, the models' feature
    slots, the result of a parser with a store's order shapes and another default language, and
    the detector's own output."""
    detector = load_detector()
    parser = build_message_parser(detector)
    store = build_message_parser(
        load_detector(),
        default_language="fr",
        order_shapes=(r"(?P<number>[A-Z]{3}[0-9]{5})", r"#(?P<number>\d+)"),
    )
    with path.open("w", encoding="utf-8") as out:
        for message in messages:
            options: dict[str, Any] = {
                "previous_language": message.previous_language,
                "tracking_context": message.tracking_context,
            }
            result = parser.parse(message.text, **options)
            out.write(repr(result) + "\n")
            out.write(json.dumps(public(result), ensure_ascii=False) + "\n")
            out.write(repr(parser.model_slots(message.text)) + "\n")
            out.write(repr(store.parse(message.text, **options)) + "\n")
            detection = detector.detect(message.text, tracking_context=message.tracking_context)
            out.write(repr(detection) + "\n")


def run_parse(messages: Sequence[Message]) -> dict[str, float]:
    started = time.perf_counter()
    parser = build_message_parser(load_detector())
    loaded = time.perf_counter() - started
    found = expected = hits = false = 0
    started = time.perf_counter()
    started_cpu = time.thread_time()
    for message in messages:
        result = parser.parse(
            message.text,
            previous_language=message.previous_language,
            tracking_context=message.tracking_context,
        )
        numbers = {number.number for number in result.tracking_numbers}
        expected += len(message.tracking_numbers)
        hits += len(numbers & message.tracking_numbers)
        false += len(numbers - message.tracking_numbers)
        found += len(numbers)
    elapsed_cpu = time.thread_time() - started_cpu
    elapsed = time.perf_counter() - started
    detector = load_detector()
    started = time.perf_counter()
    started_cpu = time.thread_time()
    for message in messages:
        detector.detect(message.text, tracking_context=message.tracking_context)
    detecting_cpu = time.thread_time() - started_cpu
    detecting = time.perf_counter() - started
    return {
        "detector_per_second": len(messages) / detecting,
        "detector_per_cpu_second": len(messages) / detecting_cpu,
        "load_seconds": loaded,
        "seconds": elapsed,
        "per_second": len(messages) / elapsed,
        "per_cpu_second": len(messages) / elapsed_cpu,
        "recall": hits / expected if expected else 1.0,
        "false": false,
        "found": found,
    }


def _candidates(text: str) -> list[str]:
    tokens = [token.strip(".,;:!?()[]\"'“”，。？！：") for token in text.split()]
    tokens = [token for token in tokens if token]
    joined = {
        "".join(tokens[start:end])
        for start in range(len(tokens))
        for end in range(start + 1, min(len(tokens), start + WINDOW) + 1)
    }
    return sorted(joined)


def run_pypi(messages: Sequence[Message]) -> dict[str, float] | None:
    try:
        package = importlib.import_module("tracking_numbers")
    except ModuleNotFoundError:
        return None
    lookup: Callable[[str], Any] = package.get_tracking_number
    expected = hits = false = crashes = 0
    started = time.perf_counter()
    started_cpu = time.thread_time()
    for message in messages:
        numbers: set[str] = set()
        for candidate in _candidates(message.text):
            try:
                found = lookup(candidate)
            except Exception:  # the package raises on some inputs (docs/tracking-number-formats.md)
                crashes += 1
                continue
            if found is not None:
                numbers.add(re.sub(r"\s", "", found.number).upper())
        expected += len(message.tracking_numbers)
        hits += len(numbers & message.tracking_numbers)
        false += len(numbers - message.tracking_numbers)
    elapsed_cpu = time.thread_time() - started_cpu
    elapsed = time.perf_counter() - started
    return {
        "seconds": elapsed,
        "per_second": len(messages) / elapsed,
        "per_cpu_second": len(messages) / elapsed_cpu,
        "recall": hits / expected if expected else 1.0,
        "false": false,
        "crashes": crashes,
    }


def main() -> None:
    arguments = argparse.ArgumentParser(description="Benchmark the parse path.")
    arguments.add_argument("--messages", type=int, default=10_000)
    arguments.add_argument("--seed", type=int, default=7)
    arguments.add_argument("--repeat", type=int, default=1, help="turns of wismo then PyPI")
    arguments.add_argument(
        "--results", type=Path, help="write every result of check_messages() here instead"
    )
    options = arguments.parse_args()
    if options.results is not None:
        checked = check_messages(options.messages, options.seed)
        write_results(options.results, checked)
        print(f"{len(checked)} messages' results written to {options.results}")
        return
    messages = build_corpus(options.messages, options.seed)
    labelled = sum(len(message.tracking_numbers) for message in messages)
    print(f"{len(messages)} messages, {labelled} labelled tracking numbers (seed {options.seed})")
    for turn in range(options.repeat):
        if options.repeat > 1:
            print(f"turn {turn + 1} of {options.repeat}")
        compare(messages)


def compare(messages: Sequence[Message]) -> None:
    """wismo's parse path, then the PyPI package, on the same messages."""
    ours = run_parse(messages)
    print(
        f"wismo parse (whole path): {ours['per_second']:,.0f} messages/s, "
        f"{ours['per_cpu_second']:,.0f} per CPU-second "
        f"({ours['seconds']:.2f} s; parser built in {ours['load_seconds']:.2f} s); "
        f"tracking numbers found {ours['recall']:.1%}, {ours['false']:.0f} false; "
        f"the detector alone: {ours['detector_per_second']:,.0f} messages/s, "
        f"{ours['detector_per_cpu_second']:,.0f} per CPU-second"
    )
    theirs = run_pypi(messages)
    if theirs is None:
        print(
            "PyPI tracking-numbers: not installed; run `.venv/bin/pip install -e '.[bench]'` "
            "to compare"
        )
        return
    print(
        f"PyPI tracking-numbers 0.1.8 (sliding {WINDOW}-token windows): "
        f"{theirs['per_second']:,.0f} messages/s, {theirs['per_cpu_second']:,.0f} per CPU-second "
        f"({theirs['seconds']:.2f} s); "
        f"tracking numbers found {theirs['recall']:.1%}, {theirs['false']:.0f} false, "
        f"{theirs['crashes']:.0f} calls raised"
    )
    print(
        f"wismo / PyPI: {ours['per_second'] / theirs['per_second']:.2f}x (whole path), "
        f"{ours['detector_per_second'] / theirs['per_second']:.2f}x (the detector alone); "
        f"per CPU-second {ours['per_cpu_second'] / theirs['per_cpu_second']:.2f}x and "
        f"{ours['detector_per_cpu_second'] / theirs['per_cpu_second']:.2f}x"
    )


if __name__ == "__main__":
    main()
