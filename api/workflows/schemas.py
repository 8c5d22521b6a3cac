"""Workflow bodies: the definition is validated by `workflows.schema.Definition`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from api.schemas import ReadModel, RequestModel
from workflows.schema import Definition


class WorkflowCreate(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    definition: Definition
    is_enabled: bool = True


class WorkflowUpdate(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    definition: Definition | None = None
    is_enabled: bool | None = None


class WorkflowRead(ReadModel):
    id: uuid.UUID
    name: str
    description: str | None
    definition: dict[str, Any]
    is_enabled: bool
    version: int
    created_at: datetime
    updated_at: datetime


class ValidationProblem(BaseModel):
    path: str = Field(description='dotted path into the body, e.g. "definition.actions.0.type"')
    message: str


class ValidationResult(BaseModel):
    valid: bool
    errors: list[ValidationProblem]
