"""Models, workflows, analytics events, the audit log and the provider spend ledger."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.base import Base, IdMixin, OrgScoped, TimestampMixin, utcnow


class AIModel(IdMixin, TimestampMixin, Base):
    """A registered model version; organization_id is NULL for the shipped defaults."""

    __tablename__ = "ai_models"
    __table_args__ = (
        UniqueConstraint("organization_id", "name", "version"),
        Index("ix_ai_models_org_task", "organization_id", "task"),
    )

    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200))
    task: Mapped[str] = mapped_column(String(40))
    version: Mapped[str] = mapped_column(String(40))
    aliases: Mapped[list[str]] = mapped_column(default=list)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    mlflow_run_id: Mapped[str | None] = mapped_column(String(64))
    artifact_uri: Mapped[str | None] = mapped_column(String(1000))


class Workflow(IdMixin, TimestampMixin, OrgScoped, Base):
    __tablename__ = "workflows"
    __table_args__ = (Index("ix_workflows_org_enabled", "organization_id", "is_enabled"),)

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(2000))
    definition: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class AnalyticsEvent(IdMixin, OrgScoped, Base):
    __tablename__ = "analytics_events"
    __table_args__ = (
        Index("ix_analytics_org_kind_time", "organization_id", "kind", "occurred_at"),
    )

    kind: Mapped[str] = mapped_column(String(60))
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL")
    )
    message_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL")
    )
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditLog(IdMixin, OrgScoped, Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_org_created", "organization_id", "created_at", "id"),)

    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    actor_api_key_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("api_keys.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(80))
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(400))
    request_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProviderUsage(IdMixin, OrgScoped, Base):
    """The spend ledger: one row per external call (or reservation), in USD."""

    __tablename__ = "provider_usage"
    __table_args__ = (
        Index("ix_usage_org_time", "organization_id", "created_at"),
        Index("ix_usage_org_provider_time", "organization_id", "provider", "created_at"),
        Index("ix_usage_org_task_time", "organization_id", "task", "created_at"),
    )

    provider: Mapped[str] = mapped_column(String(40))
    model: Mapped[str] = mapped_column(String(120))
    task: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default="ok")
    request_id: Mapped[str | None] = mapped_column(String(128))
    message_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL")
    )
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cached_input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[Decimal] = mapped_column(Numeric(14, 6), default=Decimal(0))
    estimated_cost_usd: Mapped[Decimal] = mapped_column(Numeric(14, 6), default=Decimal(0))
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    # The providers tried before this one in the same request, in order ("openai:gpt-4o-mini").
    fallback_path: Mapped[list[str]] = mapped_column(default=list)
    reason: Mapped[str | None] = mapped_column(String(500))
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
