"""The trained linear models for intent and aspect: hashed n-gram features, shipped weights.

Trained by `python -m bot.understanding.train` (scikit-learn, training only) from the team's
corpus under bot/understanding/corpus/; evaluated here in plain Python so that `wismo parse`
imports neither scikit-learn nor numpy. See bench/README.md, intent model.

A message is read as its folded text with every number replaced by NUMBER_MARK. Features are the
character 2- to 4-grams of each word padded with spaces, whole words and word pairs, each hashed
(CRC-32, stable across runs and machines) into BUCKETS slots. The model file holds, per model,
its classes, one scale and the biases; every model's int16 weights are one SlotTable, slot by
slot, holding only the slots some class weighs (about one in seven).
"""

from __future__ import annotations

import itertools
import json
import math
import re
import struct
import zlib
from array import array
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TypeAlias, TypeVar

from bot.understanding.text import wide_class

NUMBER_MARK = "#"
"""What a tracking or order number becomes in the text the models read."""
BUCKETS = 1 << 18
CHAR_NGRAMS = (2, 3, 4)
MODEL_FILE = "intent-model.bin"
MAGIC = b"WISMOLM3"
_TOKEN = re.compile(r"#|[^\W_]+|[^\w\s]")
_MARKS = re.compile(r"#(?:[\s#]*#)?")
# How many slots' packed weights a WordCache keeps (about 180 bytes each with the key; 0.75 MB):
# the common n-grams of a few hundred words. 16,384 held every slot of the bench's 10,000
# messages but cost 3 MB for no measurable gain in messages per second.
CACHED_SLOTS = 1 << 12
_HAN_OR_KANA = "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]"  # compiled by wide_class
# A message's per-class totals travel packed into one Python int, FIELD_BITS bits a class and
# as many more counting its slots, so adding a cached word's totals to a message's is one
# C-level addition, not a loop over the classes. Each slot adds its weight plus WEIGHT_BIAS to
# its field (|weight| < 2**15, so between 1 and 2**16 - 1): no field goes negative, and none
# outgrows its bits while a message has fewer than MAX_PACKED_SLOTS slots. parse reads at most
# 4,000 characters, which make at most about 25,000 (a punctuation mark's token has 6 slots);
# a longer text's totals are added up slot by slot.
FIELD_BITS = 32
WEIGHT_BIAS = 1 << 15
MAX_PACKED_SLOTS = 1 << (FIELD_BITS - 16)


class ModelFileInvalid(Exception):
    """The shipped model file cannot be read (a packaging bug, caught by the tests)."""


def model_text(folded: str) -> str:
    """What the models read of a folded message: runs of number marks become one, spaces one."""
    marked = _MARKS.sub(NUMBER_MARK, folded) if NUMBER_MARK in folded else folded
    return " ".join(marked.split())


def tokens(model_text: str) -> list[str]:
    """Words, the number mark, and single punctuation or emoji characters."""
    return _TOKEN.findall(model_text)


def word_features(word: str) -> list[str]:
    """The features of one word on its own: the word, and its character n-grams."""
    padded = f" {word} "
    # Chinese has no spaces: its "words" are whole clauses, read as character n-grams.
    chinese = not word.isascii() and wide_class(_HAN_OR_KANA).search(word) is not None
    sizes = CHAR_NGRAMS if not chinese else (1, 2, 3)
    found = ["w" + word]
    for size in sizes:
        found.extend(
            "c" + padded[start : start + size] for start in range(max(1, len(padded) - size + 1))
        )
    return found


# What a word's own features begin with, as running CRC-32 values: crc32(feature) is
# crc32(rest, crc32(prefix)), so a feature's slot needs no string made for it.
_WORD_CRC = zlib.crc32(b"w")
_GRAM_CRC = zlib.crc32(b"c")


def word_slots(word: str) -> list[int]:
    """The slots of word_features(word), in the same order, each worked out from the bytes of
    the word's n-grams (an ASCII word's n-grams are slices of its bytes) without building the
    feature strings."""
    padded = f" {word} "
    crc32 = zlib.crc32
    if word.isascii():
        data = padded.encode("ascii")
        slots = [crc32(data[1:-1], _WORD_CRC) % BUCKETS]
        for size in CHAR_NGRAMS:
            slots.extend(
                [
                    crc32(data[start : start + size], _GRAM_CRC) % BUCKETS
                    for start in range(max(1, len(data) - size + 1))
                ]
            )
        return slots
    sizes = CHAR_NGRAMS if wide_class(_HAN_OR_KANA).search(word) is None else (1, 2, 3)
    slots = [crc32(word.encode("utf-8"), _WORD_CRC) % BUCKETS]
    for size in sizes:
        slots.extend(
            [
                crc32(padded[start : start + size].encode("utf-8"), _GRAM_CRC) % BUCKETS
                for start in range(max(1, len(padded) - size + 1))
            ]
        )
    return slots


def pair_features(words: Sequence[str]) -> list[str]:
    """The word pairs of a message, with its start and end."""
    padded = ["<s>", *words]
    pairs = ["b" + a + " " + b for a, b in itertools.pairwise(padded)]
    return [*pairs, "b" + padded[-1] + " </s>"]


def features(model_text: str) -> Iterator[str]:
    """Every feature string of a folded, number-marked text (see the module docstring)."""
    words = tokens(model_text)
    for word in words:
        yield from word_features(word)
    yield from pair_features(words)


def slot(feature: str) -> int:
    """The slot a feature string is hashed to."""
    return zlib.crc32(feature.encode("utf-8")) % BUCKETS


def hashed(model_text: str) -> list[int]:
    """The slot of every feature (repeats kept: a feature seen twice counts twice)."""
    return [slot(feature) for feature in features(model_text)]


@dataclass(slots=True)  # made per message, never changed: plain is cheaper than frozen
class Prediction:
    """The best class and its softmax probability."""

    label: str
    probability: float


Integers: TypeAlias = "array[int] | memoryview"
"""A table's index or rows: arrays when trained, views of the file's bytes when loaded."""


class SlotTable:
    """int16 weights stored slot by slot, only for the slots that have any: slot `s`'s weights,
    one per class of every model sharing the table, in order, are row `index[s]` of `rows`
    (`width` weights a row). Row 0 is all zeros, the row of every slot no class weighs (six in
    seven of BUCKETS), so a slot's weights in every model are one look-up and one read of
    `width` neighbouring weights, and the table takes a fifth of the class-by-class layout."""

    def __init__(self, index: Integers, rows: Integers, width: int):
        if len(index) != BUCKETS or width < 1 or len(rows) % width or len(rows) < width:
            raise ValueError("the slot table's index or rows have the wrong size")
        self.index = index
        self.rows = rows
        self.width = width
        # A row's weights read in one call from the rows' bytes.
        self.row_format = struct.Struct(f"<{width}h")
        self.row_bytes = memoryview(rows).cast("B")

    @classmethod
    def from_columns(cls, columns: Sequence[Sequence[int]]) -> SlotTable:
        """The table of class-by-class weights: `columns[k][s]` is class k's weight of slot s."""
        weighed = sorted(
            {slot for column in columns for slot, weight in enumerate(column) if weight}
        )
        code = "H" if len(weighed) < 1 << 16 else "I"
        index = array(code, bytes(array(code).itemsize * BUCKETS))
        rows = array("h", bytes(2 * len(columns)))  # row 0: the slots without weights
        for row, at in enumerate(weighed, start=1):
            index[at] = row
            rows.extend(column[at] for column in columns)
        return cls(index, rows, len(columns))

    def column(self, at: int) -> array[int]:
        """The `at`-th class's weight of every slot, in slot order."""
        return array("h", map(self.rows[at :: self.width].__getitem__, self.index))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, SlotTable)
            and self.width == other.width
            and list(self.index) == list(other.index)
            and list(self.rows) == list(other.rows)
        )

    __hash__ = None  # type: ignore[assignment]


class LinearModel:
    """Multinomial logistic regression over hashed features: its classes' weights are the
    `first`-th to the `first + len(classes) - 1`-th column of a SlotTable (which the intent and
    aspect models share)."""

    def __init__(
        self,
        classes: Sequence[str],
        table: SlotTable,
        scale: float,
        biases: Sequence[float],
        *,
        first: int = 0,
    ):
        self.classes = tuple(classes)
        self.table = table
        self.first = first
        self.scale = scale
        self.biases = tuple(biases)
        if first < 0 or first + len(self.classes) > table.width:
            raise ValueError("the model's classes are not all in its slot table")

    @classmethod
    def from_columns(
        cls,
        classes: Sequence[str],
        columns: Sequence[Sequence[int]],
        scale: float,
        biases: Sequence[float],
    ) -> LinearModel:
        """A model of its own table: `columns[k][s]` is class k's weight of slot s."""
        return cls(classes, SlotTable.from_columns(columns), scale, biases)

    def columns(self) -> list[array[int]]:
        """Each class's weight of every slot, in slot order (for writing the file)."""
        return [self.table.column(self.first + k) for k in range(len(self.classes))]

    def scores(self, slots: Sequence[int]) -> list[float]:
        """The raw class scores of a message given its feature slots (averaged, as trained)."""
        norm = self.scale / math.sqrt(len(slots)) if slots else 0.0
        return [
            total * norm + bias for total, bias in zip(self.totals(slots), self.biases, strict=True)
        ]

    def totals(self, slots: Sequence[int]) -> list[int]:
        """The summed int16 weights of `slots`, per class: each slot's row read in one call,
        the rows' columns added up."""
        table = self.table
        read, buffer, size = table.row_format.unpack_from, table.row_bytes, table.row_format.size
        rows = [read(buffer, row * size) for row in map(table.index.__getitem__, slots)]
        if not rows:
            return [0] * len(self.classes)
        columns = list(zip(*rows, strict=True))[self.first : self.first + len(self.classes)]
        return [sum(column) for column in columns]

    def predict_totals(self, totals: Sequence[int], count: int) -> Prediction:
        """The prediction for a message whose `count` slots sum to `totals` per class: _best of
        _scores, worked out in one call (once a message)."""
        norm = self.scale / math.sqrt(count) if count else 0.0
        scores = [t * norm + b for t, b in zip(totals, self.biases, strict=True)]
        top = max(scores)
        total = sum(map(math.exp, [score - top for score in scores]))
        return Prediction(self.classes[scores.index(top)], 1.0 / total)

    def label_totals(self, totals: Sequence[int], count: int) -> str:
        """predict_totals's label alone (no probability to work out)."""
        scores = self._scores(totals, count)
        return self.classes[scores.index(max(scores))]

    def _scores(self, totals: Sequence[int], count: int) -> list[float]:
        norm = self.scale / math.sqrt(count) if count else 0.0
        return [t * norm + b for t, b in zip(totals, self.biases, strict=True)]

    def predict(self, slots: Sequence[int]) -> Prediction:
        return self._best(self.scores(slots))

    def _best(self, scores: list[float]) -> Prediction:
        top = max(scores)
        total = sum(map(math.exp, [score - top for score in scores]))
        return Prediction(self.classes[scores.index(top)], 1.0 / total)


@dataclass(slots=True)  # built per message and never changed: plain is cheaper than frozen
class MessageTotals:
    """A message's class totals in every model of a WordCache, unpacked from its packed sum
    (see FIELD_BITS) with its slots' bias taken off, and how many slots its parts hold."""

    fields: list[int]
    count: int


_K = TypeVar("_K", bound=Hashable)


class _PackedTotals(dict[_K, int]):
    """Packed totals by key, worked out by `compute` the first time a key comes, so a message's
    parts are added up with one C-level `sum(map(...))`; emptied when it holds `size`."""

    def __init__(self, compute: Callable[[_K], int], size: int) -> None:
        super().__init__()
        self._compute = compute
        self._size = size

    def __missing__(self, key: _K) -> int:
        if len(self) >= self._size:
            self.clear()
        value = self[key] = self._compute(key)
        return value


class WordCache:
    """Each word's and each feature's class totals in several models, computed once.

    Chat repeats its words, word pairs and phrases; caching their totals, every model's packed
    into one int (see FIELD_BITS) with the number of slots they hold in the field above the
    models', makes scoring a message in all the models one C-level sum over cached ints.
    Bounded: a full cache is emptied and refilled (no per-message state is kept).
    """

    def __init__(self, models: Sequence[LinearModel], size: int = 50_000):
        self._models = tuple(models)
        # Where each model's fields start and end among them.
        self._firsts = tuple(
            sum(len(model.classes) for model in self._models[:index])
            for index in range(len(self._models))
        )
        self._lasts = tuple(
            first + len(model.classes)
            for first, model in zip(self._firsts, self._models, strict=True)
        )
        # One table whose rows are every model's weights in packed order (the shipped models
        # share theirs), so a slot's fields are one row.
        table = self._models[0].table
        shared = (
            all(
                model.table is table and model.first == first
                for model, first in zip(self._models, self._firsts, strict=True)
            )
            and table.width == self._lasts[-1]
        )
        if not shared:
            table = SlotTable.from_columns([c for model in self._models for c in model.columns()])
        self._index = table.index
        self._rows = table.row_bytes
        self._row_format = table.row_format
        # A packed int is its fields as little-endian unsigned 32-bit integers, the last one
        # counting slots: written and read back in one call.
        self._fields_format = struct.Struct(f"<{table.width + 1}I")
        self._count_shift = FIELD_BITS * table.width
        # What one slot no class weighs (most) packs to: the bias in every field, and one slot.
        self._zero_row_packed = int.from_bytes(
            self._fields_format.pack(*[WEIGHT_BIAS] * table.width, 1), "little"
        )
        # A word's own features (word_features); a token's step, its own features with the
        # pair it makes with the token before it (pair_features); a corrected word's, a lexicon
        # phrase's and any other feature, each by what makes its string.
        self._words = _PackedTotals[str](self._word_packed, size)
        self._steps = _PackedTotals[tuple[str, str]](self._step_packed, size)
        self._corrected = _PackedTotals[str](self._corrected_packed, size)
        self._phrases = _PackedTotals[str](self._phrase_packed, size)
        self._features = _PackedTotals[str](self._feature_packed, size)
        # Each slot's packed weights: a new word's character n-grams are mostly slots other
        # words have already used.
        self._slots: dict[int, int] = {}

    def totals(
        self,
        tokens: Sequence[str],
        corrected: Sequence[str],
        phrases: Sequence[str],
        others: Sequence[str],
    ) -> MessageTotals:
        """The totals of a message's features (see reader.read_features): its `tokens`' own,
        their pairs, its `corrected` words, its lexicon `phrases` and the `others`."""
        packed = (
            sum(map(self._steps.__getitem__, zip(["<s>", *tokens], [*tokens, "</s>"], strict=True)))
            + sum(map(self._corrected.__getitem__, corrected))
            + sum(map(self._phrases.__getitem__, phrases))
            + sum(map(self._features.__getitem__, others))
        )
        count = packed >> self._count_shift  # the top field: it never carries into another
        if count >= MAX_PACKED_SLOTS:
            return self._exact_totals(tokens, corrected, phrases, others)
        fields = self._fields_format.unpack(packed.to_bytes(self._fields_format.size, "little"))
        bias = count * WEIGHT_BIAS
        return MessageTotals([field - bias for field in fields[:-1]], count)

    def _exact_totals(
        self,
        tokens: Sequence[str],
        corrected: Sequence[str],
        phrases: Sequence[str],
        others: Sequence[str],
    ) -> MessageTotals:
        """totals() added up slot by slot, for a text too long to pack (see FIELD_BITS)."""
        slots = [at for token in tokens for at in word_slots(token)]
        slots.extend(slot(feature) for feature in pair_features(tokens))
        slots.extend(slot("v" + word) for word in corrected)
        slots.extend(slot("l" + phrase) for phrase in phrases)
        slots.extend(slot(feature) for feature in others)
        fields = [total for model in self._models for total in model.totals(slots)]
        return MessageTotals(fields, len(slots))

    def predict(self, totals: MessageTotals, model: int) -> Prediction:
        """The prediction of the `model`-th model for a message's totals."""
        return self._models[model].predict_totals(self._totals_of(totals, model), totals.count)

    def label(self, totals: MessageTotals, model: int) -> str:
        """The `model`-th model's label alone for a message's totals."""
        return self._models[model].label_totals(self._totals_of(totals, model), totals.count)

    def _totals_of(self, totals: MessageTotals, model: int) -> list[int]:
        """The `model`-th model's class totals."""
        return totals.fields[self._firsts[model] : self._lasts[model]]

    def _word_packed(self, word: str) -> int:
        return sum(map(self._packed_slot, word_slots(word)))

    def _step_packed(self, pair: tuple[str, str]) -> int:
        pair_packed = self._feature_packed("b" + pair[0] + " " + pair[1])
        # "</s>" ends the message: no token is "</s>" (one of punctuation is one character).
        return pair_packed if pair[1] == "</s>" else pair_packed + self._words[pair[1]]

    def _corrected_packed(self, word: str) -> int:
        return self._feature_packed("v" + word)

    def _phrase_packed(self, phrase: str) -> int:
        return self._feature_packed("l" + phrase)

    def _feature_packed(self, feature: str) -> int:
        return self._packed_slot(slot(feature))

    def _packed_slot(self, at: int) -> int:
        """One slot's weights in every model, packed (see FIELD_BITS), and a count of one."""
        packed = self._slots.get(at)
        if packed is None:
            row = self._index[at]
            if row:
                weights = self._row_format.unpack_from(self._rows, row * self._row_format.size)
                fields = self._fields_format.pack(*map(WEIGHT_BIAS.__add__, weights), 1)
                packed = int.from_bytes(fields, "little")
            else:
                packed = self._zero_row_packed
            if len(self._slots) >= CACHED_SLOTS:
                self._slots.clear()
            self._slots[at] = packed
        return packed


@dataclass(frozen=True, slots=True)
class IntentModels:
    """The intent model (every message) and the aspect model (where_is_my_order messages)."""

    intent: LinearModel
    aspect: LinearModel


def pack(models: dict[str, LinearModel], meta: dict[str, object]) -> bytes:
    """The model file's bytes: MAGIC, a JSON header's length and the header, then zlib's
    compression of the models' one SlotTable (its index, then its rows), every model's classes
    in the order of `models`."""
    columns = [column for model in models.values() for column in model.columns()]
    table = SlotTable.from_columns(columns)
    entries: dict[str, object] = {}
    first = 0
    for name, model in models.items():
        entries[name] = {
            "classes": list(model.classes),
            "scale": model.scale,
            "biases": list(model.biases),
            "first": first,
        }
        first += len(model.classes)
    header = {
        "meta": meta,
        "buckets": BUCKETS,
        "models": entries,
        "index": memoryview(table.index).format,
        "width": table.width,
        "rows": len(table.rows) // table.width,
    }
    encoded = json.dumps(header, sort_keys=True).encode("utf-8")
    weights = memoryview(table.index).tobytes() + memoryview(table.rows).tobytes()
    return MAGIC + struct.pack("<I", len(encoded)) + encoded + zlib.compress(weights, 9)


def unpack(data: bytes) -> tuple[dict[str, LinearModel], dict[str, object]]:
    """The models and the training metadata in a model file; raises ModelFileInvalid."""
    if not data.startswith(MAGIC):
        raise ModelFileInvalid("not a wismo model file")
    try:
        (length,) = struct.unpack_from("<I", data, len(MAGIC))
        start = len(MAGIC) + 4
        header = json.loads(data[start : start + length])
        if header["buckets"] != BUCKETS or header["index"] not in ("H", "I"):
            raise ModelFileInvalid("the model file does not match this code's features")
        # The table is read in place (native integers, little-endian on every platform we
        # ship to): no copy of the MB it takes. Decompressing into a buffer of its whole size
        # at once, rather than one grown from 16 KB, takes a third less time.
        index_size = BUCKETS * struct.calcsize(header["index"])
        width = int(header["width"])
        size = index_size + 2 * width * int(header["rows"])
        blob = memoryview(zlib.decompress(data[start + length :], bufsize=max(size, 1)))
        if len(blob) != size:
            raise ModelFileInvalid("the model file's weights are not the size its header says")
        table = SlotTable(
            blob[:index_size].cast(header["index"]), blob[index_size:].cast("h"), width
        )
        models = {
            name: LinearModel(
                entry["classes"],
                table,
                float(entry["scale"]),
                entry["biases"],
                first=int(entry["first"]),
            )
            for name, entry in header["models"].items()
        }
    except (struct.error, ValueError, KeyError, TypeError, zlib.error) as exc:
        raise ModelFileInvalid(str(exc)) from exc
    return models, dict(header["meta"])


def load_models() -> IntentModels:
    """The shipped models. Raises ModelFileInvalid if the file is missing parts or malformed."""
    path = resources.files("bot.understanding").joinpath("data", "model", MODEL_FILE)
    models, _ = unpack(path.read_bytes())
    try:
        return IntentModels(models["intent"], models["aspect"])
    except KeyError as exc:
        raise ModelFileInvalid(f"the model file has no {exc} model") from exc
