"""The whole local path in-process: the shipped default bundle on the real int8 encoder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.bundle import DEFAULT_BUNDLE, Bundle
from models.embedder import OnnxEmbedder
from models.heads import LinearHead
from models.pipeline import prepare
from models.registry import ModelStore, model_id
from models.service import ClassifierService

ORG = "0b7d4a52-6f0e-4d1c-9a3e-3c2f8e1d5b60"

LONG_EMAIL = """Hello team,

I've been a customer for a few years and usually everything goes smoothly. I bought a few
things from you last month for my daughter's birthday. I tried to sort this out myself
yesterday but didn't get anywhere.

I would like to cancel order #B-77120 before it ships, please.

Kind regards,
Maria Rossi
Operations Manager | Example Ltd | +44 20 7946 0958

On Tue, 3 Mar 2025 at 09:14, Support <support@shop.example> wrote:
> Thanks for contacting us about your delivery address. It has been updated.
> Best, the Support team
"""


def test_cleaning_keeps_the_request_and_drops_thread_and_signature() -> None:
    cleaned = prepare(LONG_EMAIL)
    assert "cancel order #B-77120" in cleaned
    assert "delivery address" not in cleaned
    assert "Operations Manager" not in cleaned


def test_a_long_email_is_classified_by_its_request(classifier_service: ClassifierService) -> None:
    (result,) = classifier_service.classify([LONG_EMAIL])
    assert result.intent.label == "cancel_order"
    assert result.category.label == "ORDER"
    assert result.language.label == "en"
    assert {span.type for span in result.pii} >= {"phone", "email"}
    assert result.intent.runner_up is not None
    assert result.intent.confidence >= result.intent.runner_up.confidence


def test_positive_and_negative_messages_get_their_sentiment(
    classifier_service: ClassifierService,
) -> None:
    happy, angry = classifier_service.classify(
        [
            "Thank you so much, the replacement arrived early and works perfectly!",
            "This is the worst service ever. Two weeks and still no refund. Disgusting.",
        ]
    )
    assert happy.sentiment.label == "positive" and happy.sentiment.score > 0.3
    assert angry.sentiment.label == "negative" and angry.sentiment.score < -0.3
    assert angry.priority.score > happy.priority.score


def test_the_review_threshold_is_a_parameter(classifier_service: ClassifierService) -> None:
    text = "I have a question about my order"
    (relaxed,) = classifier_service.classify([text], review_threshold=0.0)
    (strict,) = classifier_service.classify([text], review_threshold=1.0)
    assert not relaxed.needs_review or relaxed.language.label != "en"
    assert strict.needs_review


def test_the_encoder_is_close_to_fp32_torch() -> None:
    from models.embedder import SentenceTransformerEmbedder, minilm_path

    texts = [prepare(LONG_EMAIL), "where is my refund", "I want to change my shipping address"]
    fast = OnnxEmbedder(DEFAULT_BUNDLE / "embedder").encode(texts)
    exact = SentenceTransformerEmbedder(minilm_path()).encode(texts)
    assert (fast * exact).sum(axis=1).min() > 0.98
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-3)


def test_background_encoding_is_identical_and_runs_on_low_priority_threads() -> None:
    import os
    import threading

    encoder = OnnxEmbedder(DEFAULT_BUNDLE / "embedder", threads=2)
    texts = ["where is my parcel", "refund please", "cancel the order I placed yesterday"]
    assert np.array_equal(encoder.encode(texts, background=True), encoder.encode(texts))
    nice = encoder._background.submit(
        lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    ).result()
    assert nice == 19


def test_batching_keeps_each_text_in_its_row() -> None:
    # Dynamic int8 quantisation scales activations per batch, so vectors move a little with the
    # batch's company (bucketing by length keeps that small); each row must stay its own text's.
    encoder = OnnxEmbedder(DEFAULT_BUNDLE / "embedder", batch_size=2)
    texts = ["short", prepare(LONG_EMAIL), "a slightly longer request about invoices", "hi"]
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([t]) for t in texts])
    similarity = together @ alone.T
    assert (similarity.argmax(axis=1) == np.arange(len(texts))).all()
    assert np.diag(similarity).min() > 0.97
    assert encoder.encode([]).shape == (0, encoder.dim)


def _org_bundle(directory: Path, dim: int) -> None:
    head = LinearHead(
        "org-intent",
        "2",
        ("billing", "other"),
        np.random.default_rng(3).normal(size=(2, dim)).astype(np.float32),
        np.zeros(2, dtype=np.float32),
    )
    Bundle("org", "2", {"intent": head}, categories={"billing": "MONEY"}).save(directory)


def test_an_organization_bundle_overlays_the_default(tmp_path: Path) -> None:
    default = Bundle.load(DEFAULT_BUNDLE)
    store = ModelStore(tmp_path, default, capacity=1)
    ident = model_id(ORG, "org", "2")
    _org_bundle(tmp_path / ident, default.head("intent").dim)
    loaded = store.load(ident)
    assert loaded.head("intent").ref == "org:2"  # the registry's name and version, from the id
    assert loaded.head("sentiment") is default.head("sentiment")
    assert loaded.categories == {"billing": "MONEY"}
    assert store.load(ident) is loaded  # cached
    assert store.load("") is default


@pytest.mark.parametrize(
    "bad", ["../etc/passwd", f"{ORG}/../../x/1", "not-a-uuid/name/1", f"{ORG}/Name/1", f"{ORG}/n"]
)
def test_model_ids_cannot_escape_the_store(tmp_path: Path, bad: str) -> None:
    store = ModelStore(tmp_path, Bundle.load(DEFAULT_BUNDLE))
    with pytest.raises(ValueError):
        store.load(bad)


def test_a_missing_bundle_is_a_clear_error(tmp_path: Path) -> None:
    store = ModelStore(tmp_path, Bundle.load(DEFAULT_BUNDLE))
    with pytest.raises(FileNotFoundError, match=r"manifest\.json"):
        store.load(model_id(ORG, "ghost", "1"))


def test_a_bundle_naming_an_unknown_head_is_refused(tmp_path: Path) -> None:
    default = Bundle.load(DEFAULT_BUNDLE)
    Bundle("odd", "1", {"intent": default.head("intent")}).save(tmp_path)
    manifest = (tmp_path / "manifest.json").read_text().replace('"intent"', '"mood"', 1)
    (tmp_path / "manifest.json").write_text(manifest)
    with pytest.raises(ValueError, match="unknown heads"):
        Bundle.load(tmp_path)
