"""The trained linear models for intent and aspect: hashed n-gram features, shipped weights.

Trained by `python -m bot.understanding.train` (scikit-learn, training only) from the team's
corpus under bot/understanding/corpus/; evaluated here in plain Python so that `wismo parse`
imports neither scikit-learn nor numpy. See bench/README.md, intent model.

A message is read as its folded text with every number replaced by NUMBER_MARK. Features are the
character 2- to 4-grams of each word padded with spaces, whole words and word pairs, each hashed
(CRC-32, stable across runs and machines) into BUCKETS slots. The model file holds, per model,
its classes and an int16 weight per (class, slot) with one scale, plus the biases.
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
MAGIC = b"WISMOLM2"
_TOKEN = re.compile(r"#|[^\W_]+|[^\w\s]")
_MARKS = re.compile(r"#(?:[\s#]*#)?")
# How many slots' packed weights a WordCache keeps (about 180 bytes each with the key; 0.75 MB):
# the common n-grams of a few hundred words. 16,384 held every slot of the bench's 10,000
# messages but cost 3 MB for no measurable gain in messages per second.
CACHED_SLOTS = 1 << 12
_HAN_OR_KANA = "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]"  # compiled by wide_class
# A message's per-class totals travel packed into one Python int, FIELD_BITS bits a class, so
# adding a cached word's totals to a message's is one C-level addition, not a loop over the
# classes. Each packed part adds FIELD_OFFSET to every field so no field goes negative; with
# |weight| < 2**15, a field stays within its bits while a message has fewer than 2**23 parts
# (a word or a feature each) of fewer than 2**25 slots in all: parse reads at most 4,000
# characters, a few tens of thousands of slots.
FIELD_BITS = 64
FIELD_OFFSET = 1 << 40


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


Weights: TypeAlias = "array[int] | memoryview"
"""int16 weights: an array when trained, a view of the file's bytes when loaded."""


class LinearModel:
    """Multinomial logistic regression over hashed features: one int16 weight column per class,
    `weights[k * BUCKETS + slot]`, so each class's score is one C-level sum over the slots."""

    def __init__(
        self, classes: Sequence[str], weights: Weights, scale: float, biases: Sequence[float]
    ):
        self.classes = tuple(classes)
        self.scale = scale
        self.biases = tuple(biases)
        self.columns: tuple[Weights, ...] = tuple(
            weights[k * BUCKETS : (k + 1) * BUCKETS] for k in range(len(self.classes))
        )

    def scores(self, slots: Sequence[int]) -> list[float]:
        """The raw class scores of a message given its feature slots (averaged, as trained)."""
        norm = self.scale / math.sqrt(len(slots)) if slots else 0.0
        return [
            sum(map(column.__getitem__, slots)) * norm + bias
            for column, bias in zip(self.columns, self.biases, strict=True)
        ]

    def totals(self, slots: Sequence[int]) -> list[int]:
        """The summed int16 weights of `slots`, per class."""
        return [sum(map(column.__getitem__, slots)) for column in self.columns]

    def predict_totals(self, totals: Sequence[int], count: int) -> Prediction:
        """The prediction for a message whose `count` slots sum to `totals` per class."""
        return self._best(self._scores(totals, count))

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
    (see FIELD_BITS) with the offsets its parts brought taken off, and how many slots its parts
    hold."""

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
        # Every model's class columns in packed order, each with its field's shift.
        self._columns = tuple(column for model in self._models for column in model.columns)
        self._field_shifts = tuple(FIELD_BITS * index for index in range(len(self._columns)))
        # Where each model's fields start and end among them.
        self._firsts = tuple(
            sum(len(model.classes) for model in self._models[:index])
            for index in range(len(self._models))
        )
        self._lasts = tuple(
            first + len(model.classes)
            for first, model in zip(self._firsts, self._models, strict=True)
        )
        # A packed int is its fields as little-endian unsigned 64-bit integers: written and
        # read back in one call. The last field counts slots.
        self._fields_format = struct.Struct(f"<{len(self._columns)}Q")
        self._message_format = struct.Struct(f"<{len(self._columns) + 1}Q")
        self._count_shift = FIELD_BITS * len(self._columns)
        # FIELD_OFFSET in every field: what each packed part adds beyond its totals.
        self._offsets = sum(FIELD_OFFSET << shift for shift in self._field_shifts)
        self._one_slot = 1 << self._count_shift
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
        parts = 2 * len(tokens) + 1 + len(corrected) + len(phrases) + len(others)
        fields = self._message_format.unpack(packed.to_bytes(self._message_format.size, "little"))
        offset = parts * FIELD_OFFSET
        return MessageTotals([field - offset for field in fields[:-1]], fields[-1])

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
        slots = [slot(feature) for feature in word_features(word)]
        return self._packed(slots) + len(slots) * self._one_slot

    def _step_packed(self, pair: tuple[str, str]) -> int:
        pair_packed = self._feature_packed("b" + pair[0] + " " + pair[1])
        # "</s>" ends the message: no token is "</s>" (one of punctuation is one character).
        return pair_packed if pair[1] == "</s>" else pair_packed + self._words[pair[1]]

    def _corrected_packed(self, word: str) -> int:
        return self._feature_packed("v" + word)

    def _phrase_packed(self, phrase: str) -> int:
        return self._feature_packed("l" + phrase)

    def _feature_packed(self, feature: str) -> int:
        return self._packed_slot(slot(feature)) + self._one_slot

    def _packed(self, slots: Sequence[int]) -> int:
        """Every model's class totals of `slots`, packed (see FIELD_BITS): the slots' own
        packed weights added up, less the offsets all but one of them bring."""
        return sum(map(self._packed_slot, slots)) - (len(slots) - 1) * self._offsets

    def _packed_slot(self, at: int) -> int:
        """One slot's weights in every model, packed."""
        packed = self._slots.get(at)
        if packed is None:
            fields = self._fields_format.pack(
                *[column[at] + FIELD_OFFSET for column in self._columns]
            )
            packed = int.from_bytes(fields, "little")
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
    """The model file's bytes: MAGIC, a JSON header's length and the header, zlib weights."""
    header: dict[str, object] = {"meta": meta, "buckets": BUCKETS, "models": {}}
    blobs = []
    offset = 0
    for name, model in models.items():
        raw = b"".join(memoryview(column).tobytes() for column in model.columns)
        header["models"][name] = {  # type: ignore[index]
            "classes": list(model.classes),
            "scale": model.scale,
            "biases": list(model.biases),
            "offset": offset,
            "length": len(raw),
        }
        blobs.append(raw)
        offset += len(raw)
    encoded = json.dumps(header, sort_keys=True).encode("utf-8")
    return MAGIC + struct.pack("<I", len(encoded)) + encoded + zlib.compress(b"".join(blobs), 9)


def unpack(data: bytes) -> tuple[dict[str, LinearModel], dict[str, object]]:
    """The models and the training metadata in a model file; raises ModelFileInvalid."""
    if not data.startswith(MAGIC):
        raise ModelFileInvalid("not a wismo model file")
    try:
        (length,) = struct.unpack_from("<I", data, len(MAGIC))
        start = len(MAGIC) + 4
        header = json.loads(data[start : start + length])
        # The weights are read in place (native int16, little-endian on every platform we
        # ship to): no copy of the few MB they take. Decompressing into a buffer of their
        # whole size at once, rather than one grown from 16 KB, takes a third less time.
        size = sum(int(entry["length"]) for entry in header["models"].values())
        blob = zlib.decompress(data[start + length :], bufsize=max(size, 1))
        weights = memoryview(blob).cast("h")
        models = {}
        for name, entry in header["models"].items():
            first = entry["offset"] // 2
            mine = weights[first : first + entry["length"] // 2]
            if header["buckets"] != BUCKETS or len(mine) != BUCKETS * len(entry["classes"]):
                raise ModelFileInvalid(f"model {name} does not match this code's features")
            models[name] = LinearModel(
                entry["classes"], mine, float(entry["scale"]), entry["biases"]
            )
    except (struct.error, ValueError, KeyError, zlib.error) as exc:
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
