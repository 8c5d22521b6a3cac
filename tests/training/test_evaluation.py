"""Scoring compares label strings: figures on a hand-made head whose every answer is known."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from models.heads import FloatArray, LinearHead
from training.evaluation import Scorer, evaluate, latency_ms, oos_figures, top_label_ece


class KeywordEmbedder:
    """A test double of the `Embedder` protocol: "card" → e0, "pin" → e1, anything else → e2."""

    name = "keywords"
    dim = 3

    def encode(self, texts: Sequence[str]) -> FloatArray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = text.lower().split()
            out[row, 0 if "card" in words else 1 if "pin" in words else 2] = 1.0
        return out


@pytest.fixture
def scorer() -> Scorer:
    # softmax(5, 0) = 0.9933 on a keyword, an even 0.5 / 0.5 on anything else.
    weights = np.array([[5.0, 0.0, 0.0], [0.0, 5.0, 0.0]], dtype=np.float32)
    head = LinearHead("intent", "1", ("card", "pin"), weights, np.zeros(2, dtype=np.float32))
    return Scorer(head, KeywordEmbedder())


def test_evaluate_counts_a_label_the_head_cannot_predict_as_wrong(scorer: Scorer) -> None:
    examples = [
        ("my card is lost", "card"),
        ("my pin is blocked", "pin"),
        ("card declined but it is about the pin", "pin"),  # predicted card: wrong
        ("I want a refund", "refund"),  # a label unknown to the head: wrong
    ]
    result = evaluate(scorer, examples, prefix="gate_", detail=True)
    assert result["gate_accuracy"] == 0.5
    assert result["gate_n"] == 4
    # F1: card 0.5 (1 right of 3 predicted), pin 2/3, refund 0.
    assert result["gate_macro_f1"] == pytest.approx((0.5 + 2 / 3 + 0.0) / 3, abs=1e-4)
    # Two bins: 0.5 confidence (never right), 0.9933 (two of three right).
    expected_ece = 0.25 * 0.5 + 0.75 * abs(2 / 3 - 0.99331)
    assert result["gate_ece"] == pytest.approx(expected_ece, abs=1e-3)
    for key in ("gate_accuracy", "gate_macro_f1", "gate_ece"):
        assert 0.0 <= result[key] <= 1.0
    assert result["confusion"]["labels"] == ["card", "pin", "refund"]
    assert result["confusion"]["matrix"] == [[1, 0, 0], [1, 1, 0], [1, 0, 0]]
    assert result["report"]["refund"]["recall"] == 0.0
    assert result["report"]["card"]["recall"] == 1.0


def test_evaluate_without_detail_or_examples_has_only_the_figures(scorer: Scorer) -> None:
    plain = evaluate(scorer, [("my card", "card")])
    assert set(plain) == {"accuracy", "macro_f1", "ece", "n"}
    assert plain["accuracy"] == 1.0
    empty = evaluate(scorer, [], detail=True)
    assert empty == {"accuracy": 0.0, "macro_f1": 0.0, "ece": 0.0, "n": 0}


@pytest.mark.parametrize(
    ("confidence", "correct", "expected"),
    [
        ([], [], 0.0),
        ([1.0, 1.0], [True, True], 0.0),
        ([0.9] * 10, [True] * 9 + [False], 0.0),
        ([0.9, 0.9], [False, False], 0.9),
        ([0.3, 0.3, 0.8, 0.8], [True, True, True, False], 0.5 * 0.7 + 0.5 * 0.3),
    ],
)
def test_top_label_ece_is_the_weighted_gap_between_confidence_and_accuracy(
    confidence: list[float], correct: list[bool], expected: float
) -> None:
    value = top_label_ece(np.array(confidence), np.array(correct, dtype=bool))
    assert value == pytest.approx(expected, abs=1e-9)


def test_oos_threshold_is_chosen_on_validation_and_reported_on_test(scorer: Scorer) -> None:
    validation = [("lost card", "card"), ("forgot pin", "pin")]
    test = [("stolen card", "card"), ("new pin", "pin"), ("pin card", "pin")]
    figures = oos_figures(
        scorer, validation, ["what is the weather"], test, ["play music", "book a table"]
    )
    # Out-of-scope texts score 0.5, keyword texts 0.9933: the first threshold between wins.
    assert 0.5 < figures["oos_threshold"] < 0.99
    assert 0.0 < figures["oos_threshold"] < 1.0
    assert figures["test_oos_recall"] == 1.0
    assert figures["test_in_scope_accuracy"] == pytest.approx(2 / 3, abs=1e-4)


def test_latency_is_measured_per_message(scorer: Scorer) -> None:
    figures = latency_ms(scorer, ["my card"] * 5)
    assert 0.0 <= figures["latency_p50_ms"] <= figures["latency_p95_ms"]
