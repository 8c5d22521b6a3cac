"""notes: agents' internal notes on conversations; conversations.resolved_at; inbox by intent

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notes",
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
        sa.Column(
            "conversation_id",
            sa.Uuid(),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("author_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("body", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "char_length(body) BETWEEN 1 AND 10000", name="ck_notes_body_length"
        ),
    )
    op.create_index(
        "ix_notes_org_conversation", "notes", ["organization_id", "conversation_id", "created_at"]
    )
    op.add_column(
        "conversations", sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        "ix_conversations_org_intent",
        "conversations",
        ["organization_id", "intent", "last_message_at"],
    )
    # Conversations already resolved: their last update is the best estimate there is.
    op.execute("UPDATE conversations SET resolved_at = updated_at WHERE status = 'resolved'")


def downgrade() -> None:
    op.drop_index("ix_conversations_org_intent", table_name="conversations")
    op.drop_column("conversations", "resolved_at")
    op.drop_index("ix_notes_org_conversation", table_name="notes")
    op.drop_table("notes")
