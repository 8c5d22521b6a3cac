"""The generic API channel's inbound body (POST /api/v1/inbound/{integration_id})."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, EmailStr, Field, model_validator

from api.schemas import RequestModel
from ingestion.contract import MAX_HTML_CHARS, MAX_TEXT_CHARS


class InboundSender(RequestModel):
    email: EmailStr | None = None
    phone: str | None = Field(default=None, min_length=3, max_length=40)
    name: str | None = Field(default=None, max_length=200)


class InboundCreate(RequestModel):
    external_id: str = Field(
        min_length=1, max_length=500, description="your id; repeats are stored once"
    )
    thread_id: str | None = Field(default=None, min_length=1, max_length=500)
    from_: InboundSender = Field(default_factory=InboundSender, alias="from")
    subject: str | None = Field(default=None, max_length=1000)
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    html: str | None = Field(default=None, max_length=MAX_HTML_CHARS)
    received_at: datetime | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _aware_time(self) -> InboundCreate:
        if self.received_at is not None and self.received_at.tzinfo is None:
            self.received_at = self.received_at.replace(tzinfo=UTC)
        return self


class InboundAccepted(BaseModel):
    status: str = "accepted"
    external_id: str
