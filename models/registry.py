"""Where organization model bundles live on disk, and how a model id names one.

A model id is `<organization uuid>/<name>/<version>`; its bundle is `<root>/<id>/`. Ids are
validated before they touch the filesystem, so an id can never name a path outside the root.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from pathlib import Path
from threading import Lock

from models.bundle import Bundle

MODEL_ID = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/[a-z0-9][a-z0-9_.-]{0,99}"
    r"/[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"
)


def model_id(organization_id: str, name: str, version: str) -> str:
    value = f"{organization_id}/{name}/{version}"
    if not MODEL_ID.match(value) or ".." in value:
        raise ValueError(f"not a valid model id: {value!r}")
    return value


class ModelStore:
    """Loads organization bundles over the default one, keeping the most recent few in memory."""

    def __init__(self, root: Path, default: Bundle, *, capacity: int = 8) -> None:
        self.root = root
        self.default = default
        self.capacity = capacity
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
        bundle = Bundle.load(self.path(model_id)).over(self.default)
        with self._lock:
            self._loaded[model_id] = bundle
            while len(self._loaded) > self.capacity:
                self._loaded.popitem(last=False)
        return bundle
