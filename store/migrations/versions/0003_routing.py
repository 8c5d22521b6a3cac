"""routing: policies, knowledge base, a richer spend ledger

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 03:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONB = postgresql.JSONB(astext_type=sa.Text())


def _common() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "organization_id",
            sa.Uuid(),
            sa.ForeignKey("organizations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "routing_policies",
        *_common(),
        sa.Column("document", JSONB, nullable=False),
        sa.Column("secrets_encrypted", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column(
            "updated_by_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="SET NULL")
        ),
        sa.UniqueConstraint("organization_id", name="uq_routing_policies_organization_id"),
    )
    op.create_table(
        "kb_articles",
        *_common(),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tags", JSONB, nullable=False),
        sa.Column(
            "source_draft_id", sa.Uuid(), sa.ForeignKey("drafts.id", ondelete="SET NULL")
        ),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.Column("embedding_model", sa.String(length=120), nullable=True),
        sa.Column(
            "created_by_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="SET NULL")
        ),
        sa.UniqueConstraint(
            "organization_id",
            "source_draft_id",
            name="uq_kb_articles_organization_id_source_draft_id",
        ),
    )
    op.create_index("ix_kb_articles_org_created", "kb_articles", ["organization_id", "created_at"])
    zero = sa.text("0")
    op.add_column(
        "provider_usage",
        sa.Column("cached_input_tokens", sa.Integer(), server_default=zero, nullable=False),
    )
    op.add_column(
        "provider_usage",
        sa.Column("estimated_cost_usd", sa.Numeric(14, 6), server_default=zero, nullable=False),
    )
    op.add_column(
        "provider_usage", sa.Column("latency_ms", sa.Integer(), server_default=zero, nullable=False)
    )
    op.add_column(
        "provider_usage",
        sa.Column("fallback_path", JSONB, server_default=sa.text("'[]'"), nullable=False),
    )
    op.add_column("provider_usage", sa.Column("reason", sa.String(length=500), nullable=True))
    op.add_column("provider_usage", sa.Column("error", sa.String(length=500), nullable=True))
    op.create_index(
        "ix_usage_org_task_time", "provider_usage", ["organization_id", "task", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_usage_org_task_time", table_name="provider_usage")
    for column in (
        "error", "reason", "fallback_path", "latency_ms", "estimated_cost_usd", "cached_input_tokens"
    ):
        op.drop_column("provider_usage", column)
    op.drop_index("ix_kb_articles_org_created", table_name="kb_articles")
    op.drop_table("kb_articles")
    op.drop_table("routing_policies")
