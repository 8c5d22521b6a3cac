"""API key bodies: the key itself appears once, in the create response."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from api.schemas import ReadModel, RequestModel


class ApiKeyCreate(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    # A machine client's usual needs: post messages, classify, call the OpenAI-compatible routes.
    scopes: list[str] = Field(default_factory=lambda: ["inbound", "classify", "llm"], max_length=64)
    expires_at: datetime | None = None


class ApiKeyRead(ReadModel):
    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class ApiKeyCreated(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str
    key: str
    scopes: list[str]
    created_at: datetime
