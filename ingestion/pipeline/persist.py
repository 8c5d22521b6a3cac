"""Step 3: the message, its contact, its conversation and its classification, in one transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ingestion.contract import InboundMessage
from ingestion.pipeline.threads import contact_for, conversation_for
from models.contract import Classification
from store.tables import Conversation, Message

PRIORITY_RANK = {"low": 0, "normal": 1, "high": 2, "urgent": 3}
STORED = "stored"


async def existing(session: AsyncSession, msg: InboundMessage) -> Message | None:
    """Dedupe on (integration_id, external_id): the unique index is the source of truth."""
    return await session.scalar(
        select(Message).where(
            Message.integration_id == msg.integration_id, Message.external_id == msg.external_id
        )
    )


def classification_text(msg: InboundMessage) -> str:
    """What the models read: the body, or the subject when a message has no body."""
    return msg.text if msg.text.strip() else (msg.subject or "")


async def store(
    session: AsyncSession, msg: InboundMessage, classification: Classification | None
) -> tuple[Message, Conversation, bool]:
    """Insert the message, flushed not committed: (message, conversation, conversation created)."""
    contact = await contact_for(session, msg)
    conversation, created = await conversation_for(session, msg, contact)
    data: dict[str, Any] | None = classification.model_dump(mode="json") if classification else None
    message = Message(
        id=uuid.uuid4(),
        organization_id=msg.organization_id,
        conversation_id=conversation.id,
        integration_id=msg.integration_id,
        external_id=msg.external_id,
        direction="inbound",
        sender=msg.sender.model_dump(exclude_none=True),
        recipients=[p.model_dump(exclude_none=True) for p in msg.recipients],
        subject=msg.subject,
        text=msg.text,
        html=msg.html,
        attachments=[a.model_dump(exclude_none=True) for a in msg.attachments],
        classification=data,
        model_version=classification.model_version if classification else None,
        received_at=msg.received_at,
        raw_ref=msg.raw_ref,
        message_id_header=msg.message_id_header,
        pipeline_steps=[STORED],
        attempts=0,
    )
    session.add(message)
    _update_conversation(conversation, msg, classification, created)
    await session.flush()
    return message, conversation, created


def _update_conversation(
    conv: Conversation, msg: InboundMessage, c: Classification | None, created: bool
) -> None:
    if msg.received_at >= conv.last_message_at or created:
        conv.last_message_at = msg.received_at
    if conv.status in ("resolved", "snoozed"):
        conv.status = "open"  # the customer wrote again
    if c is None:
        return
    conv.intent, conv.category = c.intent.label, c.category.label
    conv.sentiment, conv.language = c.sentiment.label, c.language.label
    if created or PRIORITY_RANK[c.priority.label] > PRIORITY_RANK.get(conv.priority, 1):
        conv.priority = c.priority.label
