"""Organization bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.schemas import ReadModel, RequestModel
from training.gate import GateConfig


class OrganizationRead(ReadModel):
    id: uuid.UUID
    name: str
    slug: str
    settings: dict[str, Any]
    created_at: datetime


class PromotionGate(BaseModel):
    """When a challenger may become champion (training/lifecycle.py `GateConfig`)."""

    model_config = ConfigDict(extra="forbid")

    metric: Literal["accuracy", "macro_f1"] = GateConfig.metric  # type: ignore[assignment]
    margin: float = Field(GateConfig.margin, ge=0.0, le=0.5)
    max_latency_p95_ms: float = Field(GateConfig.max_latency_p95_ms, gt=0.0, le=10_000.0)


class OrganizationUpdate(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    settings: dict[str, Any] | None = None

    @field_validator("settings")
    @classmethod
    def _known_settings_are_valid(cls, settings: dict[str, Any] | None) -> dict[str, Any] | None:
        if settings and "promotion_gate" in settings:
            gate = PromotionGate.model_validate(settings["promotion_gate"])
            settings = {**settings, "promotion_gate": gate.model_dump()}
        return settings
