"""Embedder and Classifier on a real local Ray Serve: batching, multiplexing, overload, health."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import ray
from ray import serve

from models.bundle import DEFAULT_BUNDLE, Bundle
from models.heads import LinearHead
from models.pipeline import prepare
from models.registry import model_id
from serve.handles import GatheringClassifier, HandleClassifier
from serve.models import Classifier, Embedder
from store.errors import Retriable
from training.embedder import ensure as ensure_embedder

APP = "models-under-test"


@pytest.fixture(scope="module")
def org_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("org-models")


@pytest.fixture(scope="module")
def handle(org_models: Path) -> Iterator[Any]:
    ensure_embedder()
    ray.init(num_cpus=2, include_dashboard=False, runtime_env={"env_vars": {"HF_HUB_OFFLINE": "1"}})
    try:
        encoder: Any = Embedder
        heads: Any = Classifier
        app = heads.options(max_queued_requests=4, max_ongoing_requests=2).bind(
            encoder.options(ray_actor_options={"num_cpus": 0.25}).bind(
                str(DEFAULT_BUNDLE), threads=1, max_batch_size=8, batch_wait_timeout_s=0.01
            ),
            str(DEFAULT_BUNDLE),
            str(org_models),
        )
        yield serve.run(app, name=APP, route_prefix=None)
    finally:
        serve.delete(APP)
        ray.shutdown()


async def test_concurrent_requests_are_classified_through_the_batched_encoder(handle: Any) -> None:
    backend = HandleClassifier(handle)
    texts = ["I want to track my order", "I want a refund", "reset my password please"]
    results = await asyncio.gather(
        *(backend.classify([t], model_id="", review_threshold=None) for t in texts)
    )
    labels = [r[0].intent.label for r in results]
    assert labels == ["track_order", "get_refund", "recover_password"]
    status = serve.status().applications[APP].deployments
    assert {"Embedder", "Classifier"} <= set(status)


async def test_concurrent_callers_are_gathered_into_fewer_calls_with_their_own_answers(
    handle: Any,
) -> None:
    class Counting(HandleClassifier):
        calls = 0

        async def classify(self, texts: Any, *, model_id: str, review_threshold: Any) -> Any:
            Counting.calls += 1
            return await super().classify(
                texts, model_id=model_id, review_threshold=review_threshold
            )

    gathering = GatheringClassifier(Counting(handle))
    texts = ["I want to track my order", "I want a refund", "reset my password please"] * 4
    results = await asyncio.gather(
        *(gathering.classify([t], model_id="", review_threshold=None) for t in texts)
    )
    assert [r[0].intent.label for r in results] == [
        "track_order",
        "get_refund",
        "recover_password",
    ] * 4
    assert Counting.calls < len(texts)
    before = Counting.calls
    other = await gathering.classify(texts[:2], model_id="", review_threshold=0.9)
    assert [r.intent.label for r in other] == ["track_order", "get_refund"]
    assert Counting.calls == before + 1  # another threshold: a call of its own


async def test_background_classification_gives_the_same_answers(handle: Any) -> None:
    texts = ["I want to track my order", "I want a refund", "reset my password please"]
    fore = await HandleClassifier(handle).classify(texts, model_id="", review_threshold=None)
    back = await HandleClassifier(handle, background=True).classify(
        texts, model_id="", review_threshold=None
    )
    assert [r.model_dump() for r in back] == [r.model_dump() for r in fore]


async def test_an_organization_model_is_multiplexed_by_id(handle: Any, org_models: Path) -> None:
    org = str(uuid.uuid4())
    ident = model_id(org, "custom", "3")
    head = LinearHead(
        "custom-intent",
        "3",
        ("yes", "no"),
        np.random.default_rng(0).normal(size=(2, 384)).astype(np.float32),
        np.zeros(2, dtype=np.float32),
    )
    Bundle("custom", "3", {"intent": head}).save(org_models / ident)
    backend = HandleClassifier(handle)
    (custom,) = await backend.classify(["hello"], model_id=ident, review_threshold=0.1)
    (default,) = await backend.classify(["hello"], model_id="", review_threshold=0.1)
    assert custom.model_version == "custom:3"  # the registry's name and version, from the id
    assert default.model_version == "default-intent:1"


def _head(labels: tuple[str, ...], seed: int) -> LinearHead:
    weights = np.random.default_rng(seed).normal(size=(len(labels), 384)).astype(np.float32)
    return LinearHead("intent", "0", labels, weights, np.zeros(len(labels), dtype=np.float32))


async def test_a_promotion_swaps_versions_under_traffic_without_a_failed_request(
    handle: Any, org_models: Path
) -> None:
    """Version 2 brings its own (fine-tuned) encoder; callers switch ids mid-traffic, as they do
    when the champion alias moves: every request succeeds, and after the switch every answer
    comes from version 2."""
    org = str(uuid.uuid4())
    old, new = model_id(org, "intent", "1"), model_id(org, "intent", "2")
    Bundle("intent", "1", {"intent": _head(("a", "b"), 1)}).save(org_models / old)
    Bundle("intent", "2", {"intent": _head(("x", "y", "z"), 2)}, encoder_dir="embedder").save(
        org_models / new
    )
    shutil.copytree(DEFAULT_BUNDLE / "embedder", org_models / new / "embedder")
    backend = HandleClassifier(handle)
    serving, seen, failures = [old], [], []

    async def caller() -> None:
        for _ in range(40):
            try:
                (result,) = await backend.classify(
                    ["Where is my card?"], model_id=serving[0], review_threshold=None
                )
                seen.append(result.model_version)
            except Exception as exc:  # counted: the assertion below is that there are none
                failures.append(exc)
            await asyncio.sleep(0.01)

    async def promote() -> None:
        await asyncio.sleep(0.2)
        serving[0] = new

    await asyncio.gather(caller(), caller(), promote())
    assert failures == []
    assert seen[0] == "intent:1" and seen[-1] == "intent:2"
    first_new = seen.index("intent:2")
    assert set(seen[first_new + 2 :]) == {"intent:2"}  # in-flight calls may finish on v1
    (result,) = await backend.classify(["Where is my card?"], model_id=new, review_threshold=None)
    assert result.intent.label in {"x", "y", "z"}


async def test_a_missing_organization_model_is_a_retriable_error(handle: Any) -> None:
    ghost = model_id(str(uuid.uuid4()), "ghost", "1")
    with pytest.raises(Retriable):
        await HandleClassifier(handle).classify(["hi"], model_id=ghost, review_threshold=None)
    gathering = GatheringClassifier(HandleClassifier(handle))
    outcomes = await asyncio.gather(
        *(gathering.classify([t], model_id=ghost, review_threshold=None) for t in ("a", "b")),
        return_exceptions=True,
    )
    assert all(isinstance(o, Retriable) for o in outcomes)  # every gathered caller is told


async def test_overload_is_refused_with_retry_after_instead_of_queueing(handle: Any) -> None:
    backend = HandleClassifier(handle)
    long_text = "I would like to know where my parcel is. " * 40
    outcomes = await asyncio.gather(
        *(backend.classify([long_text] * 8, model_id="", review_threshold=None) for _ in range(40)),
        return_exceptions=True,
    )
    refused = [o for o in outcomes if isinstance(o, Retriable)]
    served = [o for o in outcomes if isinstance(o, list)]
    assert refused and served, outcomes
    assert all(r.retry_after >= 1 for r in refused)


def test_health_checks_run_the_real_models() -> None:
    ensure_embedder()
    encoder = Embedder.func_or_class(str(DEFAULT_BUNDLE), threads=1)
    encoder.check_health()
    assert encoder.model.dim == 384


async def test_the_model_classes_work_in_process(org_models: Path) -> None:
    """The deployments' plain classes (`@serve.batch` itself needs a replica: covered above)."""
    ensure_embedder()
    encoder = Embedder.func_or_class(str(DEFAULT_BUNDLE), threads=1)
    heads = Classifier.func_or_class(None, str(DEFAULT_BUNDLE), str(org_models))
    heads.check_health()
    texts = ["I need a copy of my invoice", "bonjour"]
    prepared = [prepare(text) for text in texts]
    vectors = encoder.model.encode(prepared)
    results = heads.answer(texts, prepared, vectors, heads.store.default, 0.6)
    assert results[0].intent.label in {"get_invoice", "check_invoice"}
    assert results[1].needs_review
