"""The API's classifier and embedder backends over Serve handles: overload becomes a 503 with
Retry-After."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

import numpy as np
from ray.exceptions import RayActorError, RayTaskError
from ray.serve.exceptions import BackPressureError, DeploymentUnavailableError
from ray.serve.handle import DeploymentHandle

from models.contract import Classification
from models.heads import FloatArray
from routing.embedding import embedder_name, normalized
from routing.router import RouteRequest, RouteResult
from routing.streaming import StreamItem
from store.errors import Retriable, SwitchboardError


class HandleClassifier:
    """Calls the `Classifier` deployment, routing an organization's model by multiplexed id."""

    def __init__(self, handle: DeploymentHandle[Any], *, background: bool = False) -> None:
        self.handle = handle
        # Background callers (the ingestion pipeline) get low-priority CPU on the replicas.
        self.method = "classify_background" if background else "classify"

    async def classify(
        self, texts: Sequence[str], *, model_id: str, review_threshold: float | None
    ) -> list[Classification]:
        handle = self.handle.options(multiplexed_model_id=model_id) if model_id else self.handle
        try:
            result: list[Classification] = await getattr(handle, self.method).remote(
                list(texts), review_threshold
            )
        except BackPressureError as exc:
            raise Retriable("the classifier is at capacity; retry shortly", retry_after=1) from exc
        except (DeploymentUnavailableError, RayActorError) as exc:
            raise Retriable("the classifier is restarting; retry shortly", retry_after=2) from exc
        except RayTaskError as exc:
            if isinstance(exc.cause, FileNotFoundError | ValueError):
                raise Retriable(
                    "the organization's model could not be loaded", retry_after=5
                ) from exc
            raise
        return result


class GatheringClassifier:
    """Merges the texts of concurrent callers (same model and threshold) into one handle call:
    the call, not the texts, is what costs the ingress and the Classifier most."""

    def __init__(self, inner: HandleClassifier, *, max_texts: int = 64, wait_s: float = 0.004):
        self.inner = inner
        self.max_texts = max_texts
        self.wait_s = wait_s
        self._pending: dict[tuple[str, float | None], list[tuple[list[str], Any]]] = {}

    async def classify(
        self, texts: Sequence[str], *, model_id: str, review_threshold: float | None
    ) -> list[Classification]:
        key = (model_id, review_threshold)
        future: asyncio.Future[list[Classification]] = asyncio.get_running_loop().create_future()
        queue = self._pending.setdefault(key, [])
        queue.append((list(texts), future))
        if len(queue) == 1:
            asyncio.get_running_loop().call_later(self.wait_s, self._flush_soon, key)
        elif sum(len(t) for t, _ in queue) >= self.max_texts:
            self._flush_soon(key)
        return await future

    def _flush_soon(self, key: tuple[str, float | None]) -> None:
        waiting = self._pending.pop(key, None)
        if waiting:
            asyncio.get_running_loop().create_task(self._flush(key, waiting))

    async def _flush(
        self, key: tuple[str, float | None], waiting: list[tuple[list[str], Any]]
    ) -> None:
        texts = [t for chunk, _ in waiting for t in chunk]
        try:
            results = await self.inner.classify(texts, model_id=key[0], review_threshold=key[1])
        except BaseException as exc:
            for _, future in waiting:
                if not future.done():
                    future.set_exception(exc)
            return
        start = 0
        for chunk, future in waiting:
            if not future.done():
                future.set_result(results[start : start + len(chunk)])
            start += len(chunk)


class HandleEmbedder:
    """Calls the `Embedder` deployment's `encode`: the knowledge base's vectors, from the same
    replicas (and the same batches) that serve classification."""

    def __init__(self, handle: DeploymentHandle[Any], *, name: str | None = None) -> None:
        self.handle = handle
        # The deployment serves the default bundle's encoder unless configured otherwise.
        self.name = name or embedder_name()

    async def embed(self, texts: Sequence[str]) -> FloatArray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        try:
            vectors: FloatArray = await self.handle.encode.remote(list(texts))
        except BackPressureError as exc:
            raise Retriable("the embedder is at capacity; retry shortly", retry_after=1) from exc
        except (DeploymentUnavailableError, RayActorError) as exc:
            raise Retriable("the embedder is restarting; retry shortly", retry_after=2) from exc
        return normalized(vectors)


class HandleRouter:
    """Calls the `Router` deployment; the router's own errors reach the caller as themselves."""

    def __init__(self, handle: DeploymentHandle[Any]) -> None:
        self.handle = handle
        self.streaming = handle.options(stream=True)

    async def complete(self, call: RouteRequest) -> RouteResult:
        try:
            result: RouteResult = await self.handle.complete.remote(call)
        except Exception as exc:
            raise _router_error(exc) from None
        return result

    async def stream(self, call: RouteRequest) -> AsyncIterator[StreamItem]:
        try:
            items: Any = self.streaming.stream.remote(call)
            async for item in items:
                yield item
        except Exception as exc:
            raise _router_error(exc) from None


def _router_error(exc: Exception) -> Exception:
    if isinstance(exc, RayTaskError) and isinstance(exc.cause, SwitchboardError):
        return exc.cause
    if isinstance(exc, BackPressureError):
        return Retriable("the router is at capacity; retry shortly", retry_after=1)
    if isinstance(exc, DeploymentUnavailableError | RayActorError):
        return Retriable("the router is restarting; retry shortly", retry_after=2)
    return exc
