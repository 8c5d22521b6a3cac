"""Outbound delivery: queued replies go out through their channel's `Sender`, with retries.

A reply is stored `queued`; `OutboundDelivery` claims due rows (FOR UPDATE SKIP LOCKED, so
several deliverers never send one twice), sends through the connector, and marks it `sent`, or
schedules a retry with exponential backoff, or marks it `failed` with the reason. A channel
with nothing to deliver to (the API channel without a callback) marks it `sent` at once: the
client reads it from the API. Each delivery carries our message id as its idempotency key.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any, Protocol, runtime_checkable

from nats.js import JetStreamContext
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ingestion.connections import Connections
from ingestion.connectors.capabilities import Connection, OutboundMessage, Sender
from ingestion.events import Event, emit, event_id
from store.base import utcnow
from store.errors import Retriable, SwitchboardError
from store.tables import Contact, Conversation, Integration, Message

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
MAX_BACKOFF_S = 600


@runtime_checkable
class OptionalDelivery(Protocol):
    def delivers(self, conn: Connection) -> bool:
        """False when this integration has nowhere to send (the reply is final once stored)."""


def _outbound_event(row: Message) -> Event:
    data = {"status": row.status, "error": row.error, "attempts": row.attempts,
            "sent_at": row.sent_at.isoformat() if row.sent_at else None}  # fmt: skip
    return Event(id=event_id("message.outbound", row.id, row.status or ""), kind="message.outbound",
                 organization_id=row.organization_id, conversation_id=row.conversation_id,
                 message_id=row.id, data=data)  # fmt: skip


def needs_delivery(connector: Any, conn: Connection) -> bool:
    if not isinstance(connector, Sender):
        return False
    return connector.delivers(conn) if isinstance(connector, OptionalDelivery) else True


async def _reply_context(session: AsyncSession, row: Message) -> dict[str, Any]:
    """Thread details from the newest inbound message of the conversation, and the recipient."""
    last = await session.scalar(
        select(Message)
        .where(Message.conversation_id == row.conversation_id, Message.direction == "inbound")
        .order_by(Message.received_at.desc().nulls_last(), Message.created_at.desc())
        .limit(1)
    )
    conversation = await session.get(Conversation, row.conversation_id)
    contact = await session.get(Contact, conversation.contact_id) if conversation and \
        conversation.contact_id else None  # fmt: skip
    to = [{"email": contact.email, "phone": contact.phone, "name": contact.name}] if contact else []
    references = [h for h in [last.message_id_header] if last and h] if last else []
    return {
        "thread_key": conversation.thread_key if conversation else None,
        "in_reply_to_external_id": last.external_id if last else None,
        "in_reply_to_header": last.message_id_header if last else None,
        "references": references,
        "to": [{k: v for k, v in t.items() if v} for t in to],
        "subject": row.subject or (conversation.subject if conversation else None),
        # Chat channels address the customer by their channel id and may only answer within a
        # window after the customer's last message (WhatsApp: 24 hours).
        "customer": dict(last.sender) if last and isinstance(last.sender, dict) else {},
        "last_inbound_at": (last.received_at or last.created_at) if last else None,
    }


class OutboundDelivery:
    """Claims and delivers due outbound messages; run `run_once` in a loop (see actors)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        connections: Connections,
        *,
        batch: int = 20,
        max_attempts: int = MAX_ATTEMPTS,
        js: JetStreamContext | None = None,
    ) -> None:
        self.sessions = sessions
        self.connections = connections
        self.batch = batch
        self.max_attempts = max_attempts
        self.js = js  # when set, a reply that is sent or failed is announced (message.outbound)

    async def run_once(self, organization_id: uuid.UUID | None = None) -> int:
        """Deliver what is due now; returns how many rows were handled."""
        now = utcnow()
        stmt = (
            select(Message)
            .where(Message.direction == "outbound", Message.status == "queued",
                   or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now))
            .order_by(Message.created_at)
            .limit(self.batch)
            .with_for_update(skip_locked=True)
        )  # fmt: skip
        if organization_id is not None:
            stmt = stmt.where(Message.organization_id == organization_id)
        async with self.sessions() as session, session.begin():
            rows = list(await session.scalars(stmt))
            for row in rows:
                await self._deliver(session, row)
            final = [_outbound_event(row) for row in rows if row.status in ("sent", "failed")]
        if self.js is not None:
            # After the commit: the row is the record; the event tells live clients about it.
            for event in final:
                await emit(self.js, event)
        return len(rows)

    async def _deliver(self, session: AsyncSession, row: Message) -> None:
        integration = await session.get(Integration, row.integration_id) if row.integration_id \
            else None  # fmt: skip
        if integration is None:
            return self._sent(row, None)
        try:
            connector = self.connections.spec_of(integration).connector()
            conn = self.connections.wrap(integration)
        except SwitchboardError as exc:
            return self._fail(row, exc.message)
        try:
            if not needs_delivery(connector, conn):
                return self._sent(row, None)
            result = await connector.send(conn, await self._outbound(session, row))
            self._sent(row, result.external_id, result.message_id_header)
        except Retriable as exc:
            self._retry(row, exc)
        except SwitchboardError as exc:
            self._fail(row, exc.message)
        finally:
            if conn.http is not None:
                await conn.http.aclose()
        return None

    async def _outbound(self, session: AsyncSession, row: Message) -> OutboundMessage:
        ctx = await _reply_context(session, row)
        return OutboundMessage(
            message_id=row.id, conversation_id=row.conversation_id, text=row.text,
            html=row.html, metadata=dict(row.delivery or {}), **ctx,
        )  # fmt: skip

    @staticmethod
    def _sent(row: Message, external_id: str | None, header: str | None = None) -> None:
        row.status, row.sent_at, row.error, row.next_attempt_at = "sent", utcnow(), None, None
        row.external_id = row.external_id or external_id
        row.message_id_header = row.message_id_header or header

    def _retry(self, row: Message, exc: Retriable) -> None:
        row.attempts += 1
        row.error = exc.message[:500]
        if row.attempts >= self.max_attempts:
            return self._fail(row, f"gave up after {row.attempts} attempts: {exc.message}")
        delay = min(MAX_BACKOFF_S, max(exc.retry_after, 2**row.attempts))
        row.next_attempt_at = utcnow() + timedelta(seconds=delay)

    @staticmethod
    def _fail(row: Message, reason: str) -> None:
        log.warning("outbound message %s failed: %s", row.id, reason[:200])
        row.status, row.error, row.next_attempt_at = "failed", reason[:500], None
