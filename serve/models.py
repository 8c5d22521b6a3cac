"""The local-model deployments: `Embedder` (batched encoder) and `Classifier` (all heads).

Model logic lives in `models/`; these classes only add batching, multiplexing of organization
models, health checks and the thread settings of a replica.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from ray import serve
from ray.serve.handle import DeploymentHandle

from models.bundle import Bundle
from models.contract import Classification
from models.embedder import OnnxEmbedder, lower_thread_priority
from models.heads import FloatArray
from models.pipeline import LocalClassifier, own_embeddings, prepare
from models.registry import ModelStore
from serve.artifacts import fetch_from_registry

HEALTH_PROBE = "Where is my order? It was due on Monday."


def _pin_threads(threads: int) -> None:
    # Numeric libraries size their pools from the core count, not the replica's CPU share.
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[name] = str(threads)


def _prepare_all(texts: list[str]) -> list[str]:
    return [prepare(text) for text in texts]


@serve.deployment(
    name="Embedder",
    ray_actor_options={"num_cpus": 0.5},
    max_ongoing_requests=64,
    max_queued_requests=512,
    health_check_period_s=10,
    logging_config={"enable_access_log": False, "log_level": "WARNING"},
)
class Embedder:
    """Encodes texts; concurrent requests are merged into batches of up to `max_batch_size`."""

    def __init__(
        self,
        bundle_dir: str,
        *,
        threads: int = 2,
        max_tokens: int = 256,
        max_batch_size: int = 32,
        batch_wait_timeout_s: float = 0.004,
    ) -> None:
        _pin_threads(threads)
        self.model = OnnxEmbedder(
            Path(bundle_dir) / "embedder", max_tokens=max_tokens, threads=threads
        )
        batcher: Any = self.encode_one
        batcher.set_max_batch_size(max_batch_size)
        batcher.set_batch_wait_timeout_s(batch_wait_timeout_s)

    # Two batches in flight: while one waits for its thread, the next is encoded on the other
    # core (ONNX Runtime releases the GIL); one at a time left a core idle under load.
    @serve.batch(max_batch_size=32, batch_wait_timeout_s=0.004, max_concurrent_batches=2)
    async def encode_one(self, texts: list[str]) -> list[FloatArray]:
        vectors = await asyncio.to_thread(self.model.encode, texts)
        return list(vectors)

    @serve.batch(max_batch_size=64, batch_wait_timeout_s=0.01)
    async def encode_background_one(self, texts: list[str]) -> list[FloatArray]:
        vectors = await asyncio.to_thread(self.model.encode, texts, background=True)
        return list(vectors)

    async def encode_background(self, texts: Sequence[str]) -> FloatArray:
        """For background work (the ingestion pipeline): its own batches, on low-priority
        threads, so a backlog never slows interactive requests on the same cores."""
        vectors = await asyncio.gather(*(self.encode_background_one(t) for t in texts))
        return np.stack(vectors) if vectors else np.zeros((0, self.model.dim), dtype=np.float32)

    async def encode(self, texts: Sequence[str]) -> FloatArray:
        vectors = await asyncio.gather(*(self.encode_one(text) for text in texts))
        return np.stack(vectors).astype(np.float32)

    def check_health(self) -> None:
        vector = self.model.encode([HEALTH_PROBE])
        if vector.shape != (1, self.model.dim) or not np.isfinite(vector).all():
            raise RuntimeError("the encoder returned an invalid vector")


@serve.deployment(
    name="Classifier",
    ray_actor_options={"num_cpus": 0.25},
    max_ongoing_requests=64,
    max_queued_requests=512,
    health_check_period_s=10,
    logging_config={"enable_access_log": False, "log_level": "WARNING"},
)
class Classifier:
    """All heads over one embedding per text; an organization's model is multiplexed by id."""

    def __init__(
        self, embedder: DeploymentHandle[Any], bundle_dir: str, org_models_dir: str
    ) -> None:
        _pin_threads(1)
        self.embedder = embedder
        bundle = Bundle.load(Path(bundle_dir))
        self.store = ModelStore(Path(org_models_dir), bundle, fetch=fetch_from_registry)
        self.local = LocalClassifier(bundle)
        self._background = ThreadPoolExecutor(1, "classify-bg", initializer=lower_thread_priority)

    @serve.multiplexed(max_num_models_per_replica=8)  # type: ignore[untyped-decorator]
    async def bundle_for(self, model_id: str) -> Bundle:
        return await asyncio.to_thread(self.store.load, model_id)

    async def classify(
        self, texts: list[str], review_threshold: float | None = None
    ) -> list[Classification]:
        model_id = serve.get_multiplexed_model_id()
        bundle = await self.bundle_for(model_id) if model_id else self.store.default
        prepared = [prepare(text) for text in texts]
        embeddings = await self.embed(prepared)
        own = await asyncio.to_thread(own_embeddings, bundle, prepared) if bundle.encoder else None
        return self.answer(texts, prepared, embeddings, bundle, review_threshold, own)

    async def classify_background(
        self, texts: list[str], review_threshold: float | None = None
    ) -> list[Classification]:
        """`classify` for background work: the same answers, computed on low-priority threads
        (here and in the Embedder), so the pipeline never slows an interactive request."""
        model_id = serve.get_multiplexed_model_id()
        bundle = await self.bundle_for(model_id) if model_id else self.store.default
        loop = asyncio.get_running_loop()
        prepared = await loop.run_in_executor(self._background, _prepare_all, texts)
        embeddings = await self.embedder.encode_background.remote(prepared)
        own = None
        if bundle.encoder:
            own = await loop.run_in_executor(self._background, own_embeddings, bundle, prepared)
        return await loop.run_in_executor(
            self._background,
            self.answer,
            texts,
            prepared,
            embeddings,
            bundle,
            review_threshold,
            own,
        )

    def answer(
        self,
        texts: list[str],
        prepared: list[str],
        embeddings: FloatArray,
        bundle: Bundle,
        review_threshold: float | None,
        own: FloatArray | None = None,
    ) -> list[Classification]:
        analyses = self.local.analyse(
            texts,
            prepared,
            embeddings,
            bundle=bundle,
            review_threshold=review_threshold,
            intent_embeddings=own,
        )
        return [analysis.classification for analysis in analyses]

    @serve.batch(max_batch_size=32, batch_wait_timeout_s=0.002, max_concurrent_batches=4)
    async def embed(self, requests: list[list[str]]) -> list[FloatArray]:
        """One Embedder call for the texts of the requests waiting here (up to four calls in
        flight): a handle call costs this replica more CPU than the analysis itself."""
        texts = [text for request in requests for text in request]
        vectors: Any = await self.embedder.encode.remote(texts)
        out, start = [], 0
        for request in requests:
            out.append(vectors[start : start + len(request)])
            start += len(request)
        return out

    def check_health(self) -> None:
        probe = np.zeros((1, self.store.default.head("intent").dim), dtype=np.float32)
        probe[0, 0] = 1.0
        self.local.analyse([HEALTH_PROBE], [HEALTH_PROBE], probe)
