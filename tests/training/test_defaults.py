"""The default-model training command on small subsets: it trains, reports and reproduces."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from models.bundle import DEFAULT_BUNDLE, Bundle
from training import datasets
from training.defaults import train_defaults
from training.embedder import ensure as ensure_embedder


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, object]]:
    out, cache = tmp_path_factory.mktemp("bundle"), tmp_path_factory.mktemp("cache")
    encoder = ensure_embedder(DEFAULT_BUNDLE / "embedder")
    metrics = train_defaults(out, cache, limit=200, embedder_dir=encoder)
    return out, cache, metrics


def test_training_writes_a_loadable_bundle_with_every_head(trained: tuple) -> None:
    out, _, _ = trained
    bundle = Bundle.load(out)
    assert set(bundle.heads) == {"intent", "sentiment", "scope"}
    assert bundle.head("sentiment").labels == ("negative", "neutral", "positive")
    assert bundle.head("sentiment").reads_text
    assert bundle.categories["track_order"] == "ORDER"
    assert all(head.temperature > 0 for head in bundle.heads.values())


def test_metrics_cover_held_out_emails_calibration_and_clinc(trained: tuple) -> None:
    out, _, metrics = trained
    assert json.loads((out / "metrics.json").read_text()) == metrics
    intent = metrics["intent"]
    for key in ("test_short_accuracy", "test_email_accuracy", "validation_ece"):
        assert 0.0 <= intent[key] <= 1.0
    assert (
        intent["test_short_accuracy"] > 0.5
    )  # 27 classes from 200 examples, still far above chance
    assert metrics["sentiment"]["test_short_macro_f1"] > 0.3
    clinc = metrics["clinc150"]
    assert 0.0 < clinc["threshold"] < 1.0 and 0.0 <= clinc["test_oos_recall"] <= 1.0


def test_training_is_reproducible(trained: tuple, tmp_path: Path) -> None:
    out, cache, _ = trained
    train_defaults(tmp_path, cache, limit=200, embedder_dir=DEFAULT_BUNDLE / "embedder")
    first, second = Bundle.load(out), Bundle.load(tmp_path)
    for name in first.heads:
        assert np.allclose(first.head(name).weights, second.head(name).weights)


def test_bitext_is_split_by_unique_instruction_without_leakage() -> None:
    rows = [(i, intent) for i, intent, _ in datasets.bitext()]
    splits = datasets.split_unique(rows, seed=13)
    seen: set[str] = set()
    for name in datasets.SPLITS:
        texts = {text for text, _ in splits.get(name)}
        assert not texts & seen
        seen |= texts
    assert len(seen) == len({text for text, _ in rows}) < len(rows)


def test_airline_tweets_are_deduplicated_and_lose_their_handles() -> None:
    tweets = datasets.airline()
    texts = [text for text, _ in tweets]
    assert len(texts) == len(set(texts))
    assert not any(word[1:2].isalnum() for text in texts for word in text.split() if word[0] == "@")
