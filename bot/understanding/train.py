"""`python -m bot.understanding.train`: build the shipped intent and aspect models from the corpus.

Needs the `train` extra (scikit-learn, numpy, scipy), which `wismo` itself never imports. The
result is deterministic: the same corpus gives the same file, byte for byte. It prints the
evaluation on the held-out split (bench/README.md, intent model).
"""

from __future__ import annotations

import argparse
import hashlib
import math
import sys
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.understanding.examples import Example, load_examples
from bot.understanding.model import BUCKETS, MODEL_FILE, IntentModels, LinearModel, pack
from bot.understanding.parser import MessageParser, build_message_parser
from carriers.numbers.detector import load_detector

OUTPUT = Path(__file__).parent / "data" / "model" / MODEL_FILE
# Inverse regularisation strength, chosen on the training split by cross-validation
# (bench/README.md, intent model).
C_INTENT = 32.0
C_ASPECT = 32.0
INT16 = 32767


def matrix(features: Sequence[Sequence[int]]) -> Any:
    """The scaled feature matrix of messages' slots (as the runtime weighs them)."""
    from scipy.sparse import csr_matrix  # the train extra; never imported by wismo itself

    rows: list[int] = []
    columns: list[int] = []
    values: list[float] = []
    for row, slots in enumerate(features):
        weight = 1.0 / math.sqrt(len(slots)) if slots else 0.0
        for slot in slots:
            rows.append(row)
            columns.append(slot)
            values.append(weight)
    shape = (len(features), BUCKETS)
    return csr_matrix((values, (rows, columns)), shape=shape)  # duplicates are summed


def fit(features: Sequence[Sequence[int]], labels: Sequence[str], c: float) -> LinearModel:
    """A multinomial logistic regression, quantised to int16 weights."""
    from sklearn.linear_model import LogisticRegression

    learner = LogisticRegression(C=c, max_iter=1000, class_weight="balanced")
    learner.fit(matrix(features), list(labels))
    classes = [str(label) for label in learner.classes_]
    coef = learner.coef_
    if len(classes) == 2:  # binary models keep one row; make it the two-class softmax form
        coef = [-coef[0] / 2, coef[0] / 2]
    largest = max(float(abs(row).max()) for row in coef) or 1.0
    scale = largest / INT16
    columns = [array("h", bytes(2 * BUCKETS)) for _ in classes]
    for column, row in zip(columns, coef, strict=True):
        for slot in row.nonzero()[0]:
            column[int(slot)] = round(float(row[slot]) / scale)
    biases = [float(b) for b in learner.intercept_]
    if len(classes) == 2:
        biases = [-biases[0] / 2, biases[0] / 2]
    return LinearModel.from_columns(classes, columns, scale, biases)


def feature_reader() -> MessageParser:
    """A parser that reads messages up to the models' features (its own models are unused)."""
    placeholder = LinearModel.from_columns(
        ("other",), [array("h", bytes(2 * BUCKETS))], 1.0, (0.0,)
    )
    return build_message_parser(load_detector(), models=IntentModels(placeholder, placeholder))


def train(examples: Sequence[Example]) -> dict[str, LinearModel]:
    """The intent model over every training example, the aspect model over where_is_my_order."""
    reader = feature_reader()
    training = [example for example in examples if not example.evaluation]
    features = [reader.model_slots(example.text) for example in training]
    intent = fit(features, [example.intent.value for example in training], C_INTENT)
    located = [
        (slots, example.aspect.value)
        for slots, example in zip(features, training, strict=True)
        if example.aspect is not None
    ]
    aspect = fit([slots for slots, _ in located], [label for _, label in located], C_ASPECT)
    return {"intent": intent, "aspect": aspect}


def corpus_digest(examples: Sequence[Example]) -> str:
    digest = hashlib.sha256()
    for example in examples:
        digest.update(f"{example.text}\t{example.intent}\t{example.aspect}\n".encode())
    return digest.hexdigest()[:16]


def main(argv: Sequence[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    options.add_argument("--output", type=Path, default=OUTPUT)
    arguments = options.parse_args(argv)
    examples = load_examples()
    models = train(examples)
    training = sum(not example.evaluation for example in examples)
    meta: dict[str, object] = {
        "corpus": corpus_digest(examples),
        "training_messages": training,
        "evaluation_messages": len(examples) - training,
        "c_intent": C_INTENT,
        "c_aspect": C_ASPECT,
    }
    data = pack(models, meta)
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_bytes(data)
    print(
        f"{len(examples)} messages ({training} training); wrote {arguments.output} "
        f"({len(data) / 1e6:.2f} MB)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
