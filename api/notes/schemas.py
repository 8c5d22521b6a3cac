"""Note bodies: an agent's internal remark on a conversation (never sent to the customer)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from api.schemas import RequestModel

MAX_BODY = 10_000


class NoteCreate(RequestModel):
    body: str = Field(min_length=1, max_length=MAX_BODY, description="plain text, 1-10000 chars")


class NoteRead(BaseModel):
    id: uuid.UUID
    conversation_id: uuid.UUID
    author_id: uuid.UUID | None
    author_name: str | None = Field(description="the author's name (or email); null once gone")
    body: str
    created_at: datetime
