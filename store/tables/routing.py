"""The router's state: each organization's routing policy and its knowledge base."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from store.base import Base, IdMixin, OrgScoped, TimestampMixin


class RoutingPolicy(IdMixin, TimestampMixin, OrgScoped, Base):
    """One policy document per organization; provider keys live only in `secrets_encrypted`."""

    __tablename__ = "routing_policies"
    __table_args__ = (UniqueConstraint("organization_id"),)

    document: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # AES-256-GCM envelope (store/crypto.py) of {"<provider>": {"api_key": "..."}}; never returned.
    secrets_encrypted: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1, server_default=sql_text("1"))
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class KbArticle(IdMixin, TimestampMixin, OrgScoped, Base):
    """A knowledge entry drafts are written from: an article, or an approved past reply."""

    __tablename__ = "kb_articles"
    __table_args__ = (
        Index("ix_kb_articles_org_created", "organization_id", "created_at"),
        UniqueConstraint("organization_id", "source_draft_id"),
    )

    kind: Mapped[str] = mapped_column(String(16), default="article")  # article | reply
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(default=list)
    # The approved draft a `reply` entry came from (one entry per draft).
    source_draft_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("drafts.id", ondelete="SET NULL")
    )
    # float32 little-endian vector of title + body, and the embedder that made it.
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    embedding_model: Mapped[str | None] = mapped_column(String(120))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
