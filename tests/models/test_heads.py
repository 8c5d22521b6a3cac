"""Linear heads, temperature scaling and calibration error, on small synthetic data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.calibration import expected_calibration_error, fit_temperature
from models.heads import LinearHead, rank, softmax


def _head(temperature: float = 1.0, ngrams: bool = False) -> LinearHead:
    rng = np.random.default_rng(0)
    return LinearHead(
        name="demo",
        version="3",
        labels=("a", "b", "c"),
        weights=rng.normal(size=(3, 8)).astype(np.float32),
        bias=np.zeros(3, dtype=np.float32),
        temperature=temperature,
        ngram_weights=rng.normal(size=(3, 2**10)).astype(np.float32) if ngrams else None,
    )


def test_probabilities_sum_to_one_and_temperature_flattens_them() -> None:
    x = np.eye(8, dtype=np.float32)[:4]
    sharp, flat = _head(0.5).predict_proba(x), _head(4.0).predict_proba(x)
    assert np.allclose(sharp.sum(axis=1), 1) and np.allclose(flat.sum(axis=1), 1)
    assert (sharp.max(axis=1) > flat.max(axis=1)).all()


def test_rank_gives_the_top_label_and_the_runner_up() -> None:
    probs = np.array([[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]], dtype=np.float32)
    first, second = rank(probs, ("a", "b", "c"))
    assert (first.label, first.runner_up) == ("b", "c")
    assert (second.label, second.runner_up) == ("a", "c")
    assert first.confidence == pytest.approx(0.7)


def test_a_head_round_trips_through_disk(tmp_path: Path) -> None:
    head = _head(1.7, ngrams=True)
    head.save(tmp_path / "intent")
    loaded = LinearHead.load(tmp_path / "intent")
    x = np.ones((2, 8), dtype=np.float32)
    texts = ["refund my order please", "hello"]
    assert loaded.ref == "demo:3" and loaded.temperature == pytest.approx(1.7)
    assert np.allclose(loaded.predict_proba(x, texts), head.predict_proba(x, texts), atol=1e-3)


def test_an_ngram_head_needs_the_texts() -> None:
    with pytest.raises(ValueError, match="n-grams"):
        _head(ngrams=True).logits(np.ones((1, 8), dtype=np.float32))


def test_mismatched_shapes_are_refused() -> None:
    with pytest.raises(ValueError):
        LinearHead("x", "1", ("a", "b"), np.zeros((3, 4), np.float32), np.zeros(2, np.float32))
    with pytest.raises(ValueError):
        LinearHead("x", "1", ("a",), np.zeros((1, 4), np.float32), np.zeros(1, np.float32), 0.0)


def _overconfident(n: int = 4000) -> tuple[np.ndarray, np.ndarray]:
    """Logits three times too sharp for labels drawn from the true softmax."""
    rng = np.random.default_rng(1)
    true_logits = rng.normal(scale=1.5, size=(n, 5)).astype(np.float32)
    p = softmax(true_logits)
    targets = np.array([rng.choice(5, p=row) for row in p], dtype=np.int64)
    return true_logits * 3, targets


def test_temperature_scaling_recovers_the_true_temperature_and_cuts_ece() -> None:
    logits, targets = _overconfident()
    temperature = fit_temperature(logits[:2000], targets[:2000])
    assert temperature == pytest.approx(3.0, rel=0.15)
    before = expected_calibration_error(softmax(logits[2000:]), targets[2000:])
    after = expected_calibration_error(softmax(logits[2000:] / temperature), targets[2000:])
    assert after < 0.05 < before


def test_ece_is_zero_for_perfectly_calibrated_certainty() -> None:
    probs = np.eye(3, dtype=np.float32)
    assert expected_calibration_error(probs, np.arange(3)) == pytest.approx(0.0)
    assert expected_calibration_error(probs, np.array([1, 2, 0])) == pytest.approx(1.0)


def test_fitting_on_nothing_is_an_error() -> None:
    with pytest.raises(ValueError):
        fit_temperature(np.zeros((0, 3), np.float32), np.zeros(0, np.int64))
