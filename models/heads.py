"""Linear classifier heads over sentence embeddings, with a temperature for calibrated output.

A head is a weight matrix, a bias, its labels and one temperature. A head may also read hashed
word n-grams of the text beside the embedding (stateless hashing: nothing to fit or ship but
weights); the sentiment head does, because tweets' wording carries what a small sentence
encoder smooths away. Training lives in `training/`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]


def softmax(logits: FloatArray) -> FloatArray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    probabilities: FloatArray = (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)
    return probabilities


NGRAM_FEATURES = 2**18


@cache
def _vectorizer(n_features: int) -> Any:
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        ngram_range=(1, 2),
        n_features=n_features,
        alternate_sign=False,
        norm="l2",
        dtype=np.float32,  # as the weights: a float64 product would upcast (copy) them per call
    )


def ngram_features(texts: Sequence[str], n_features: int = NGRAM_FEATURES) -> Any:
    """Sparse L2-normalised counts of hashed word unigrams and bigrams."""
    from sklearn import config_context

    # The vectorizer is ours and fixed: re-validating its parameters on every call was a third
    # of its cost.
    with config_context(skip_parameter_validation=True, assume_finite=True):
        return _vectorizer(n_features).transform(list(texts))


class TextFeatures:
    """Texts with their hashed n-grams computed once, however many heads read them."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = list(texts)
        self._hashed: dict[int, Any] = {}

    def hashed(self, n_features: int) -> Any:
        if n_features not in self._hashed:
            self._hashed[n_features] = ngram_features(self.texts, n_features)
        return self._hashed[n_features]


@dataclass(frozen=True, slots=True)
class Ranked:
    """Top label and runner-up of one row, with their probabilities."""

    label: str
    confidence: float
    runner_up: str | None
    runner_up_confidence: float


@dataclass(frozen=True)
class LinearHead:
    """softmax((x @ W.T + b) / T) over `labels`; `name:version` identifies it in answers."""

    name: str
    version: str
    labels: tuple[str, ...]
    weights: FloatArray
    bias: FloatArray
    temperature: float = 1.0
    ngram_weights: FloatArray | None = None

    def __post_init__(self) -> None:
        if self.weights.shape != (len(self.labels), self.weights.shape[1]):
            raise ValueError(f"{self.name}: weights do not match {len(self.labels)} labels")
        if self.bias.shape != (len(self.labels),):
            raise ValueError(f"{self.name}: bias does not match {len(self.labels)} labels")
        if not self.temperature > 0:
            raise ValueError(f"{self.name}: temperature must be positive")

    @property
    def ref(self) -> str:
        return f"{self.name}:{self.version}"

    @property
    def dim(self) -> int:
        return int(self.weights.shape[1])

    @cached_property
    def _ngram_by_feature(self) -> FloatArray:
        # Feature-major and contiguous: a sparse product with `.T` would copy the whole matrix
        # (27 x 2^18 floats) on every call.
        assert self.ngram_weights is not None
        return np.ascontiguousarray(self.ngram_weights.T)

    @property
    def reads_text(self) -> bool:
        return self.ngram_weights is not None

    def logits(
        self, embeddings: FloatArray, texts: Sequence[str] | TextFeatures | None = None
    ) -> FloatArray:
        out = embeddings @ self.weights.T + self.bias
        if self.ngram_weights is not None:
            if texts is None:
                raise ValueError(f"{self.name} reads n-grams: pass the texts")
            shared = texts if isinstance(texts, TextFeatures) else TextFeatures(texts)
            features = shared.hashed(self.ngram_weights.shape[1])
            out = out + features @ self._ngram_by_feature
        return np.asarray(out, dtype=np.float32)

    def predict_proba(
        self, embeddings: FloatArray, texts: Sequence[str] | TextFeatures | None = None
    ) -> FloatArray:
        return softmax(self.logits(embeddings, texts) / self.temperature)

    def with_temperature(self, temperature: float) -> LinearHead:
        return replace(self, temperature=float(temperature))

    def save(self, path: Path) -> None:
        """Writes `<path>.npz` (arrays) and `<path>.json` (labels, version, temperature)."""
        arrays: dict[str, Any] = {"weights": self.weights, "bias": self.bias}
        if self.ngram_weights is not None:
            arrays["ngram_weights"] = self.ngram_weights.astype(np.float16)
        np.savez_compressed(path.with_suffix(".npz"), **arrays)
        meta = {
            "name": self.name,
            "version": self.version,
            "labels": list(self.labels),
            "temperature": self.temperature,
        }
        path.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> LinearHead:
        meta = json.loads(path.with_suffix(".json").read_text())
        with np.load(path.with_suffix(".npz")) as arrays:
            weights = arrays["weights"].astype(np.float32)
            bias = arrays["bias"].astype(np.float32)
            ngrams = arrays.get("ngram_weights")
        return cls(
            name=str(meta["name"]),
            version=str(meta["version"]),
            labels=tuple(str(label) for label in meta["labels"]),
            weights=weights,
            bias=bias,
            temperature=float(meta["temperature"]),
            ngram_weights=None if ngrams is None else ngrams.astype(np.float32),
        )


def rank(probabilities: FloatArray, labels: tuple[str, ...]) -> list[Ranked]:
    """Top-2 of each row of a probability matrix."""
    if probabilities.shape[1] == 1:
        raise ValueError("ranking needs at least two labels")
    order = np.argsort(-probabilities, axis=1)[:, :2]
    ranked = []
    for row, (first, second) in zip(probabilities, order, strict=True):
        ranked.append(Ranked(labels[first], float(row[first]), labels[second], float(row[second])))
    return ranked
