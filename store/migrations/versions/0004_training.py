"""training: runs and promotion decisions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 07:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONB = postgresql.JSONB(astext_type=sa.Text())


def _org() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "organization_id",
        sa.Uuid(),
        sa.ForeignKey("organizations.id", ondelete="CASCADE"),
        nullable=False,
    )


def _user(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.Uuid(), sa.ForeignKey("users.id", ondelete="SET NULL"))


def _at(name: str, *, required: bool = False) -> sa.Column:  # type: ignore[type-arg]
    if required:
        return sa.Column(
            name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        )
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def upgrade() -> None:
    op.create_table(
        "training_runs",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _org(),
        _at("created_at", required=True),
        _at("updated_at", required=True),
        sa.Column("task", sa.String(length=40), nullable=False),
        sa.Column("dataset", sa.String(length=40), nullable=False),
        sa.Column("trainer", sa.String(length=40), nullable=False),
        sa.Column("params", JSONB, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("stage", sa.String(length=80), nullable=True),
        sa.Column("metrics", JSONB, nullable=False),
        sa.Column("model_name", sa.String(length=200), nullable=True),
        sa.Column("model_version", sa.String(length=40), nullable=True),
        sa.Column("mlflow_run_id", sa.String(length=64), nullable=True),
        sa.Column("snapshot_id", sa.String(length=40), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("worker", sa.String(length=120), nullable=True),
        _at("heartbeat_at"),
        _at("started_at"),
        _at("finished_at"),
        _user("created_by_id"),
    )
    op.create_index(
        "ix_training_runs_org_created", "training_runs", ["organization_id", "created_at"]
    )
    op.create_index("ix_training_runs_status", "training_runs", ["status", "created_at"])
    op.create_table(
        "model_promotions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _org(),
        sa.Column("model_name", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("from_version", sa.String(length=40), nullable=True),
        sa.Column("to_version", sa.String(length=40), nullable=False),
        sa.Column("numbers", JSONB, nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        _user("actor_id"),
        _at("created_at", required=True),
    )
    op.create_index(
        "ix_model_promotions_org_created", "model_promotions", ["organization_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_model_promotions_org_created", table_name="model_promotions")
    op.drop_table("model_promotions")
    op.drop_index("ix_training_runs_status", table_name="training_runs")
    op.drop_index("ix_training_runs_org_created", table_name="training_runs")
    op.drop_table("training_runs")
