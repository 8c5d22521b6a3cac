"""The model lifecycle's state: training runs and every promotion decision with its numbers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Float, ForeignKey, Index, String, Text, func
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from store.base import Base, IdMixin, OrgScoped, TimestampMixin, utcnow


class TrainingRun(IdMixin, TimestampMixin, OrgScoped, Base):
    """One request to train a model: queued → running → succeeded | failed.

    A worker claims a queued run (`FOR UPDATE SKIP LOCKED`) and beats `heartbeat_at` while it
    trains; a running run whose heartbeat stopped (its worker died) is queued again, up to
    `max_attempts`, then failed. A run never registers two model versions: registration is the
    last step and its version is written in the same transaction that ends the run.
    """

    __tablename__ = "training_runs"
    __table_args__ = (
        Index("ix_training_runs_org_created", "organization_id", "created_at"),
        Index("ix_training_runs_status", "status", "created_at"),
    )

    task: Mapped[str] = mapped_column(String(40))
    dataset: Mapped[str] = mapped_column(String(40))
    trainer: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    stage: Mapped[str | None] = mapped_column(String(80))
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    model_name: Mapped[str | None] = mapped_column(String(200))
    model_version: Mapped[str | None] = mapped_column(String(40))
    mlflow_run_id: Mapped[str | None] = mapped_column(String(64))
    snapshot_id: Mapped[str | None] = mapped_column(String(40))
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0, server_default=sql_text("0"))
    worker: Mapped[str | None] = mapped_column(String(120))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class Promotion(IdMixin, OrgScoped, Base):
    """A promotion or rollback decision: who, from which version to which, and the numbers."""

    __tablename__ = "model_promotions"
    __table_args__ = (Index("ix_model_promotions_org_created", "organization_id", "created_at"),)

    model_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(16))  # promote | rollback
    outcome: Mapped[str] = mapped_column(String(16))  # promoted | refused | forced | rolled_back
    from_version: Mapped[str | None] = mapped_column(String(40))
    to_version: Mapped[str] = mapped_column(String(40))
    numbers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reason: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
