"""Conversation and message bodies (enums fixed by ARCHITECTURE.md, "Public API shapes")."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from api.schemas import ReadModel, RequestModel


class Status(StrEnum):
    OPEN = "open"
    PENDING = "pending"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"


class Priority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


Tags: Any = Field(default_factory=list, max_length=50)


class ConversationCreate(RequestModel):
    channel: str = Field(default="api", min_length=1, max_length=40)
    subject: str | None = Field(default=None, max_length=1000)
    contact_id: uuid.UUID | None = None
    integration_id: uuid.UUID | None = None
    assignee_id: uuid.UUID | None = None
    status: Status = Status.OPEN
    priority: Priority = Priority.NORMAL
    tags: list[str] = Tags


class ConversationUpdate(RequestModel):
    subject: str | None = Field(default=None, max_length=1000)
    status: Status | None = None
    priority: Priority | None = None
    category: str | None = Field(default=None, max_length=80)
    assignee_id: uuid.UUID | None = None
    tags: list[str] | None = Field(default=None, max_length=50)
    snoozed_until: datetime | None = None


class ConversationRead(ReadModel):
    id: uuid.UUID
    channel: str
    subject: str | None
    status: Status
    priority: Priority
    category: str | None
    intent: str | None
    sentiment: str | None
    language: str | None
    tags: list[str]
    contact_id: uuid.UUID | None
    integration_id: uuid.UUID | None
    assignee_id: uuid.UUID | None
    snoozed_until: datetime | None
    resolved_at: datetime | None
    last_message_at: datetime
    created_at: datetime
    updated_at: datetime


class MessageTemplate(RequestModel):
    """A provider-approved message template (WhatsApp: the only thing a business may send once
    24 hours have passed since the customer's last message). `text` stays the agent's record of
    what the template says."""

    name: str = Field(pattern=r"^[a-z0-9_]{1,512}$", description="the approved template's name")
    language: str = Field(pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$", description="e.g. en_US")
    components: list[dict[str, Any]] = Field(
        default_factory=list, max_length=10, description="header/body/button parameters"
    )


class MessageCreate(RequestModel):
    text: str = Field(min_length=1, max_length=100_000)
    html: str | None = Field(default=None, max_length=500_000)
    subject: str | None = Field(default=None, max_length=1000)
    template: MessageTemplate | None = Field(
        default=None, description="send this approved template instead of free text (WhatsApp)"
    )


class MessageRead(ReadModel):
    id: uuid.UUID
    conversation_id: uuid.UUID
    integration_id: uuid.UUID | None
    external_id: str | None
    direction: str
    status: str | None
    author_id: uuid.UUID | None
    sender: dict[str, Any]
    recipients: list[Any]
    subject: str | None
    text: str
    html: str | None
    attachments: list[Any]
    classification: dict[str, Any] | None
    model_version: str | None
    received_at: datetime | None
    sent_at: datetime | None
    created_at: datetime
    delivery: dict[str, Any] = Field(
        default_factory=dict, description="outbound only: how it is delivered (a template)"
    )
    error: str | None = Field(
        default=None, description="outbound only: why the last delivery attempt failed"
    )
