"""The one list of connectors. Adding a connector is adding its module's SPEC here."""

from __future__ import annotations

from ingestion.connectors import api, gmail, imap, intercom, outlook, yahoo, zendesk
from ingestion.connectors.base import ConnectorSpec

_SPECS: tuple[ConnectorSpec, ...] = (
    api.SPEC,
    imap.SPEC,
    yahoo.SPEC,
    gmail.SPEC,
    outlook.SPEC,
    zendesk.SPEC,
    intercom.SPEC,
)

REGISTRY: dict[str, ConnectorSpec] = {spec.slug: spec for spec in _SPECS}


def get_spec(slug: str) -> ConnectorSpec | None:
    return REGISTRY.get(slug)


def catalogue() -> list[ConnectorSpec]:
    return sorted(REGISTRY.values(), key=lambda s: s.slug)
