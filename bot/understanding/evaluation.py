"""Scoring intent and aspect readings against labels: per intent, per language, confusions.

Plain Python (no scikit-learn), so the tests and the benchmark score the shipped model with it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.understanding.examples import Example
from bot.understanding.lexicon import Aspect, Intent
from bot.understanding.model import NUMBER_MARK
from bot.understanding.parser import ParseResult


@dataclass(frozen=True, slots=True)
class Scored:
    """One message's labels and what was read."""

    language: str
    intent: Intent
    aspect: Aspect | None
    hard: bool
    read_intent: Intent
    read_aspect: Aspect | None
    text: str


@dataclass(frozen=True, slots=True)
class ClassScore:
    precision: float
    recall: float
    f1: float
    support: int


def class_scores(pairs: Iterable[tuple[str, str]]) -> dict[str, ClassScore]:
    """Precision, recall and F1 of every label that occurs as truth or reading."""
    truth: Counter[str] = Counter()
    read: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for expected, got in pairs:
        truth[expected] += 1
        read[got] += 1
        right[expected] += expected == got
    scores = {}
    for label in sorted(set(truth) | set(read)):
        precision = right[label] / read[label] if read[label] else 0.0
        recall = right[label] / truth[label] if truth[label] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[label] = ClassScore(precision, recall, f1, truth[label])
    return scores


def macro_f1(pairs: Sequence[tuple[str, str]]) -> float:
    """The mean F1 of the labels that occur as truth (a reading of an absent label still costs
    precision elsewhere)."""
    scores = class_scores(pairs)
    present = [score.f1 for score in scores.values() if score.support]
    return sum(present) / len(present) if present else 1.0


@dataclass
class Report:
    """Scores of a set of readings."""

    rows: list[Scored] = field(default_factory=list)

    def intents(self, language: str | None = None) -> list[tuple[str, str]]:
        return [
            (row.intent.value, row.read_intent.value)
            for row in self.rows
            if language is None or row.language == language
        ]

    def macro_f1(self, language: str | None = None) -> float:
        return macro_f1(self.intents(language))

    def languages(self) -> list[str]:
        return sorted({row.language for row in self.rows})

    def where_precision_on_hard_negatives(self) -> float:
        """Precision of where_is_my_order over its own messages and the hard negatives."""
        pool = [row for row in self.rows if row.hard or row.intent is Intent.WHERE_IS_MY_ORDER]
        said = [row for row in pool if row.read_intent is Intent.WHERE_IS_MY_ORDER]
        right = [row for row in said if row.intent is Intent.WHERE_IS_MY_ORDER]
        return len(right) / len(said) if said else 1.0

    def hard_negatives_kept_out(self) -> tuple[int, int]:
        hard = [row for row in self.rows if row.hard]
        return sum(row.read_intent is not Intent.WHERE_IS_MY_ORDER for row in hard), len(hard)

    def aspect_pairs(self) -> list[tuple[str, str]]:
        """Aspect labels against readings, over where_is_my_order messages read as such."""
        return [
            (row.aspect.value, row.read_aspect.value if row.read_aspect else "none")
            for row in self.rows
            if row.aspect is not None and row.read_intent is Intent.WHERE_IS_MY_ORDER
        ]

    def confusions(self, top: int = 10) -> list[tuple[tuple[str, str], int]]:
        """The most frequent (label, reading) mistakes."""
        wrong = Counter(
            (row.intent.value, row.read_intent.value)
            for row in self.rows
            if row.intent is not row.read_intent
        )
        return wrong.most_common(top)

    def misses(self) -> list[Scored]:
        return [row for row in self.rows if row.intent is not row.read_intent]

    def _aspect_lines(self) -> list[str]:
        aspects = self.aspect_pairs()
        if not any(read != "none" for _, read in aspects):
            return ["aspect: not read"]
        accuracy = sum(a == b for a, b in aspects) / len(aspects)
        lines = [f"aspect accuracy {accuracy:.3f}, macro-F1 {macro_f1(aspects):.3f}"]
        for label, score in class_scores(aspects).items():
            lines.append(f"  {label:15} P {score.precision:.3f} R {score.recall:.3f}")
        return lines

    def table(self) -> str:
        """A plain-text summary: per language, per intent, aspects, confusions."""
        lines = ["language  messages  intent macro-F1"]
        for language in self.languages():
            count = sum(row.language == language for row in self.rows)
            lines.append(f"{language:9} {count:8}  {self.macro_f1(language):.3f}")
        lines.append(f"{'ALL':9} {len(self.rows):8}  {self.macro_f1():.3f}")
        lines.append("intent              precision  recall  F1     support")
        for label, score in class_scores(self.intents()).items():
            lines.append(
                f"{label:19} {score.precision:9.3f}  {score.recall:6.3f}  {score.f1:.3f}"
                f"  {score.support:7}"
            )
        kept, hard = self.hard_negatives_kept_out()
        lines.append(
            "where_is_my_order precision with hard negatives: "
            f"{self.where_precision_on_hard_negatives():.3f}"
            f" ({kept}/{hard} hard negatives kept out)"
        )
        lines.extend(self._aspect_lines())
        lines.append("confusions (label -> read: count): ")
        lines.extend(f"  {a} -> {b}: {n}" for (a, b), n in self.confusions())
        return "\n".join(lines)


# Numbers the detector or the order finder reads in any sentence, put where a template has one.
SAMPLE_NUMBERS = ("RR493128572CN", "1Z5R89390357567127", "#10423", "LP00724622449605")


class Parser(Protocol):
    def parse(self, text: str, *, previous_language: str | None = None) -> ParseResult: ...


def with_numbers(text: str, index: int) -> str:
    """A corpus text with each number mark replaced by a real number (chosen by `index`)."""
    pieces = text.split(NUMBER_MARK)
    out = [pieces[0]]
    for offset, piece in enumerate(pieces[1:]):
        out.append(SAMPLE_NUMBERS[(index + offset) % len(SAMPLE_NUMBERS)] + piece)
    return "".join(out)


def read_examples(parser: Parser, examples: Iterable[Example]) -> Report:
    """Every example read by the whole parser (numbers put back in), scored."""
    report = Report()
    for index, example in enumerate(examples):
        result = parser.parse(with_numbers(example.text, index))
        report.rows.append(
            Scored(
                example.language,
                example.intent,
                example.aspect,
                example.hard,
                result.intent,
                result.aspect,
                example.text,
            )
        )
    return report
