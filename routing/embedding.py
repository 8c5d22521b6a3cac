"""Who embeds knowledge and questions: Serve through a handle, or the encoder in-process.

The knowledge base knows only `EmbedderBackend`; `serve/handles.py` provides the handle-backed
one, and the in-process one serves `python -m api.main`, the pipeline and the tests.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from models.bundle import DEFAULT_BUNDLE
from models.embedder import Embedder, OnnxEmbedder
from models.heads import FloatArray
from models.service import ClassifierService

BASE_NAME = "all-MiniLM-L6-v2-int8"


class EmbedderBackend(Protocol):
    """Texts → an nxd float32 matrix of L2-normalised rows; `name` identifies the vectors'
    space, so vectors stored under another name are never compared with these."""

    name: str

    async def embed(self, texts: Sequence[str]) -> FloatArray: ...


def embedder_name(bundle_dir: Path | None = None) -> str:
    """The encoder's name plus its weights' digest: a re-exported encoder is a new space."""
    digest = str(_embedder_manifest(bundle_dir or DEFAULT_BUNDLE).get("sha256", ""))
    return f"{BASE_NAME}@{digest[:12]}" if digest else BASE_NAME


def normalized(vectors: FloatArray) -> FloatArray:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix.reshape(1, -1)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    result: FloatArray = (matrix / np.maximum(norms, 1e-12)).astype(np.float32)
    return result


class InProcessEmbedder:
    """The int8 encoder in this process, loaded on first use and run off the event loop.

    Give it the ClassifierService already loaded (or a coroutine that loads it, such as the
    in-process classifier's) so the API holds one encoder, not two."""

    def __init__(
        self,
        bundle_dir: Path | None = None,
        *,
        service: ClassifierService | None = None,
        loader: Callable[[], Awaitable[ClassifierService]] | None = None,
    ) -> None:
        self._bundle_dir = bundle_dir or DEFAULT_BUNDLE
        self._service = service
        self._loader = loader
        self._encoder: Embedder | None = service.embedder if service is not None else None
        self._lock = asyncio.Lock()
        self.name = embedder_name(self._bundle_dir)

    async def _loaded(self) -> Embedder:
        async with self._lock:
            if self._encoder is None:
                if self._loader is not None:
                    self._encoder = (await self._loader()).embedder
                else:
                    self._encoder = await asyncio.to_thread(_load_encoder, self._bundle_dir)
            return self._encoder

    async def embed(self, texts: Sequence[str]) -> FloatArray:
        encoder = await self._loaded()
        if not texts:
            return np.zeros((0, encoder.dim), dtype=np.float32)
        return normalized(await asyncio.to_thread(encoder.encode, list(texts)))


def _embedder_manifest(bundle_dir: Path) -> dict[str, Any]:
    # The manifest alone: loading the whole bundle would read every head's weights too.
    try:
        manifest = json.loads((bundle_dir / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}
    section = manifest.get("embedder") if isinstance(manifest, dict) else None
    return section if isinstance(section, dict) else {}


def _load_encoder(bundle_dir: Path) -> Embedder:
    section = _embedder_manifest(bundle_dir)
    return OnnxEmbedder(
        bundle_dir / str(section.get("dir", "embedder")),
        max_tokens=int(section.get("max_tokens", 256)),
    )
