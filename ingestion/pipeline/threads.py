"""Who sent a message, the subject rule and the locks threading relies on.

Threading (batch_threads.py), in order: the provider's own thread id; email In-Reply-To /
References against the Message-IDs we stored; then the same sender with the same subject (minus
Re:/Fwd:) on the same integration within 30 days. Contacts match by email, then phone, then
provider id.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ingestion.contract import InboundMessage
from store.tables import Contact, Conversation

SUBJECT_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|sv|wg|tr|rv|antw)\s*(\[\d+\])?\s*:\s*)+", re.I)
SUBJECT_WINDOW = timedelta(days=30)


def normalized_subject(subject: str | None) -> str:
    return " ".join(SUBJECT_PREFIX.sub("", subject or "").split()).lower()


async def lock(session: AsyncSession, *parts: object) -> None:
    """Serialise concurrent workers on one sender/thread for the rest of the transaction."""
    key = "|".join(str(p) for p in parts)
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key})


async def find_contact(session: AsyncSession, msg: InboundMessage) -> Contact | None:
    org, sender = msg.organization_id, msg.sender
    base = select(Contact).where(Contact.organization_id == org).order_by(Contact.created_at)
    if sender.email:
        found = await session.scalar(base.where(func.lower(Contact.email) == sender.email))
        if found:
            return found
    if sender.phone:
        found = await session.scalar(base.where(Contact.phone == sender.phone))
        if found:
            return found
    if sender.external_id:
        key = f"{msg.channel}:{msg.integration_id}"
        return await session.scalar(
            base.where(Contact.external_ids[key].astext == sender.external_id)
        )
    return None


async def contact_for(
    session: AsyncSession, msg: InboundMessage, *, locked: bool = False
) -> Contact | None:
    sender = msg.sender
    if not (sender.email or sender.phone or sender.external_id):
        return None
    if not locked:
        key = sender.email or sender.phone or sender.external_id
        await lock(session, msg.organization_id, "contact", key)
    contact = await find_contact(session, msg)
    if contact is None:
        contact = Contact(
            organization_id=msg.organization_id, email=sender.email, phone=sender.phone,
            name=sender.name, external_ids={}, attributes={},
        )  # fmt: skip
        contact.id = uuid.uuid4()
        session.add(contact)
    if sender.external_id:
        key = f"{msg.channel}:{msg.integration_id}"
        if contact.external_ids.get(key) != sender.external_id:
            contact.external_ids = {**contact.external_ids, key: sender.external_id}
    if sender.name and not contact.name:
        contact.name = sender.name
    return contact


def new_conversation(msg: InboundMessage, contact: Contact | None) -> Conversation:
    return Conversation(
        id=uuid.uuid4(),
        organization_id=msg.organization_id,
        integration_id=msg.integration_id,
        contact_id=contact.id if contact else None,
        channel=msg.channel,
        thread_key=msg.thread_key or msg.message_id_header or msg.external_id,
        subject=msg.subject,
        status="open",
        priority="normal",
        tags=[],
        last_message_at=msg.received_at,
    )
