"""Scoring a model bundle on a labelled split, the same way for every candidate and champion.

A `Scorer` is what serves: the bundle's encoder (its own fine-tuned one, else the shared one)
and its intent head over `prepare`d text. Evaluation compares label strings, so a champion with
another taxonomy (the shipped default against a Banking77 challenger) is scored fairly: a
label it cannot predict is simply wrong.

Figures: accuracy, macro-F1, top-label calibration error, per-class report, confusion matrix,
latency per message (one text per call, as an interactive request), and for data with
out-of-scope texts the in-scope accuracy and out-of-scope recall at a review threshold chosen
on validation.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from models.bundle import DEFAULT_BUNDLE, Bundle
from models.embedder import Embedder, OnnxEmbedder
from models.heads import FloatArray, LinearHead, TextFeatures
from models.pipeline import prepare

Example = tuple[str, str]
LATENCY_SAMPLE = 200


@dataclass
class Scorer:
    """texts → intent probabilities, through the bundle's encoder and intent head."""

    head: LinearHead
    encoder: Embedder

    @property
    def labels(self) -> tuple[str, ...]:
        return self.head.labels

    @classmethod
    def load(cls, bundle_dir: Path, *, shared: Embedder | None = None) -> Scorer:
        bundle = Bundle.load(bundle_dir)
        if bundle.encoder_dir:
            encoder: Embedder = OnnxEmbedder(bundle_dir / bundle.encoder_dir)
        else:
            encoder = shared or shared_encoder()
        return cls(bundle.head("intent"), encoder)

    def vectors(self, texts: Sequence[str]) -> FloatArray:
        return self.encoder.encode([prepare(t) for t in texts])

    def probabilities(self, texts: Sequence[str], vectors: FloatArray | None = None) -> FloatArray:
        prepared = [prepare(t) for t in texts]
        if vectors is None:
            vectors = self.encoder.encode(prepared)
        return self.head.predict_proba(vectors, TextFeatures(prepared))


_SHARED: dict[str, OnnxEmbedder] = {}


def shared_encoder() -> OnnxEmbedder:
    """The shipped int8 encoder, loaded once per process."""
    if "default" not in _SHARED:
        bundle = Bundle.load(DEFAULT_BUNDLE)
        _SHARED["default"] = OnnxEmbedder(DEFAULT_BUNDLE / bundle.embedder.get("dir", "embedder"))
    return _SHARED["default"]


def top_label_ece(confidence: np.ndarray, correct: np.ndarray, bins: int = 15) -> float:
    if len(confidence) == 0:
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for low, high in pairwise(edges):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            total += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return float(total)


def latency_ms(
    scorer: Scorer, texts: Sequence[str], sample: int = LATENCY_SAMPLE
) -> dict[str, float]:
    """Milliseconds per message, one text per call (encode + head), over up to `sample` texts."""
    picked = list(texts[:sample]) or ["Where is my card?"]
    scorer.probabilities(picked[:1])  # warm-up
    timings = []
    for text in picked:
        started = time.perf_counter()
        scorer.probabilities([text])
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "latency_p50_ms": round(float(np.percentile(timings, 50)), 3),
        "latency_p95_ms": round(float(np.percentile(timings, 95)), 3),
    }


def evaluate(
    scorer: Scorer, examples: Sequence[Example], *, prefix: str = "", detail: bool = False
) -> dict[str, Any]:
    """Metrics of `scorer` on `examples`; with `detail`, the per-class report and confusion
    matrix too (under "report" and "confusion", not prefixed: they are artifacts)."""
    from sklearn.metrics import classification_report, confusion_matrix, f1_score

    texts = [t for t, _ in examples]
    truth = [label for _, label in examples]
    probabilities = scorer.probabilities(texts) if texts else np.zeros((0, len(scorer.labels)))
    best = probabilities.argmax(axis=1) if len(texts) else np.zeros(0, dtype=int)
    predicted = [scorer.labels[i] for i in best]
    confidence = probabilities.max(axis=1) if len(texts) else np.zeros(0)
    correct = np.array([p == t for p, t in zip(predicted, truth, strict=True)], dtype=bool)
    out: dict[str, Any] = {
        f"{prefix}accuracy": round(float(correct.mean()) if len(correct) else 0.0, 4),
        f"{prefix}macro_f1": round(
            float(f1_score(truth, predicted, average="macro", zero_division=0)) if texts else 0.0,
            4,
        ),
        f"{prefix}ece": round(top_label_ece(confidence, correct), 4),
        f"{prefix}n": len(texts),
    }
    if detail and texts:
        labels = sorted(set(truth) | set(predicted))
        out["report"] = classification_report(
            truth, predicted, labels=labels, output_dict=True, zero_division=0
        )
        out["confusion"] = {
            "labels": labels,
            "matrix": confusion_matrix(truth, predicted, labels=labels).tolist(),
        }
    return out


def oos_figures(
    scorer: Scorer,
    validation: Sequence[Example],
    oos_validation: Sequence[str],
    test: Sequence[Example],
    oos_test: Sequence[str],
) -> dict[str, float]:
    """Out-of-scope detection by a confidence threshold chosen on validation (maximising
    in-scope accuracy + oos recall), reported on test: an in-scope text counts as right only
    when predicted correctly and not flagged."""

    def parts(
        rows: Sequence[Example], oos: Sequence[str]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        probabilities = scorer.probabilities([t for t, _ in rows])
        labels = [scorer.labels[i] for i in probabilities.argmax(axis=1)]
        correct = np.array([p == t for p, (_, t) in zip(labels, rows, strict=True)])
        oos_conf = scorer.probabilities(list(oos)).max(axis=1) if oos else np.zeros(0)
        return probabilities.max(axis=1), correct, oos_conf

    def rates(
        conf: np.ndarray, correct: np.ndarray, oos: np.ndarray, t: float
    ) -> tuple[float, float]:
        in_scope = float((correct & (conf >= t)).mean()) if len(conf) else 0.0
        recall = float((oos < t).mean()) if len(oos) else 0.0
        return in_scope, recall

    conf, correct, oos = parts(validation, oos_validation)
    threshold = max(
        (float(t) for t in np.linspace(0.05, 0.95, 91)),
        key=lambda t: sum(rates(conf, correct, oos, t)),
    )
    conf, correct, oos = parts(test, oos_test)
    in_scope, recall = rates(conf, correct, oos, threshold)
    figures = {
        "oos_threshold": round(threshold, 3),
        "test_in_scope_accuracy": round(in_scope, 4),
        "test_oos_recall": round(recall, 4),
    }
    for fixed in (0.3, 0.5, 0.7):  # the trade-off curve, reported (nothing is chosen on it)
        a, r = rates(conf, correct, oos, fixed)
        figures[f"test_in_scope_accuracy_at_{fixed}"] = round(a, 4)
        figures[f"test_oos_recall_at_{fixed}"] = round(r, 4)
    return figures
