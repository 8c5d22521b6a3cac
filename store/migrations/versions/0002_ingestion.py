"""ingestion: connector state, message threading headers, pipeline steps, outbound queue

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 00:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONB = postgresql.JSONB(astext_type=sa.Text())


def upgrade() -> None:
    op.add_column(
        "integrations",
        sa.Column("state", JSONB, server_default=sa.text("'{}'"), nullable=False),
    )
    op.add_column("messages", sa.Column("message_id_header", sa.String(length=998), nullable=True))
    op.add_column(
        "messages",
        sa.Column("pipeline_steps", JSONB, server_default=sa.text("'[]'"), nullable=False),
    )
    op.add_column(
        "messages", sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False)
    )
    op.add_column(
        "messages", sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("messages", sa.Column("error", sa.Text(), nullable=True))
    op.create_index(
        "ix_messages_org_header", "messages", ["organization_id", "message_id_header"]
    )
    op.create_index("ix_messages_outbound_queue", "messages", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_messages_outbound_queue", table_name="messages")
    op.drop_index("ix_messages_org_header", table_name="messages")
    for column in ("error", "next_attempt_at", "attempts", "pipeline_steps", "message_id_header"):
        op.drop_column("messages", column)
    op.drop_column("integrations", "state")
