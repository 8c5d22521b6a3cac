"""Threading and contacts for a whole batch: a few set-based queries instead of several per
message, and messages of one batch thread into conversations the batch itself started.

Same rules as `threads` (provider thread id, then email headers, then sender + subject within
30 days); the caller holds the organization's ingest lock, so nothing here races.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ingestion.contract import InboundMessage
from ingestion.pipeline.threads import SUBJECT_WINDOW, contact_for, normalized_subject
from store.base import utcnow
from store.tables import Contact, Conversation, Message

ThreadKey = tuple[Any, ...]


async def contacts_for_batch(
    session: AsyncSession, msgs: list[InboundMessage]
) -> list[Contact | None]:
    """One query for every sender email; senders known only by phone or provider id take the
    per-message lookup."""
    emails = {m.sender.email for m in msgs if m.sender.email}
    known: dict[tuple[uuid.UUID, str], Contact] = {}
    if emails:
        rows = await session.scalars(
            select(Contact)
            .where(Contact.organization_id.in_({m.organization_id for m in msgs}),
                   func.lower(Contact.email).in_(emails))
            .order_by(Contact.created_at)
        )  # fmt: skip
        for row in rows:
            known.setdefault((row.organization_id, (row.email or "").lower()), row)
    found: list[Contact | None] = []
    for msg in msgs:
        email = msg.sender.email
        if not email:
            found.append(await contact_for(session, msg, locked=True))
            continue
        key = (msg.organization_id, email)
        if key not in known:
            known[key] = Contact(
                id=uuid.uuid4(), organization_id=msg.organization_id, email=email,
                phone=msg.sender.phone, name=msg.sender.name, external_ids={}, attributes={},
            )  # fmt: skip
            session.add(known[key])
        found.append(known[key])
    return found


class BatchThreads:
    """The conversations a batch may join, loaded at once, plus the ones it creates."""

    def __init__(self) -> None:
        self.by_thread: dict[ThreadKey, Conversation] = {}
        self.by_header: dict[ThreadKey, Conversation] = {}
        self.by_contact: dict[ThreadKey, list[Conversation]] = defaultdict(list)

    async def load(
        self, session: AsyncSession, msgs: list[InboundMessage], contacts: list[Contact | None]
    ) -> None:
        orgs = {m.organization_id for m in msgs}
        keys = {m.thread_key for m in msgs if m.thread_key}
        if keys:
            for c in await session.scalars(
                select(Conversation).where(
                    Conversation.organization_id.in_(orgs), Conversation.thread_key.in_(keys)
                )
            ):
                self.by_thread[(c.organization_id, c.integration_id, c.thread_key)] = c
        await self._load_headers(session, msgs, orgs)
        ids = {c.id for c in contacts if c is not None}
        if ids:
            recent = await session.scalars(
                select(Conversation).where(
                    Conversation.organization_id.in_(orgs), Conversation.contact_id.in_(ids),
                    Conversation.last_message_at > utcnow() - SUBJECT_WINDOW)
                .order_by(Conversation.last_message_at.desc()))  # fmt: skip
            for c in recent:
                self.by_contact[(c.organization_id, c.integration_id, c.contact_id)].append(c)

    async def _load_headers(
        self, session: AsyncSession, msgs: list[InboundMessage], orgs: set[uuid.UUID]
    ) -> None:
        headers = {h for m in msgs for h in [m.in_reply_to, *m.references] if h}
        if not headers:
            return
        pairs = (await session.execute(
            select(Message.organization_id, Message.message_id_header, Message.conversation_id)
            .where(Message.organization_id.in_(orgs), Message.message_id_header.in_(headers))
        )).all()  # fmt: skip
        if not pairs:
            return
        convs = {c.id: c for c in await session.scalars(
            select(Conversation).where(Conversation.id.in_({p[2] for p in pairs})))}  # fmt: skip
        for org, header, conversation_id in pairs:
            self.by_header[(org, header)] = convs[conversation_id]

    def match(self, msg: InboundMessage, contact: Contact | None) -> Conversation | None:
        if msg.thread_key:
            found = self.by_thread.get((msg.organization_id, msg.integration_id, msg.thread_key))
            if found is not None:
                return found
        for header in [msg.in_reply_to, *reversed(msg.references)]:
            if header and (found := self.by_header.get((msg.organization_id, header))):
                return found
        subject = normalized_subject(msg.subject)
        if not subject or contact is None or msg.thread_key:
            return None
        candidates = self.by_contact.get((msg.organization_id, msg.integration_id, contact.id), [])
        return next((c for c in candidates if normalized_subject(c.subject) == subject), None)

    def remember(self, conv: Conversation, msg: InboundMessage, contact: Contact | None) -> None:
        if conv.thread_key:
            self.by_thread[(conv.organization_id, conv.integration_id, conv.thread_key)] = conv
        if msg.message_id_header:
            self.by_header[(msg.organization_id, msg.message_id_header)] = conv
        if contact is not None:
            bucket = self.by_contact[(msg.organization_id, msg.integration_id, contact.id)]
            if conv not in bucket:
                bucket.insert(0, conv)
