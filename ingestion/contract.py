"""The wire contract: every connector produces exactly an InboundMessage; nothing else leaves."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_TEXT_CHARS = 100_000
MAX_HTML_CHARS = 500_000


class Party(BaseModel):
    """A sender or recipient as the channel knows them; at least one handle is expected."""

    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    name: str | None = Field(default=None, max_length=200)
    external_id: str | None = Field(default=None, max_length=200)

    @field_validator("email")
    @classmethod
    def _lower_email(cls, value: str | None) -> str | None:
        return value.strip().lower() if value else None


class Attachment(BaseModel):
    """Metadata only: the bytes stay with the provider (or the object store) behind `ref`."""

    filename: str = Field(max_length=500)
    content_type: str | None = Field(default=None, max_length=200)
    size: int | None = Field(default=None, ge=0)
    ref: str | None = Field(default=None, max_length=1000)


class InboundMessage(BaseModel):
    """One normalized inbound message, as published on `inbound.<org>.<channel>`."""

    model_config = ConfigDict(extra="forbid")

    organization_id: uuid.UUID
    integration_id: uuid.UUID
    channel: str = Field(min_length=1, max_length=40)
    external_id: str = Field(min_length=1, max_length=500)
    # The provider's own conversation/thread id when it has one (Gmail threadId, Zendesk ticket).
    thread_key: str | None = Field(default=None, max_length=500)
    # RFC 5322 threading for email: the Message-ID, In-Reply-To and References headers.
    message_id_header: str | None = Field(default=None, max_length=998)
    in_reply_to: str | None = Field(default=None, max_length=998)
    references: list[str] = Field(default_factory=list, max_length=200)
    sender: Party = Field(default_factory=Party)
    recipients: list[Party] = Field(default_factory=list, max_length=500)
    subject: str | None = Field(default=None, max_length=1000)
    text: str = Field(default="", max_length=MAX_TEXT_CHARS)
    html: str | None = Field(default=None, max_length=MAX_HTML_CHARS)
    attachments: list[Attachment] = Field(default_factory=list, max_length=100)
    received_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    raw_ref: str | None = Field(default=None, max_length=500)
    metadata: dict[str, Any] = Field(default_factory=dict)

    @property
    def subject_line(self) -> str:
        return self.subject or ""

    def nats_msg_id(self) -> str:
        """JetStream de-duplication key: the same provider message is published once."""
        return f"in:{self.integration_id}:{_short(self.external_id)}"

    def subject_name(self) -> str:
        return f"inbound.{self.organization_id}.{self.channel}"


def _short(value: str) -> str:
    # Header values must stay printable and bounded whatever the provider's id looks like.
    if len(value) <= 120 and value.isprintable() and " " not in value:
        return value
    return hashlib.sha256(value.encode()).hexdigest()
