"""Where organization model bundles live on disk, and how a model id names one.

A model id is `<organization uuid>/<name>/<version>`; its bundle is `<root>/<id>/`. Ids are
validated before they touch the filesystem, so an id can never name a path outside the root.
The id carries the version, so a promotion is a new id: serving loads it beside the old one
and no request ever sees a half-swapped model. A bundle missing on this machine (another node
trained it) is fetched through `fetch` (the model registry's artifact store) first.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from threading import Lock

from models.bundle import Bundle

Fetch = Callable[[str, Path], None]

MODEL_ID = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/[a-z0-9][a-z0-9_.-]{0,99}"
    r"/[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"
)


def model_id(organization_id: str, name: str, version: str) -> str:
    value = f"{organization_id}/{name}/{version}"
    if not MODEL_ID.match(value) or ".." in value:
        raise ValueError(f"not a valid model id: {value!r}")
    return value


def parse_model_id(value: str) -> tuple[str, str, str]:
    if not MODEL_ID.match(value) or ".." in value:
        raise ValueError(f"not a valid model id: {value!r}")
    organization_id, name, version = value.split("/")
    return organization_id, name, version


def registered_name(organization_id: str, name: str) -> str:
    """The model registry's (MLflow's) name of an organization's model `name`."""
    return f"sb-{organization_id}-{name}"


class ModelStore:
    """Loads organization bundles over the default one, keeping the most recent few in memory."""

    def __init__(
        self, root: Path, default: Bundle, *, capacity: int = 8, fetch: Fetch | None = None
    ) -> None:
        self.root = root
        self.default = default
        self.capacity = capacity
        self.fetch = fetch
        self._loaded: OrderedDict[str, Bundle] = OrderedDict()
        self._lock = Lock()

    def path(self, model_id: str) -> Path:
        if not MODEL_ID.match(model_id) or ".." in model_id:
            raise ValueError(f"not a valid model id: {model_id!r}")
        return self.root / model_id

    def load(self, model_id: str) -> Bundle:
        """The default bundle for "", else the organization's heads over the default ones."""
        if not model_id:
            return self.default
        with self._lock:
            if model_id in self._loaded:
                self._loaded.move_to_end(model_id)
                return self._loaded[model_id]
        path = self.path(model_id)
        if not (path / "manifest.json").exists() and self.fetch is not None:
            self.fetch(model_id, path)
        _, name, version = parse_model_id(model_id)
        own = Bundle.load(path)
        bundle = own.over(self.default).named(name, version, tuple(own.heads))
        if bundle.encoder_dir:
            from models.embedder import OnnxEmbedder

            encoder = OnnxEmbedder(path / bundle.encoder_dir, threads=1)
            bundle = replace(bundle, encoder=encoder)
        with self._lock:
            self._loaded[model_id] = bundle
            while len(self._loaded) > self.capacity:
                self._loaded.popitem(last=False)
        return bundle
