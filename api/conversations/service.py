"""Conversations and their messages, always inside the caller's organization."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import record
from api.conversations import listing
from api.conversations.schemas import (
    ConversationCreate,
    ConversationUpdate,
    MessageCreate,
)
from api.deps import ClientInfo, Principal
from ingestion.connections import read_only_connection, spec_of
from ingestion.outbound import needs_delivery
from store.base import utcnow
from store.crypto import SecretBox
from store.errors import SwitchboardError
from store.pagination import Page, paginate
from store.scoped import get_scoped, scoped
from store.tables import Contact, Conversation, Integration, Message, User


@dataclass(frozen=True)
class ConversationFilters:
    status: str | None = None
    priority: str | None = None
    category: str | None = None
    intent: str | None = None
    channel: str | None = None
    assignee: str | None = None  # a user id, "me" or "none"
    contact_id: uuid.UUID | None = None
    q: str | None = None


async def list_conversations(
    session: AsyncSession,
    *,
    principal: Principal,
    filters: ConversationFilters,
    limit: int,
    cursor: str | None,
) -> Page[str]:
    sql, args = listing.build(
        org_id=principal.org_id,
        user_id=principal.user_id,
        filters=filters,
        limit=limit,
        cursor=cursor,
    )
    return await listing.fetch_page(session, sql, args, limit)


async def _check_refs(session: AsyncSession, org_id: uuid.UUID, refs: dict[str, Any]) -> None:
    """Referenced rows must be the caller's own: another org's id is 'not found'."""
    for field, model in (
        ("contact_id", Contact),
        ("integration_id", Integration),
        ("assignee_id", User),
    ):
        if refs.get(field) is not None:
            await get_scoped(session, model, org_id, refs[field])


async def create_conversation(
    session: AsyncSession, *, principal: Principal, body: ConversationCreate, client: ClientInfo
) -> Conversation:
    data = body.model_dump()
    await _check_refs(session, principal.org_id, data)
    row = Conversation(organization_id=principal.org_id, last_message_at=utcnow(), **data)
    mark_resolution(row)
    session.add(row)
    await session.flush()
    record(session, principal, client, "conversation.create", row)
    await session.commit()
    return row


async def update_conversation(
    session: AsyncSession,
    *,
    principal: Principal,
    conversation_id: uuid.UUID,
    body: ConversationUpdate,
    client: ClientInfo,
) -> Conversation:
    row = await get_scoped(
        session, Conversation, principal.org_id, conversation_id, for_update=True
    )
    changes = body.model_dump(exclude_unset=True)
    await _check_refs(session, principal.org_id, changes)
    for field, value in changes.items():
        setattr(row, field, value)
    mark_resolution(row)
    record(
        session,
        principal,
        client,
        "conversation.update",
        row,
        details={k: str(v) for k, v in changes.items() if k != "subject"},
    )
    await session.commit()
    return row


def mark_resolution(row: Conversation) -> None:
    """`resolved_at` follows the status: stamped when it becomes resolved (kept while it stays
    resolved), cleared when the conversation is reopened, so resolution times stay honest."""
    if row.status != "resolved":
        row.resolved_at = None
    elif row.resolved_at is None:
        row.resolved_at = utcnow()


async def list_messages(
    session: AsyncSession,
    *,
    principal: Principal,
    conversation_id: uuid.UUID,
    limit: int,
    cursor: str | None,
) -> Page[Message]:
    await get_scoped(session, Conversation, principal.org_id, conversation_id)
    stmt = scoped(Message, principal.org_id).where(Message.conversation_id == conversation_id)
    return await paginate(
        session,
        stmt,
        sort_col=Message.created_at,
        id_col=Message.id,
        limit=limit,
        cursor=cursor,
        descending=False,
    )


async def add_outbound(
    session: AsyncSession,
    *,
    principal: Principal,
    conversation_id: uuid.UUID,
    body: MessageCreate,
    client: ClientInfo,
    box: SecretBox,
) -> Message:
    """An agent's reply, stored `queued` for the channel's connector to deliver (ingestion), or
    `sent` at once where the channel has nowhere to deliver (the client reads it here)."""
    message = await stage_outbound(
        session, principal=principal, conversation_id=conversation_id, body=body, box=box
    )
    record(
        session,
        principal,
        client,
        "message.create",
        message,
        details={"conversation_id": str(message.conversation_id)},
    )
    await session.commit()
    return message


async def stage_outbound(
    session: AsyncSession,
    *,
    principal: Principal,
    conversation_id: uuid.UUID,
    body: MessageCreate,
    box: SecretBox,
) -> Message:
    """The reply of `add_outbound`, added and flushed in the caller's transaction (not committed,
    not audited), so that other writes (a draft's approval) commit with it or not at all."""
    conversation = await get_scoped(
        session, Conversation, principal.org_id, conversation_id, for_update=True
    )
    now = utcnow()
    final = await _delivered_on_store(session, conversation, box)
    message = Message(
        organization_id=principal.org_id,
        conversation_id=conversation.id,
        integration_id=conversation.integration_id,
        direction="outbound",
        status="sent" if final else "queued",
        sent_at=now if final else None,
        author_id=principal.user_id,
        subject=body.subject or conversation.subject,
        text=body.text,
        html=body.html,
        delivery={"template": body.template.model_dump()} if body.template else {},
        created_at=now,
    )
    session.add(message)
    conversation.last_message_at = now
    await session.flush()
    return message


async def _delivered_on_store(
    session: AsyncSession, conversation: Conversation, box: SecretBox
) -> bool:
    if conversation.integration_id is None:
        return True
    integration = await session.get(Integration, conversation.integration_id)
    if integration is None:
        return True
    try:
        connector = spec_of(integration).connector()
        return not needs_delivery(connector, read_only_connection(integration, box))
    except (LookupError, SwitchboardError):
        return False  # let the deliverer record why it cannot send
