"""Knowledge base bodies: articles, and the search a draft's retrieval runs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from api.schemas import ReadModel, RequestModel
from routing.knowledge import BODY_MAX, DEFAULT_K, TAG_MAX, TAGS_MAX, TITLE_MAX

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=BODY_MAX)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TAG_MAX)]
Tags = Annotated[list[Tag], Field(max_length=TAGS_MAX)]


class KbArticleCreate(RequestModel):
    title: Title
    body: Body
    tags: Tags = Field(default_factory=list)


class KbArticleUpdate(RequestModel):
    title: Title | None = None
    body: Body | None = None
    tags: Tags | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> KbArticleUpdate:
        # Leaving a field out keeps it; null would mean "erase", which no field allows.
        nulls = sorted(n for n in self.model_fields_set if getattr(self, n) is None)
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null; leave it out to keep it")
        return self


class KbArticleRead(ReadModel):
    id: uuid.UUID
    kind: Literal["article", "reply"]
    title: str
    body: str
    tags: list[str]
    source_draft_id: uuid.UUID | None
    embedding_model: str | None
    created_by_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class KbSearchRequest(RequestModel):
    text: str = Field(min_length=1, max_length=20_000, description="a customer's message")
    k: int = Field(default=DEFAULT_K, ge=1, le=20, description="at most this many hits")
    min_score: float = Field(default=0.0, ge=-1.0, le=1.0, description="the lowest cosine kept")


class KbSearchHit(BaseModel):
    id: uuid.UUID
    kind: str
    title: str
    score: float
    body: str


class KbSearchResponse(BaseModel):
    hits: list[KbSearchHit]
    draft_min_score: float = Field(description="hits below this score are not drafted from")
