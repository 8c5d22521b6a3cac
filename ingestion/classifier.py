"""Who classifies for the API and the pipeline: Serve through a handle, or the models in-process.

Both know only this protocol; `serve/` provides the handle-backed one, and the in-process one
serves `python -m api.main` and the tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from models.contract import Classification
from models.service import ClassifierService


class ClassifierBackend(Protocol):
    """Classifies texts with the default model, or the organization model named by `model_id`."""

    async def classify(
        self, texts: Sequence[str], *, model_id: str, review_threshold: float | None
    ) -> list[Classification]: ...


class InProcessClassifier:
    """The local models in this process, loaded on first use and run off the event loop."""

    def __init__(
        self,
        model_root: Path,
        bundle_dir: Path | None = None,
        *,
        service: ClassifierService | None = None,
    ) -> None:
        self._model_root = model_root
        self._bundle_dir = bundle_dir
        self._lock = asyncio.Lock()
        self._service = service

    async def service(self) -> ClassifierService:
        """The loaded models (loaded on first use); the in-process embedder shares them."""
        async with self._lock:
            if self._service is None:
                self._service = await asyncio.to_thread(
                    ClassifierService.load, self._bundle_dir, self._model_root
                )
            return self._service

    async def classify(
        self, texts: Sequence[str], *, model_id: str, review_threshold: float | None
    ) -> list[Classification]:
        service = await self.service()
        return await asyncio.to_thread(
            service.classify, list(texts), model_id=model_id, review_threshold=review_threshold
        )
