"""Fit a calibrated linear head: choose C on validation, temperature on calibration, report.

Embeddings are cached on disk by (embedder sha, texts) so re-running a training command after a
change to the head code costs seconds, not minutes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score

from models.calibration import expected_calibration_error, fit_temperature
from models.heads import FloatArray, LinearHead, ngram_features

Encode = Callable[[Sequence[str]], FloatArray]


class EmbeddingCache:
    """Encodes through `encode`, memoised per list in `<directory>/<sha256>.npy` and per text
    in memory, so a corpus that reuses another's texts (the scope head's positives) is free."""

    def __init__(self, encode: Encode, directory: Path, key: str) -> None:
        self.encode = encode
        self.directory = directory
        self.key = key
        self._memory: dict[str, FloatArray] = {}
        directory.mkdir(parents=True, exist_ok=True)

    def __call__(self, texts: Sequence[str]) -> FloatArray:
        if not texts:
            return self.encode(texts)
        digest = hashlib.sha256(self.key.encode())
        for text in texts:
            digest.update(text.encode())
            digest.update(b"\x00")
        path = self.directory / f"{digest.hexdigest()}.npy"
        if path.exists():
            vectors: FloatArray = np.load(path).astype(np.float32)
        else:
            missing = list(dict.fromkeys(t for t in texts if t not in self._memory))
            if missing:
                self._memory.update(zip(missing, self.encode(missing), strict=True))
            vectors = np.stack([self._memory[t] for t in texts]).astype(np.float32)
            np.save(path, vectors)
        self._memory.update(zip(texts, vectors, strict=True))
        return vectors


@dataclass(frozen=True)
class LabelledVectors:
    """Embeddings of one split with its texts (for n-gram heads) and label indices."""

    vectors: FloatArray
    targets: np.ndarray[Any, np.dtype[np.int64]]
    texts: list[str]

    @classmethod
    def build(
        cls, vectors: FloatArray, labels: Sequence[str], order: Sequence[str], texts: Sequence[str]
    ) -> Any:
        index = {label: i for i, label in enumerate(order)}
        targets = np.array([index[label] for label in labels], dtype=np.int64)
        return cls(vectors, targets, list(texts))

    def features(self, ngrams: bool) -> Any:
        if not ngrams:
            return self.vectors
        return hstack([csr_matrix(self.vectors), ngram_features(self.texts)]).tocsr()


def train_head(
    name: str,
    version: str,
    labels: tuple[str, ...],
    train: LabelledVectors,
    validation: LabelledVectors,
    calibration: LabelledVectors,
    *,
    c_grid: Sequence[float] = (1.0, 4.0, 16.0, 64.0),
    class_weight: str | None = None,
    ngrams: bool = False,
) -> tuple[LinearHead, dict[str, float]]:
    """The best C by validation macro-F1, then a temperature fitted on calibration."""
    best: tuple[float, LogisticRegression] | None = None
    features = train.features(ngrams)
    for c in c_grid:
        model = LogisticRegression(C=c, max_iter=3000, class_weight=class_weight)
        model.fit(features, train.targets)
        predicted = model.predict(validation.features(ngrams))
        score = float(f1_score(validation.targets, predicted, average="macro"))
        if best is None or score > best[0]:
            best = (score, model)
    assert best is not None
    model = best[1]
    weights, bias = _as_multiclass(model)
    dim = train.vectors.shape[1]
    head = LinearHead(
        name,
        version,
        labels,
        np.ascontiguousarray(weights[:, :dim]),
        bias,
        ngram_weights=np.ascontiguousarray(weights[:, dim:]) if ngrams else None,
    )
    logits = head.logits(calibration.vectors, calibration.texts)
    temperature = fit_temperature(logits, calibration.targets)
    head = head.with_temperature(temperature)
    summary = {"C": float(model.C), "temperature": round(temperature, 4)}
    summary.update(evaluate(head, validation, prefix="validation_"))
    return head, summary


def _as_multiclass(model: LogisticRegression) -> tuple[FloatArray, FloatArray]:
    weights = np.asarray(model.coef_, dtype=np.float32)
    bias = np.asarray(model.intercept_, dtype=np.float32)
    if weights.shape[0] == 1:  # binary: softmax over [-z/2, z/2] equals sigmoid(z)
        weights = np.vstack([-weights / 2, weights / 2])
        bias = np.array([-bias[0] / 2, bias[0] / 2], dtype=np.float32)
    return weights, bias


def evaluate(head: LinearHead, split: LabelledVectors, *, prefix: str = "") -> dict[str, float]:
    """Accuracy, macro-F1 and top-label ECE of a calibrated head on one split."""
    probabilities = head.predict_proba(split.vectors, split.texts)
    predicted = probabilities.argmax(axis=1)
    return {
        f"{prefix}accuracy": round(float(accuracy_score(split.targets, predicted)), 4),
        f"{prefix}macro_f1": round(float(f1_score(split.targets, predicted, average="macro")), 4),
        f"{prefix}ece": round(expected_calibration_error(probabilities, split.targets), 4),
        f"{prefix}n": float(len(split.targets)),
    }
