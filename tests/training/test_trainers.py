"""Both trainers on small Banking77 subsets: each writes a bundle that evaluation, the model store
and the pipeline load; a fine-tuned bundle serves through its own int8 encoder."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import numpy as np
import pytest

from models.bundle import DEFAULT_BUNDLE, Bundle
from models.embedder import OnnxEmbedder
from models.pipeline import LocalClassifier, prepare
from models.registry import ModelStore
from training import sources
from training.evaluation import Scorer, evaluate, shared_encoder
from training.sources import Source
from training.trainers import Candidate, train

FIVE = ["card_arrival", "exchange_rate", "lost_or_stolen_card", "pin_blocked", "top_up_failed"]
THREE = ["card_arrival", "exchange_rate", "pin_blocked"]
FINETUNE = {"max_steps": 3, "epochs": 1, "batch_size": 8, "logreg_head": False}


@pytest.fixture(scope="module")
def banking77() -> Source:
    return sources.banking77()


@pytest.fixture(scope="module")
def five(banking77: Source) -> Source:
    return banking77.restricted(FIVE).limited(40)


@pytest.fixture(scope="module")
def logreg(five: Source, tmp_path_factory: pytest.TempPathFactory) -> Candidate:
    out = tmp_path_factory.mktemp("logreg") / "bundle"
    # Without the hashed n-gram variant: its 2^18 features cost most of a minute on 2 cores.
    params = {"c_grid": [4.0, 16.0], "ngrams": False}
    return train(five, "embedding-logreg", out, params=params)


@pytest.fixture(scope="module")
def finetuned(banking77: Source, tmp_path_factory: pytest.TempPathFactory) -> Candidate:
    """3 labels x 12 examples, three optimiser steps, then the int8 ONNX export (seconds)."""
    three = banking77.restricted(THREE)
    tiny = Source("tiny", train=three.limited(36).train, validation=three.limited(9).validation)
    out = tmp_path_factory.mktemp("finetune") / "bundle"
    return train(tiny, "finetune", out, params=dict(FINETUNE))


def test_logreg_writes_a_calibrated_bundle_over_the_shared_encoder(
    logreg: Candidate, five: Source
) -> None:
    bundle = Bundle.load(logreg.bundle_dir)
    head = bundle.head("intent")
    assert set(bundle.heads) == {"intent"}
    assert head.labels == tuple(FIVE)
    assert head.temperature > 0
    assert bundle.encoder_dir is None
    assert logreg.params["trainer"] == "embedding-logreg"
    assert logreg.fit["C"] in (4.0, 16.0)
    assert logreg.fit["validation_accuracy"] > 0.6  # chance is 0.2
    scorer = Scorer.load(logreg.bundle_dir, shared=shared_encoder())
    assert scorer.encoder is shared_encoder()
    assert evaluate(scorer, five.test)["accuracy"] > 0.6


def test_a_validation_label_missing_from_train_does_not_stop_training(
    five: Source, tmp_path: Path
) -> None:
    # An organization's rare label whose only examples hashed into validation.
    rare = [("I would like to close my account for good", "close_account")]
    source = Source("org", train=five.train, validation=[*five.validation, *rare])
    params = {"c_grid": [4.0], "ngrams": False}
    candidate = train(source, "embedding-logreg", tmp_path / "bundle", params=params)
    assert Bundle.load(candidate.bundle_dir).head("intent").labels == tuple(FIVE)
    assert source.validation[-1] == rare[0]  # the caller's source is left as it was


def test_training_needs_two_labels_and_a_validation_split(five: Source, tmp_path: Path) -> None:
    one = five.restricted(FIVE[:1])
    with pytest.raises(ValueError, match="at least two labels"):
        train(one, "embedding-logreg", tmp_path / "one")
    with pytest.raises(ValueError, match="validation"):
        train(Source("org", train=five.train), "embedding-logreg", tmp_path / "none")
    with pytest.raises(ValueError, match="unknown trainer"):
        train(five, "magic", tmp_path / "magic")


def test_finetune_writes_a_bundle_with_its_own_int8_encoder(finetuned: Candidate) -> None:
    bundle_dir = finetuned.bundle_dir
    manifest = json.loads((bundle_dir / "manifest.json").read_text())
    assert manifest["encoder"] == "embedder"
    assert (bundle_dir / "embedder" / "model.onnx").exists()
    assert (bundle_dir / "embedder" / "tokenizer.json").exists()
    assert not (bundle_dir / "encoder-fp32").exists()
    assert Bundle.load(bundle_dir).head("intent").labels == tuple(THREE)
    assert finetuned.params["head"] == "cosine"
    assert finetuned.params["finetune_max_steps"] == 3
    assert [epoch["epoch"] for epoch in finetuned.history] == [1]
    assert finetuned.fit["finetune_best_epoch"] == 1.0


def test_a_finetuned_bundle_is_scored_through_its_own_encoder(finetuned: Candidate) -> None:
    scorer = Scorer.load(finetuned.bundle_dir, shared=shared_encoder())
    assert isinstance(scorer.encoder, OnnxEmbedder)
    assert scorer.encoder is not shared_encoder()
    probabilities = scorer.probabilities(["My card has not arrived yet", "My PIN is blocked"])
    assert probabilities.shape == (2, 3)
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    result = evaluate(scorer, [("Where is my new card?", "card_arrival")])
    assert 0.0 <= result["accuracy"] <= 1.0


def test_the_model_store_and_pipeline_serve_a_finetuned_version(
    finetuned: Candidate, tmp_path: Path
) -> None:
    org = str(uuid.uuid4())
    shutil.copytree(finetuned.bundle_dir, tmp_path / org / "intent" / "7")
    default = Bundle.load(DEFAULT_BUNDLE)
    bundle = ModelStore(tmp_path, default).load(f"{org}/intent/7")
    assert bundle.encoder is not None
    assert bundle.head("intent").labels == tuple(THREE)
    assert bundle.head("sentiment") is default.head("sentiment")

    texts = ["My card still hasn't arrived, when will it come?", "My PIN is blocked"]
    prepared = [prepare(t) for t in texts]
    shared = shared_encoder().encode(prepared)
    own = bundle.encoder.encode(prepared)
    assert np.abs(own - shared).max() > 1e-3  # the check below tells the two apart
    analyses = LocalClassifier(default).analyse(texts, prepared, shared, bundle=bundle)
    expected = bundle.head("intent").predict_proba(own, prepared).max(axis=1)
    for analysis, confidence in zip(analyses, expected, strict=True):
        classification = analysis.classification
        assert classification.model_version == "intent:7"
        assert classification.model_versions["intent"] == "intent:7"
        assert classification.intent.label in THREE
        assert classification.intent.confidence == pytest.approx(float(confidence), abs=1e-4)
