"""Contact bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import EmailStr, Field

from api.schemas import ReadModel, RequestModel


class ContactCreate(RequestModel):
    name: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40, pattern=r"^\+?[0-9 ()\-.]{3,40}$")
    external_ids: dict[str, str] = Field(default_factory=dict, max_length=50)
    attributes: dict[str, Any] = Field(default_factory=dict, max_length=100)


class ContactUpdate(RequestModel):
    name: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40, pattern=r"^\+?[0-9 ()\-.]{3,40}$")
    external_ids: dict[str, str] | None = Field(default=None, max_length=50)
    attributes: dict[str, Any] | None = Field(default=None, max_length=100)


class ContactRead(ReadModel):
    id: uuid.UUID
    name: str | None
    email: str | None
    phone: str | None
    external_ids: dict[str, Any]
    attributes: dict[str, Any]
    created_at: datetime
    updated_at: datetime
