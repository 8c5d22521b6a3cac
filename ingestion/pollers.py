"""Poll-based inbound (IMAP, Gmail history, Graph delta...): fetch, publish, then save the cursor.

The same runner keeps push registrations alive, including for push-only connectors (Telegram's
setWebhook): those are "polled" only to check their registration.

The cursor is persisted only after JetStream acknowledged every message of the batch, so a crash
re-polls from the old cursor (and the pipeline's dedupe absorbs the repeats): nothing is missed
after a restart or an outage, and nothing is imported twice.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable

from nats.js import JetStreamContext
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ingestion.connections import Connections
from ingestion.connectors.base import Capability
from ingestion.connectors.capabilities import Connection, Poller, PushRenewer
from ingestion.connectors.registry import REGISTRY
from ingestion.streams import publish
from store.errors import SwitchboardError
from store.tables import Integration

log = logging.getLogger(__name__)
MAX_BATCHES_PER_POLL = 50
ERROR_BACKOFF_MAX_S = 300.0
PUSH_CHECK_S = 300.0  # how often a push-only connector's registration is checked


class PollerRunner:
    """Runs the pollers of every active polling integration, each in its own task."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        connections: Connections,
        jetstream: Callable[[], Awaitable[JetStreamContext]],
        public_url: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.connections = connections
        self.jetstream = jetstream
        self.public_url = public_url  # where providers reach our webhooks; None: no push
        self.tasks: dict[uuid.UUID, asyncio.Task[None]] = {}

    async def poll_once(self, integration_id: uuid.UUID) -> int:
        """One poll (all its pages): returns how many messages were published."""
        spec, conn = await self.connections.load(integration_id)
        connector = spec.connector()
        if not isinstance(connector, Poller | PushRenewer):
            return 0
        try:
            published = await self._drain(connector, conn) if isinstance(connector, Poller) else 0
            await self._renew_push(spec.slug, connector, conn)
            return published
        finally:
            if conn.http is not None:
                await conn.http.aclose()

    async def _drain(self, connector: Poller, conn: Connection) -> int:
        js, published = await self.jetstream(), 0
        for _ in range(MAX_BATCHES_PER_POLL):
            batch = await connector.poll(conn)
            for message in batch.messages:
                await publish(js, message.subject_name(), message.model_dump_json().encode(),
                              msg_id=message.nats_msg_id())  # fmt: skip
            await conn.persist_state(batch.state)
            published += len(batch.messages)
            if not batch.more:
                break
        await self.connections.record_health(conn.integration_id)
        return published

    async def _renew_push(self, slug: str, connector: object, conn: Connection) -> None:
        """Keep push subscriptions alive; a failure is shown in health, polling carries on."""
        if not self.public_url or not isinstance(connector, PushRenewer):
            return
        if not connector.push_due(conn):
            return
        url = f"{self.public_url.rstrip('/')}/api/v1/webhooks/{slug}/{conn.integration_id}"
        try:
            await connector.renew_push(conn, url)
        except SwitchboardError as exc:
            await self.connections.record_health(conn.integration_id, error=f"push: {exc.message}")

    async def run(self, integration_id: uuid.UUID, stop: asyncio.Event) -> None:
        """Poll until stopped; IMAP-style connectors wait on the server (IDLE) between polls."""
        failures = 0
        while not stop.is_set():
            try:
                await self.poll_once(integration_id)
                failures = 0
                await self._wait(integration_id, stop)
            except SwitchboardError as exc:
                failures += 1
                await self.connections.record_health(integration_id, error=exc.message)
                await _sleep(min(ERROR_BACKOFF_MAX_S, 2.0**failures), stop)

    async def _wait(self, integration_id: uuid.UUID, stop: asyncio.Event) -> None:
        spec, conn = await self.connections.load(integration_id)
        connector = spec.connector()
        interval = float(getattr(connector, "poll_interval_s", PUSH_CHECK_S))
        waiter = getattr(connector, "wait_for_mail", None)
        if waiter is None:
            await _sleep(interval, stop)
            return
        await asyncio.wait_for(waiter(conn, interval), interval + 30)

    async def active_pollers(self) -> list[uuid.UUID]:
        slugs = [s.slug for s in REGISTRY.values() if Capability.POLLER in s.capabilities
                 or isinstance(s.connector(), PushRenewer)]  # fmt: skip
        async with self.sessions() as session:
            rows = await session.scalars(
                select(Integration.id).where(
                    Integration.type.in_(slugs), Integration.status == "active"
                )
            )
            return list(rows)

    async def supervise(self, stop: asyncio.Event, refresh_s: float = 30.0) -> None:
        """Keep one task per active polling integration; stop tasks of removed/paused ones."""
        while not stop.is_set():
            wanted = set(await self.active_pollers())
            for integration_id in wanted - set(self.tasks):
                self.tasks[integration_id] = asyncio.create_task(self.run(integration_id, stop))
            for integration_id in set(self.tasks) - wanted:
                self.tasks.pop(integration_id).cancel()
            await _sleep(refresh_s, stop)
        for task in self.tasks.values():
            task.cancel()


async def _sleep(seconds: float, stop: asyncio.Event) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        return
