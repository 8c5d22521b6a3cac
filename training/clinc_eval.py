"""How well "flag it when the top probability is low" finds out-of-scope text, on CLINC150.

A 150-intent head is trained on CLINC's train split, its temperature fitted on half of `val`,
and the review threshold chosen on the other half plus `oos_val`. The test split and
`oos_test` are read once, for the figures: in-scope accuracy (an in-scope text counts as right
only when it is predicted correctly and not flagged) and out-of-scope recall (flagged).
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from models.calibration import expected_calibration_error
from models.pipeline import prepare
from training import datasets
from training.fit import EmbeddingCache, LabelledVectors, train_head


def _vectors(embed: EmbeddingCache, rows: list[tuple[str, str]], labels: tuple[str, ...]) -> Any:
    texts = [prepare(t) for t, _ in rows]
    return LabelledVectors.build(embed(texts), [label for _, label in rows], labels, texts)


def _rates(
    confidence: np.ndarray, correct: np.ndarray, oos: np.ndarray, t: float
) -> tuple[float, float]:
    in_scope_accuracy = float((correct & (confidence >= t)).mean())
    oos_recall = float((oos < t).mean())
    return in_scope_accuracy, oos_recall


def clinc_report(embed: EmbeddingCache, *, seed: int, limit: int | None = None) -> dict[str, Any]:
    data = datasets.clinc()
    if limit:  # the published splits are sorted by intent: sample across all of them
        data = {
            n: random.Random(seed).sample(rows, min(limit, len(rows))) for n, rows in data.items()
        }
    labels = tuple(sorted({label for _, label in data["train"]}))
    for name in ("val", "test"):  # a subset may miss an intent in train: keep known ones
        data[name] = [row for row in data[name] if row[1] in labels]
    val = list(data["val"])
    random.Random(seed).shuffle(val)
    half = len(val) // 2
    train = _vectors(embed, data["train"], labels)
    calibration = _vectors(embed, val[:half], labels)
    validation = _vectors(embed, val[half:], labels)
    head, fitted = train_head(
        "clinc150", "eval", labels, train, validation, calibration, c_grid=(4.0, 16.0, 64.0)
    )
    oos_val = head.predict_proba(embed([prepare(t) for t, _ in data["oos_val"]])).max(axis=1)
    probs = head.predict_proba(validation.vectors)
    correct = probs.argmax(axis=1) == validation.targets
    best = max(
        np.linspace(0.05, 0.95, 91),
        key=lambda t: sum(_rates(probs.max(axis=1), correct, oos_val, float(t))),
    )
    test = _vectors(embed, data["test"], labels)
    test_probs = head.predict_proba(test.vectors)
    oos_test = head.predict_proba(embed([prepare(t) for t, _ in data["oos_test"]])).max(axis=1)
    accuracy, recall = _rates(
        test_probs.max(axis=1), test_probs.argmax(axis=1) == test.targets, oos_test, float(best)
    )
    at_default = _rates(
        test_probs.max(axis=1), test_probs.argmax(axis=1) == test.targets, oos_test, 0.6
    )
    return {
        "threshold": round(float(best), 3),
        "test_in_scope_accuracy": round(accuracy, 4),
        "test_oos_recall": round(recall, 4),
        "test_accuracy_without_rule": round(
            float((test_probs.argmax(axis=1) == test.targets).mean()), 4
        ),
        "at_threshold_0.6": {
            "in_scope_accuracy": round(at_default[0], 4),
            "oos_recall": round(at_default[1], 4),
        },
        "validation_ece": fitted["validation_ece"],
        "temperature": fitted["temperature"],
        "test_ece": round(expected_calibration_error(test_probs, test.targets), 4),
    }
