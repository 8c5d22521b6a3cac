"""The labels step: tags that workflows put on a conversation are applied at the provider too
(Gmail labels, Outlook categories, IMAP keywords, Zendesk/Intercom tags).

Runs for messages whose workflows added tags (`tagged`), once (`labels`). Applying a label is
idempotent at every provider, so a retry after a crash is harmless. A provider that is down
raises Retriable (the message is retried and resumes here); a refusal is recorded in the
integration's health and does not hold the message back.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ingestion.connections import Connections
from ingestion.connectors.base import Capability
from ingestion.connectors.capabilities import Labeler
from store.errors import Retriable, SwitchboardError
from store.tables import Conversation, Integration, Message

TAGGED, LABELS = "tagged", "labels"


class LabelSync:
    """Applies a tagged message's conversation tags through its integration's `Labeler`."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], connections: Connections
    ) -> None:
        self.sessions = sessions
        self.connections = connections

    async def sync(self, message_id: uuid.UUID) -> bool:
        """True when labels were applied (or refused) now; False when there was nothing to do."""
        async with self.sessions() as session:
            message = await session.get(Message, message_id)
            if message is None or TAGGED not in message.pipeline_steps or \
                    LABELS in message.pipeline_steps or message.integration_id is None:  # fmt: skip
                return False
            conversation = await session.get(Conversation, message.conversation_id)
            integration = await session.get(Integration, message.integration_id)
        if conversation is None or integration is None or not conversation.tags:
            return False
        spec = self.connections.spec_of(integration)
        connector = spec.connector()
        if Capability.LABELS in spec.capabilities and isinstance(connector, Labeler):
            target = conversation.thread_key if spec.labels_on == "thread" else message.external_id
            await self._apply(connector, integration, target, list(conversation.tags))
        await self._done(message_id)
        return True

    async def _apply(
        self, connector: Labeler, integration: Integration, target: str | None, tags: list[str]
    ) -> None:
        if not target:
            return
        conn = self.connections.wrap(integration)
        try:
            await connector.apply_labels(conn, target, tags)
        except Retriable:
            raise
        except SwitchboardError as exc:
            await self.connections.record_health(integration.id, error=f"labels: {exc.message}")
        finally:
            if conn.http is not None:
                await conn.http.aclose()

    async def _done(self, message_id: uuid.UUID) -> None:
        async with self.sessions() as session, session.begin():
            message = await session.get(Message, message_id, with_for_update=True)
            if message is not None and LABELS not in message.pipeline_steps:
                message.pipeline_steps = [*message.pipeline_steps, LABELS]
