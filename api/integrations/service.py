"""Integrations: connector-validated configs, secret fields sealed with AES-256-GCM."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import record
from api.deps import ClientInfo, Principal
from api.integrations.schemas import (
    IntegrationCreate,
    IntegrationRead,
    IntegrationTestResult,
    IntegrationUpdate,
)
from ingestion.connections import apply_config_updates, read_only_connection
from ingestion.connectors.base import ConnectorConfig, ConnectorSpec
from ingestion.connectors.capabilities import Connection
from ingestion.connectors.health import CheckResult, run_check
from ingestion.connectors.registry import REGISTRY
from store.crypto import SecretBox
from store.errors import BadInput, Conflict
from store.scoped import get_scoped
from store.tables import Integration


def spec_for(slug: str) -> ConnectorSpec:
    spec = REGISTRY.get(slug)
    if spec is None:
        raise BadInput(
            f"unknown integration type {slug!r}",
            code="unknown_type",
            details={"known": sorted(REGISTRY)},
        )
    return spec


def validate_config(spec: ConnectorSpec, raw: dict[str, Any]) -> ConnectorConfig:
    try:
        return spec.config_model.model_validate(raw)
    except ValidationError as exc:
        details = [
            {"loc": ["config", *map(str, e["loc"])], "msg": e["msg"], "type": e["type"]}
            for e in exc.errors(include_input=False)
        ]
        raise BadInput(
            f"invalid config for {spec.slug}", code="invalid_config", details=details
        ) from None


def to_read(row: Integration, box: SecretBox) -> IntegrationRead:
    secrets = (
        box.decrypt(row.secrets_encrypted, context=str(row.id)) if row.secrets_encrypted else {}
    )
    return IntegrationRead(
        id=row.id,
        name=row.name,
        type=row.type,
        status=row.status,
        config=row.config,
        secrets_set=sorted(secrets),
        health=row.health,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _seal(row: Integration, config: ConnectorConfig, box: SecretBox) -> None:
    public, hidden = config.split()
    row.config = public
    row.secrets_encrypted = box.encrypt(hidden, context=str(row.id)) if hidden else None


async def create(
    session: AsyncSession,
    *,
    box: SecretBox,
    principal: Principal,
    body: IntegrationCreate,
    client: ClientInfo,
) -> Integration:
    spec = spec_for(body.type)
    config = validate_config(spec, body.config)
    row = Integration(
        id=uuid.uuid4(),
        organization_id=principal.org_id,
        name=body.name,
        type=spec.slug,
        status="active",
        health={},
    )
    _seal(row, config, box)
    session.add(row)
    await _flush_unique(session, body.name)
    record(
        session,
        principal,
        client,
        "integration.create",
        row,
        details={"type": spec.slug, "name": body.name},
    )
    await session.commit()
    return row


async def update(
    session: AsyncSession,
    *,
    box: SecretBox,
    principal: Principal,
    integration_id: uuid.UUID,
    body: IntegrationUpdate,
    client: ClientInfo,
) -> Integration:
    row = await get_scoped(session, Integration, principal.org_id, integration_id, for_update=True)
    changed = sorted(body.model_dump(exclude_unset=True))
    if body.config is not None:
        current = dict(row.config)
        if row.secrets_encrypted:
            current.update(box.decrypt(row.secrets_encrypted, context=str(row.id)))
        merged = {**current, **body.config}
        _seal(row, validate_config(spec_for(row.type), merged), box)
    if body.name is not None:
        row.name = body.name
    if body.status is not None:
        row.status = body.status
    await _flush_unique(session, row.name)
    record(
        session,
        principal,
        client,
        "integration.update",
        row,
        details={"fields": changed, "config_keys": sorted(body.config or {})},
    )
    await session.commit()
    return row


async def delete(
    session: AsyncSession, *, principal: Principal, integration_id: uuid.UUID, client: ClientInfo
) -> None:
    row = await get_scoped(session, Integration, principal.org_id, integration_id)
    await session.delete(row)
    record(session, principal, client, "integration.delete", row, details={"name": row.name})
    await session.commit()


async def test_connection(
    session: AsyncSession,
    *,
    box: SecretBox,
    principal: Principal,
    integration_id: uuid.UUID,
    client: ClientInfo,
) -> IntegrationTestResult:
    """Runs the connector's check and keeps the outcome in the integration's `health`."""
    row = await get_scoped(session, Integration, principal.org_id, integration_id, for_update=True)

    def open_connection() -> Connection:
        conn = read_only_connection(row, box)

        async def save_secrets(updates: dict[str, str]) -> None:
            apply_config_updates(row, updates, box)  # a token refreshed by the check is kept

        conn.save_secrets = save_secrets
        return conn

    result = await run_check(spec_for(row.type), open_connection)
    _record_check(row, result)
    details = {"ok": result.ok, "type": row.type}
    record(session, principal, client, "integration.test", row, details=details)
    await session.commit()
    return IntegrationTestResult(ok=result.ok, detail=result.detail, checked_at=result.checked_at)


def _record_check(row: Integration, result: CheckResult) -> None:
    row.health = {
        **(row.health or {}),
        "ok": result.ok,
        "checked_at": result.checked_at.isoformat(),
        "error": None if result.ok else result.detail[:500],
    }


async def _flush_unique(session: AsyncSession, name: str) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"an integration named {name!r} already exists") from exc
