"""The one list of connectors: every module of this package that defines `SPEC` (or `SPECS`, for
a provider family such as Meta's) is a connector. Adding a connector is adding its module."""

from __future__ import annotations

import importlib
import pkgutil

from ingestion import connectors
from ingestion.connectors.base import ConnectorSpec


def _discover() -> dict[str, ConnectorSpec]:
    found: dict[str, ConnectorSpec] = {}
    for info in sorted(pkgutil.iter_modules(connectors.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{connectors.__name__}.{info.name}")
        specs = list(getattr(module, "SPECS", ()))
        if isinstance(getattr(module, "SPEC", None), ConnectorSpec):
            specs.append(module.SPEC)
        for spec in specs:
            if spec.slug in found and found[spec.slug] is not spec:
                raise RuntimeError(f"two connectors claim the slug {spec.slug!r}")
            found[spec.slug] = spec
    return found


REGISTRY: dict[str, ConnectorSpec] = _discover()


def get_spec(slug: str) -> ConnectorSpec | None:
    return REGISTRY.get(slug)


def catalogue() -> list[ConnectorSpec]:
    return sorted(REGISTRY.values(), key=lambda s: s.slug)
