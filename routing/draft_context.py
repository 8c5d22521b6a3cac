"""What a draft is written from: the customer's message, name and recent conversation, the
organization's knowledge that matches it, and the facts quoted in it, as a `TaskContext`."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from routing.assemble import Lookup
from routing.contract import ChatMessage, TaskContext
from routing.entities import extract_entities
from store.tables import Contact, Conversation, Message, Organization

HISTORY_MESSAGES = 6


async def gather_context(
    sessions: async_sessionmaker[AsyncSession],
    lookup: Lookup,
    *,
    organization_id: uuid.UUID,
    conversation_id: uuid.UUID,
    message_id: uuid.UUID,
) -> tuple[TaskContext, str | None]:
    """The draft's TaskContext (message, customer, history, knowledge, entities) and the
    organization's name."""
    async with sessions() as session:
        message = await session.get_one(Message, message_id)
        conversation = await session.get_one(Conversation, conversation_id)
        company = await session.scalar(
            select(Organization.name).where(Organization.id == organization_id)
        )
        name, commerce = await _customer(session, conversation, message)
        history = await _history(session, message)
    org = str(organization_id)
    context = TaskContext(
        org_id=org,
        task="draft",
        text=message.text or message.subject or "",
        customer_name=name,
        history=history,
        entities=extract_entities(message.text or ""),
        commerce=commerce,
    )
    context.knowledge = await lookup(org, context.text) if context.text.strip() else []
    return context, company


async def _customer(
    session: AsyncSession, conversation: Conversation, message: Message
) -> tuple[str | None, dict[str, Any]]:
    """The customer's name, and the store data commerce connectors keep on the contact
    (`attributes["commerce"]`: orders, shipments) when there is any."""
    contact = (
        await session.get(Contact, conversation.contact_id) if conversation.contact_id else None
    )
    commerce = (contact.attributes or {}).get("commerce") if contact is not None else None
    commerce = commerce if isinstance(commerce, dict) else {}
    if contact is not None and contact.name:
        return contact.name, commerce
    sender_name = message.sender.get("name") if isinstance(message.sender, dict) else None
    return (str(sender_name) if sender_name else None), commerce


async def _history(session: AsyncSession, message: Message) -> list[ChatMessage]:
    """The conversation's messages before this one, oldest first: inbound as the customer's
    turns, outbound as ours."""
    stmt = (
        select(Message.direction, Message.text)
        .where(
            Message.organization_id == message.organization_id,
            Message.conversation_id == message.conversation_id,
            Message.id != message.id,
            Message.created_at <= message.created_at,
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(HISTORY_MESSAGES)
    )
    rows = list(await session.execute(stmt))
    return [
        ChatMessage("user" if row.direction == "inbound" else "assistant", row.text)
        for row in reversed(rows)
        if row.text and row.text.strip()
    ]
