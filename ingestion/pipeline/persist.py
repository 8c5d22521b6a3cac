"""Step 3: the message, its contact, its conversation and its classification, in one transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ingestion.contract import InboundMessage
from ingestion.pipeline.batch_threads import BatchThreads, contacts_for_batch
from ingestion.pipeline.threads import lock, new_conversation
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


async def ingest_lock(session: AsyncSession, org_ids: set[uuid.UUID]) -> None:
    """Every store of an organization's messages holds this for its transaction, so contacts
    and conversations are created once however many workers store concurrently."""
    for org_id in sorted(org_ids, key=str):
        await lock(session, "ingest", org_id)


def _add_message(
    session: AsyncSession,
    msg: InboundMessage,
    classification: Classification | None,
    conversation: Conversation,
    created: bool,
) -> Message:
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
    return message


async def store_batch(
    session: AsyncSession, items: list[tuple[InboundMessage, Classification]]
) -> list[Message]:
    """Store a batch of new messages in the caller's transaction: one lock, a few set-based
    lookups, and one flush that inserts everything (SQLAlchemy batches the INSERTs)."""
    msgs = [m for m, _ in items]
    await ingest_lock(session, {m.organization_id for m in msgs})  # idempotent within a transaction
    with session.no_autoflush:
        contacts = await contacts_for_batch(session, msgs)
        threads = BatchThreads()
        await threads.load(session, msgs, contacts)
        rows = []
        for (msg, classification), contact in zip(items, contacts, strict=True):
            conversation = threads.match(msg, contact)
            created = conversation is None
            if conversation is None:
                conversation = new_conversation(msg, contact)
                session.add(conversation)
            threads.remember(conversation, msg, contact)
            rows.append(_add_message(session, msg, classification, conversation, created))
    await session.flush()
    return rows


def _update_conversation(
    conv: Conversation, msg: InboundMessage, c: Classification | None, created: bool
) -> None:
    if msg.received_at >= conv.last_message_at or created:
        conv.last_message_at = msg.received_at
    if conv.status in ("resolved", "snoozed"):
        conv.status, conv.resolved_at = "open", None  # the customer wrote again
    if c is None:
        return
    conv.intent, conv.category = c.intent.label, c.category.label
    conv.sentiment, conv.language = c.sentiment.label, c.language.label
    if created or PRIORITY_RANK[c.priority.label] > PRIORITY_RANK.get(conv.priority, 1):
        conv.priority = c.priority.label
