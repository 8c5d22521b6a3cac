"""Draft bodies: the review requests and what a draft reads like."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from api.schemas import ReadModel, RequestModel


class DraftStatus(StrEnum):
    """requested (router at work) -> ready -> approved (sent) | rejected; or failed."""

    REQUESTED = "requested"
    DRAFTING = "drafting"  # the router is writing it now
    READY = "ready"
    APPROVED = "approved"
    REJECTED = "rejected"
    FAILED = "failed"


class DraftApprove(RequestModel):
    """Approve a ready draft; `text`, when given, is the agent's edit and is what gets sent."""

    text: str | None = Field(default=None, min_length=1, max_length=20_000)


class DraftReject(RequestModel):
    reason: str | None = Field(default=None, max_length=500)


class DraftSource(BaseModel):
    """A knowledge entry the draft was written from (routing/contract.py `Source`)."""

    id: str
    kind: str
    title: str
    score: float


class DraftRead(ReadModel):
    id: uuid.UUID
    conversation_id: uuid.UUID
    message_id: uuid.UUID
    status: DraftStatus
    text: str | None
    edited_text: str | None
    provider: str | None
    model: str | None
    cost_usd: float
    confidence: float | None
    sources: list[DraftSource]
    reason: str | None
    reviewed_by_id: uuid.UUID | None
    reviewed_at: datetime | None
    rejection_reason: str | None
    created_at: datetime
    updated_at: datetime
    # The outbound reply this draft became (approved drafts only).
    sent_message_id: uuid.UUID | None = None
