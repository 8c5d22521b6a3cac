"""Open an integration as a `Connection`: decrypted config, state, and ways to persist both."""

from __future__ import annotations

import time
import uuid
from typing import Any

from pydantic import SecretStr, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ingestion.connectors.base import ConnectorConfig, ConnectorSpec
from ingestion.connectors.capabilities import Connection
from ingestion.connectors.registry import REGISTRY
from store.crypto import SecretBox
from store.errors import Fatal, NotFound
from store.tables import Integration


def spec_of(row: Integration) -> ConnectorSpec:
    spec = REGISTRY.get(row.type)
    if spec is None:
        raise Fatal(f"integration {row.id} has unknown type {row.type!r}")
    return spec


def config_of(row: Integration, box: SecretBox) -> ConnectorConfig:
    spec = spec_of(row)
    values: dict[str, Any] = dict(row.config)
    if row.secrets_encrypted:
        values.update(box.decrypt(row.secrets_encrypted, context=str(row.id)))
    try:
        return spec.config_model.model_validate(values)
    except ValidationError as exc:
        raise Fatal(f"integration {row.id} holds an invalid {row.type} config") from exc


def seal_config(row: Integration, config: ConnectorConfig, box: SecretBox) -> None:
    public, hidden = config.split()
    row.config = public
    row.secrets_encrypted = box.encrypt(hidden, context=str(row.id)) if hidden else None


def apply_config_updates(row: Integration, updates: dict[str, Any], box: SecretBox) -> None:
    """Merge `updates` into the row's config, validated by the connector, secrets sealed."""
    values = config_of(row, box).model_dump()
    for name, value in values.items():
        if isinstance(value, SecretStr):
            values[name] = value.get_secret_value()
    values.update(updates)
    seal_config(row, spec_of(row).config_model.model_validate(values), box)
    if "token_expires_at" in updates:
        row.health = {**row.health, "token_expires_at": int(updates["token_expires_at"])}


def read_only_connection(row: Integration, box: SecretBox) -> Connection:
    """A connection that cannot persist tokens or cursors (for decisions, not for syncing)."""
    return Connection(
        integration_id=row.id,
        organization_id=row.organization_id,
        channel=row.type,
        config=config_of(row, box),
        state=dict(row.state or {}),
    )


class Connections:
    """Builds connections bound to a session factory, so refreshed tokens and cursors persist."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], box: SecretBox) -> None:
        self.sessions = sessions
        self.box = box

    @staticmethod
    def spec_of(row: Integration) -> ConnectorSpec:
        return spec_of(row)

    async def load(
        self, integration_id: uuid.UUID, org_id: uuid.UUID | None = None
    ) -> tuple[ConnectorSpec, Connection]:
        async with self.sessions() as session:
            row = await session.get(Integration, integration_id)
            if row is None or (org_id is not None and row.organization_id != org_id):
                raise NotFound("integration not found")
            return spec_of(row), self.wrap(row)

    def wrap(self, row: Integration) -> Connection:
        integration_id = row.id

        async def save_secrets(updates: dict[str, str]) -> None:
            await self.update_config(integration_id, updates)

        async def save_state(state: dict[str, Any]) -> None:
            await self.update_state(integration_id, state)

        return Connection(
            integration_id=row.id,
            organization_id=row.organization_id,
            channel=row.type,
            config=config_of(row, self.box),
            state=dict(row.state or {}),
            save_secrets=save_secrets,
            save_state=save_state,
        )

    async def update_config(self, integration_id: uuid.UUID, updates: dict[str, Any]) -> None:
        """Merge `updates` into the config (secret fields sealed again); tokens land here."""
        async with self.sessions() as session, session.begin():
            row = await session.get(Integration, integration_id, with_for_update=True)
            if row is None:
                raise NotFound("integration not found")
            apply_config_updates(row, updates, self.box)

    async def update_state(self, integration_id: uuid.UUID, state: dict[str, Any]) -> None:
        async with self.sessions() as session, session.begin():
            row = await session.get(Integration, integration_id, with_for_update=True)
            if row is not None:
                row.state = dict(state)

    async def record_health(self, integration_id: uuid.UUID, *, error: str | None = None) -> None:
        """Last success or last error, shown by GET /api/v1/integrations/{id}."""
        async with self.sessions() as session, session.begin():
            row = await session.get(Integration, integration_id, with_for_update=True)
            if row is None:
                return
            now = int(time.time())
            health = dict(row.health or {})
            if error is None:
                health["last_success_at"] = now
            else:
                health.update(last_error_at=now, last_error=error[:500])
            row.health = health
