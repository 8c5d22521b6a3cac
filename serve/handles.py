"""The API's classifier backend over a Serve handle: overload becomes a 503 with Retry-After."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from ray.exceptions import RayActorError, RayTaskError
from ray.serve.exceptions import BackPressureError, DeploymentUnavailableError
from ray.serve.handle import DeploymentHandle

from models.contract import Classification
from store.errors import Retriable


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
