"""Registered models, their versions and aliases; promotion and rollback requests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas import ReadModel, RequestModel

VERSION_PATTERN = r"^[0-9]{1,9}$"


class ModelVersionRead(ReadModel):
    version: str
    aliases: list[str]
    metrics: dict[str, Any]
    mlflow_run_id: str | None
    artifact_uri: str | None
    created_at: datetime


class RegisteredModelRead(ReadModel):
    name: str
    task: str
    registered_name: str
    champion: str | None = Field(description="the version serving; null: the shipped default")
    challenger: str | None
    versions: list[ModelVersionRead]


class RegisteredModels(ReadModel):
    items: list[RegisteredModelRead]


class PromoteRequest(RequestModel):
    version: str = Field(pattern=VERSION_PATTERN)
    force: bool = Field(False, description="promote even if the gate refuses (admins only)")


class RollbackRequest(RequestModel):
    version: str | None = Field(
        None, pattern=VERSION_PATTERN, description="default: the champion before this one"
    )


class EvaluateRequest(RequestModel):
    version: str = Field(pattern=VERSION_PATTERN)
    dataset: Literal["banking77", "clinc150", "bitext"]
    split: Literal["validation", "gate", "test"] = "test"
    limit: int | None = Field(None, ge=10, le=100_000)


class PromotionRead(ReadModel):
    id: uuid.UUID
    model_name: str
    action: str
    outcome: str
    from_version: str | None
    to_version: str
    numbers: dict[str, Any]
    reason: str | None
    actor_id: uuid.UUID | None
    created_at: datetime


class ReclassifyRequest(RequestModel):
    limit: int = Field(1000, ge=1, le=5000, description="how many of the newest messages")


class ReclassifySummary(ReadModel):
    examined: int
    changed: int = Field(description="messages whose intent label changed")
    unchanged: int
    changes: dict[str, int] = Field(description='the 20 commonest "old→new" intent changes')
    model_version: str
    seconds: float


class ClassReport(BaseModel):
    label: str
    precision: float
    recall: float
    f1: float
    support: int


class ConfusionMatrix(BaseModel):
    labels: list[str]
    matrix: list[list[int]] = Field(description="rows: true label, columns: predicted label")


class VersionDetails(BaseModel):
    version: str
    aliases: list[str]
    metrics: dict[str, Any]
    mlflow_run_id: str | None
    split: str | None = Field(description="the held-out split the report and matrix are from")
    report: list[ClassReport] | None = Field(description="per class; null: none was logged")
    confusion: ConfusionMatrix | None
