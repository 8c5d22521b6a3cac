"""One inbound message through the pipeline's steps, each done at most once.

dedupe → classify → store (message + contact + conversation + classification, one transaction)
→ workflows → events. The message row remembers the steps done (`pipeline_steps`), written in the
same transaction as each step's effects, so a redelivered message resumes at its first
unfinished step: nothing is classified, stored, drafted or announced twice.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ingestion.classifier import ClassifierBackend
from ingestion.contract import InboundMessage
from ingestion.events import Event, emit, event_id
from ingestion.org_models import OrgModels
from ingestion.pipeline.persist import classification_text, existing, store
from ingestion.pipeline.threads import lock
from models.contract import Classification
from store.tables import Conversation, Message
from workflows.engine import run_workflows

log = logging.getLogger(__name__)
WORKFLOWS, EVENTS = "workflows", "events"
# A test (or an operator's tracing) may observe each finished step; it can also stop the run.
Checkpoint = Callable[[str, InboundMessage], Awaitable[None]]


@dataclass
class Result:
    message_id: uuid.UUID
    conversation_id: uuid.UUID
    steps_run: list[str]
    duplicate: bool


class MessageProcessor:
    """The pipeline's steps for one message; plain class, run by `PipelineWorker` in Ray actors."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        classifier: ClassifierBackend,
        js: JetStreamContext,
        *,
        org_models: OrgModels | None = None,
        checkpoint: Checkpoint | None = None,
    ) -> None:
        self.sessions = sessions
        self.classifier = classifier
        self.js = js
        self.org_models = org_models or OrgModels()
        self.checkpoint = checkpoint

    async def process(self, msg: InboundMessage) -> Result:
        steps: list[str] = []
        row, duplicate = await self._classify_and_store(msg)
        if not duplicate:
            steps.append("stored")
            await self._mark(msg, "stored")
        if WORKFLOWS not in row.pipeline_steps:
            await self._workflows(row.id)
            steps.append(WORKFLOWS)
            await self._mark(msg, WORKFLOWS)
        if EVENTS not in row.pipeline_steps:
            await self._events(row.id)
            steps.append(EVENTS)
            await self._mark(msg, EVENTS)
        return Result(row.id, row.conversation_id, steps, duplicate)

    async def _classify_and_store(self, msg: InboundMessage) -> tuple[Message, bool]:
        """Steps 1-3 under a lock on the message's key: a concurrent duplicate (two deliveries,
        two workers) waits here, then finds the row, so nothing is classified twice."""
        async with self.sessions() as session, session.begin():
            await lock(session, "message", msg.integration_id, msg.external_id)
            row = await existing(session, msg)
            if row is not None:
                return row, True
            classification = await self.classify(session, msg)
            await self._mark(msg, "classified")
            message, _, _ = await store(session, msg, classification)
            return message, False

    async def classify(self, session: AsyncSession, msg: InboundMessage) -> Classification:
        org = await self.org_models.resolve(session, msg.organization_id)
        text = classification_text(msg)[:64_000] or "(empty message)"
        results = await self.classifier.classify(
            [text], model_id=org.model_id, review_threshold=org.review_threshold
        )
        return results[0]

    async def _workflows(self, message_id: uuid.UUID) -> None:
        async with self.sessions() as session, session.begin():
            message = await session.get(Message, message_id, with_for_update=True)
            assert message is not None
            if WORKFLOWS in message.pipeline_steps:
                return
            conversation = await session.get(Conversation, message.conversation_id)
            assert conversation is not None
            outcome = await run_workflows(session, message=message, conversation=conversation)
            message.pipeline_steps = [*message.pipeline_steps, WORKFLOWS]
            if outcome.draft_id is not None:
                message.pipeline_steps = [*message.pipeline_steps, "draft_requested"]

    async def _events(self, message_id: uuid.UUID) -> None:
        async with self.sessions() as session:
            message = await session.get(Message, message_id)
            assert message is not None
            conversation = await session.get(Conversation, message.conversation_id)
            assert conversation is not None
            events = _events_for(message, conversation)
        for event in events:
            await emit(self.js, event)
        async with self.sessions() as session, session.begin():
            locked = await session.get(Message, message_id, with_for_update=True)
            assert locked is not None
            if EVENTS not in locked.pipeline_steps:
                locked.pipeline_steps = [*locked.pipeline_steps, EVENTS]

    async def _mark(self, msg: InboundMessage, step: str) -> None:
        if self.checkpoint is not None:
            await self.checkpoint(step, msg)


def _events_for(message: Message, conversation: Conversation) -> list[Event]:
    org, mid, cid = message.organization_id, message.id, conversation.id
    summary = {
        "direction": message.direction,
        "channel": conversation.channel,
        "subject": message.subject,
        "sender": message.sender,
        "preview": (message.text or "")[:280],
        "received_at": message.received_at.isoformat() if message.received_at else None,
    }
    conv = {
        "status": conversation.status,
        "priority": conversation.priority,
        "assignee_id": str(conversation.assignee_id) if conversation.assignee_id else None,
        "tags": conversation.tags,
        "intent": conversation.intent,
        "category": conversation.category,
        "last_message_at": conversation.last_message_at.isoformat(),
    }
    events = [
        Event(id=event_id("message.created", mid), kind="message.created", organization_id=org,
              conversation_id=cid, message_id=mid, data=summary),
        Event(id=event_id("message.classified", mid), kind="message.classified",
              organization_id=org, conversation_id=cid, message_id=mid,
              data={"classification": message.classification}),
        Event(id=event_id("conversation.updated", mid), kind="conversation.updated",
              organization_id=org, conversation_id=cid, message_id=mid, data=conv),
    ]  # fmt: skip
    if "draft_requested" in message.pipeline_steps:
        events.append(
            Event(id=event_id("draft.requested", mid), kind="draft.requested",
                  organization_id=org, conversation_id=cid, message_id=mid, data={})
        )  # fmt: skip
    return events
