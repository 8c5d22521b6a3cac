"""Integration bodies: config is validated by the connector's own model; secrets never leave."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas import RequestModel


class IntegrationCreate(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    type: str = Field(min_length=1, max_length=40, description="a slug from GET /api/v1/connectors")
    config: dict[str, Any] = Field(default_factory=dict)


class IntegrationUpdate(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    status: Literal["active", "paused"] | None = None
    config: dict[str, Any] | None = Field(
        default=None, description="merged into the current config; omitted secrets are kept"
    )


class IntegrationRead(BaseModel):
    id: uuid.UUID
    name: str
    type: str
    status: str
    config: dict[str, Any]
    secrets_set: list[str] = Field(description="names of the secret fields that hold a value")
    health: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class IntegrationTestResult(BaseModel):
    ok: bool
    detail: str = Field(description="what the check found, for the operator (never a secret)")
    checked_at: datetime


class ConnectorRead(BaseModel):
    type: str
    name: str
    kind: str
    auth_type: str
    capabilities: list[str]
    description: str
    config_schema: dict[str, Any]
