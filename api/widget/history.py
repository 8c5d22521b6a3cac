"""A visitor's conversation as the widget shows it, read from the store on every (re)connect.

The store is the record: a reply pushed while the visitor was away is found here, and so is a
message of theirs that another tab or device sent. Scoped by organization, integration and the
visitor's thread key, so one visitor never reads another's conversation.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.widget.frames import HistoryItem
from api.widget.visitors import Visitor
from store.tables import Conversation, Message

HISTORY_LIMIT = 100


def _thread(visitor: Visitor) -> Select[Any]:
    site = visitor.site
    return select(Conversation.id).where(
        Conversation.organization_id == site.organization_id,
        Conversation.integration_id == site.integration_id,
        Conversation.thread_key == visitor.thread_key,
    )


async def history(
    sessions: async_sessionmaker[AsyncSession], visitor: Visitor, limit: int = HISTORY_LIMIT
) -> list[HistoryItem]:
    """The newest `limit` messages of the visitor's thread, oldest first (failed replies and
    anything not addressed to the visitor left out)."""
    stmt = (
        select(Message)
        .where(
            Message.organization_id == visitor.site.organization_id,
            Message.conversation_id.in_(_thread(visitor)),
            or_(Message.direction == "inbound", Message.status.in_(("queued", "sent"))),
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    )
    async with sessions() as session:
        rows = list(await session.scalars(stmt))
    return [_item(row) for row in reversed(rows)]


def _item(row: Message) -> HistoryItem:
    inbound = row.direction == "inbound"
    client_id = (row.external_id or "").rpartition(":")[2] if inbound else None
    return HistoryItem(
        id=str(row.id),
        text=row.text,
        from_="visitor" if inbound else "agent",
        at=(row.received_at if inbound else row.sent_at) or row.created_at,
        client_id=client_id or None,
    )


async def conversation_of(
    sessions: async_sessionmaker[AsyncSession], visitor: Visitor
) -> uuid.UUID | None:
    """The visitor's newest conversation, once the pipeline has made one."""
    stmt = _thread(visitor).order_by(Conversation.last_message_at.desc()).limit(1)
    async with sessions() as session:
        found: uuid.UUID | None = await session.scalar(stmt)
    return found
