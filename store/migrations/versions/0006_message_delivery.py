"""messages.delivery: how an outbound reply is to be delivered (a WhatsApp template...)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONB = postgresql.JSONB(astext_type=sa.Text())


def upgrade() -> None:
    op.add_column(
        "messages", sa.Column("delivery", JSONB, server_default=sa.text("'{}'"), nullable=False)
    )


def downgrade() -> None:
    op.drop_column("messages", "delivery")
