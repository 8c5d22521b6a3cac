"""One inbound message through the pipeline's steps, each done at most once.

dedupe → classify → store (message + contact + conversation + classification, one transaction)
→ workflows → events. The message row remembers the steps done (`pipeline_steps`), written in the
same transaction as each step's effects, so a redelivered message resumes at its first
unfinished step: nothing is classified, stored, drafted or announced twice.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from nats.js import JetStreamContext
from sqlalchemy import cast, select, tuple_, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ingestion.classifier import ClassifierBackend
from ingestion.context import ContextEnricher
from ingestion.contract import InboundMessage
from ingestion.events import emit
from ingestion.org_models import OrgModels
from ingestion.pipeline.announce import events_for
from ingestion.pipeline.labels import LabelSync
from ingestion.pipeline.persist import (
    classification_text,
    existing,
    ingest_lock,
    store_batch,
)
from models.contract import Classification
from store.tables import Conversation, Message
from workflows.engine import Outcome, enabled_workflows, run_workflows

log = logging.getLogger(__name__)
WORKFLOWS, EVENTS, TAGGED, LABELS = "workflows", "events", "tagged", "labels"
CLASSIFY_BATCH = 32
DB_CONCURRENCY = 8  # per-message path: stay well inside the connection pool
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
        labels: LabelSync | None = None,
        context: ContextEnricher | None = None,
    ) -> None:
        self._inflight: dict[tuple[uuid.UUID, str], asyncio.Future[None]] = {}
        self._db_slots = asyncio.Semaphore(DB_CONCURRENCY)
        self.sessions = sessions
        self.classifier = classifier
        self.js = js
        self.org_models = org_models or OrgModels()
        self.checkpoint = checkpoint
        self.labels = labels
        self.context = context

    async def process(self, msg: InboundMessage) -> Result:
        (result,) = await self.process_many([msg])
        if isinstance(result, BaseException):
            raise result
        return result

    async def process_many(self, msgs: list[InboundMessage]) -> list[Result | BaseException]:
        """Classify the batch's new messages in one call (the model is fastest in batches), then
        finish each on its own: one message's failure is its own, not the batch's.

        A classifier failure (e.g. Serve's 503) raises for the whole batch: nothing was stored."""
        await self._wait_for_others(msgs)
        keys = [_key(m) for m in msgs]
        mine = {k: asyncio.get_running_loop().create_future() for k in dict.fromkeys(keys)}
        self._inflight.update(mine)
        try:
            known = await self._known(msgs)
            fresh = list({_key(m): m for m in msgs if _key(m) not in known}.values())
            classified = await self._classify_many(fresh)
            done = await self._fast_path([(m, classified[_key(m)]) for m in fresh])
            return await asyncio.gather(
                *(self._finish_guarded(m, classified.get(_key(m)), done) for m in msgs),
                return_exceptions=True,
            )
        finally:
            for key, future in mine.items():
                self._inflight.pop(key, None)
                future.set_result(None)

    async def _finish_guarded(
        self, msg: InboundMessage, classification: Classification | None, done: dict[Any, Result]
    ) -> Result:
        finished = done.pop(_key(msg), None)  # the first copy of a key reports the work
        if finished is not None:
            return finished
        async with self._db_slots:  # the slow path holds a connection per message
            return await self._finish(msg, classification)

    async def _fast_path(
        self, items: list[tuple[InboundMessage, Classification]]
    ) -> dict[tuple[uuid.UUID, str], Result]:
        """The whole batch in three transactions: store, workflows, mark events. Any failure
        (a duplicate stored meanwhile, one bad message) leaves the batch to the per-message path,
        which resumes each message at its first unfinished step."""
        if not items or self.checkpoint is not None:
            return {}
        try:
            async with self.sessions() as session, session.begin():
                rows = await store_batch(session, items)
            ids = [r.id for r in rows]
            await self._enrich(rows)
            await self._workflows_batch(ids)
            if self.labels is not None:
                await asyncio.gather(*(self.labels.sync(i) for i in ids))
            await self._events_batch(ids)
        except Exception as exc:
            log.info("batch of %d takes the per-message path: %r", len(items), exc)
            return {}
        return {
            _key(msg): Result(row.id, row.conversation_id, ["stored", WORKFLOWS, EVENTS], False)
            for (msg, _), row in zip(items, rows, strict=True)
        }

    async def _workflows_batch(self, ids: list[uuid.UUID]) -> None:
        async with self.sessions() as session, session.begin():
            messages = list(
                await session.scalars(select(Message).where(Message.id.in_(ids)).with_for_update())
            )
            conversations = {
                c.id: c
                for c in await session.scalars(
                    select(Conversation).where(
                        Conversation.id.in_({m.conversation_id for m in messages})
                    )
                )
            }
            loaded = {org: await enabled_workflows(session, org)
                      for org in {m.organization_id for m in messages}}  # fmt: skip
            for message in messages:
                if WORKFLOWS in message.pipeline_steps:
                    continue
                outcome = await run_workflows(
                    session,
                    message=message,
                    conversation=conversations[message.conversation_id],
                    workflows=loaded[message.organization_id],
                )
                message.pipeline_steps = [*message.pipeline_steps, WORKFLOWS, *_marks(outcome)]

    async def _events_batch(self, ids: list[uuid.UUID]) -> None:
        async with self.sessions() as session:
            messages = list(await session.scalars(select(Message).where(Message.id.in_(ids))))
            conversations = {
                c.id: c
                for c in await session.scalars(
                    select(Conversation).where(
                        Conversation.id.in_({m.conversation_id for m in messages})
                    )
                )
            }
            events = [e for m in messages for e in events_for(m, conversations[m.conversation_id])]
        # JetStream pipelines the publishes; each still waits for its own acknowledgement.
        await asyncio.gather(*(emit(self.js, event) for event in events))
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(Message)
                .where(Message.id.in_(ids), ~Message.pipeline_steps.contains([EVENTS]))
                .values(pipeline_steps=Message.pipeline_steps.op("||")(cast([EVENTS], JSONB)))
            )

    async def _wait_for_others(self, msgs: list[InboundMessage]) -> None:
        """A message already in flight in this process (a redelivery racing its original) waits
        for it, then finds it stored: nothing is classified twice."""
        busy = [self._inflight[k] for k in {_key(m) for m in msgs} if k in self._inflight]
        if busy:
            await asyncio.gather(*busy)

    async def _known(self, msgs: list[InboundMessage]) -> set[tuple[uuid.UUID, str]]:
        async with self.sessions() as session:
            rows = await session.execute(
                select(Message.integration_id, Message.external_id).where(
                    tuple_(Message.integration_id, Message.external_id).in_(
                        [(m.integration_id, m.external_id) for m in msgs]
                    )
                )
            )
            return {(r[0], r[1]) for r in rows if r[0] is not None and r[1] is not None}

    async def _classify_many(
        self, msgs: list[InboundMessage]
    ) -> dict[tuple[uuid.UUID, str], Classification]:
        groups: dict[tuple[str, float | None], list[InboundMessage]] = {}
        async with self.sessions() as session:
            for msg in msgs:
                org = await self.org_models.resolve(session, msg.organization_id)
                groups.setdefault((org.model_id, org.review_threshold), []).append(msg)
        found: dict[tuple[uuid.UUID, str], Classification] = {}
        for (model_id, threshold), members in groups.items():
            for start in range(0, len(members), CLASSIFY_BATCH):
                chunk = members[start : start + CLASSIFY_BATCH]
                texts = [classification_text(m)[:64_000] or "(empty message)" for m in chunk]
                results = await self.classifier.classify(
                    texts, model_id=model_id, review_threshold=threshold
                )
                found.update(zip((_key(m) for m in chunk), results, strict=True))
        return found

    async def _finish(self, msg: InboundMessage, classification: Classification | None) -> Result:
        steps: list[str] = []
        row, duplicate = await self._store_once(msg, classification)
        if not duplicate:
            steps.append("stored")
            await self._mark(msg, "stored")
        if WORKFLOWS not in row.pipeline_steps:
            await self._enrich([row])
            await self._workflows(row.id)
            steps.append(WORKFLOWS)
            await self._mark(msg, WORKFLOWS)
        if self.labels is not None and await self.labels.sync(row.id):
            steps.append(LABELS)
        if EVENTS not in row.pipeline_steps:
            await self._events(row.id)
            steps.append(EVENTS)
            await self._mark(msg, EVENTS)
        return Result(row.id, row.conversation_id, steps, duplicate)

    async def _store_once(
        self, msg: InboundMessage, classification: Classification | None
    ) -> tuple[Message, bool]:
        """Step 3 under a lock on the message's key: another worker storing the same message
        concurrently waits here, then finds the row."""
        async with self.sessions() as session, session.begin():
            await ingest_lock(session, {msg.organization_id})
            row = await existing(session, msg)
            if row is not None:
                return row, True
            if classification is None:  # stored and then deleted by an admin: classify again
                classification = (await self._classify_many([msg]))[_key(msg)]
            await self._mark(msg, "classified")
            (message,) = await store_batch(session, [(msg, classification)])
            return message, False

    async def _workflows(self, message_id: uuid.UUID) -> None:
        async with self.sessions() as session, session.begin():
            message = await session.get(Message, message_id, with_for_update=True)
            assert message is not None
            if WORKFLOWS in message.pipeline_steps:
                return
            conversation = await session.get(Conversation, message.conversation_id)
            assert conversation is not None
            outcome = await run_workflows(session, message=message, conversation=conversation)
            message.pipeline_steps = [*message.pipeline_steps, WORKFLOWS, *_marks(outcome)]

    async def _events(self, message_id: uuid.UUID) -> None:
        async with self.sessions() as session:
            message = await session.get(Message, message_id)
            assert message is not None
            conversation = await session.get(Conversation, message.conversation_id)
            assert conversation is not None
            events = events_for(message, conversation)
        for event in events:
            await emit(self.js, event)
        async with self.sessions() as session, session.begin():
            locked = await session.get(Message, message_id, with_for_update=True)
            assert locked is not None
            if EVENTS not in locked.pipeline_steps:
                locked.pipeline_steps = [*locked.pipeline_steps, EVENTS]

    async def _enrich(self, rows: list[Message]) -> None:
        """Hook for context connectors (ingestion/context.py): the customer's orders and
        billing facts land on the contact before workflows request a draft quoting them. Not a
        step of its own: it is a cached refresh (skipped while fresh) that never raises for a
        provider's failure, so a redelivery may simply run it again."""
        if self.context is not None:
            await self.context.enrich_messages(rows)

    async def _mark(self, msg: InboundMessage, step: str) -> None:
        if self.checkpoint is not None:
            await self.checkpoint(step, msg)


def _marks(outcome: Outcome) -> list[str]:
    """What the workflows did that later steps act on (a draft event, provider labels)."""
    return (["draft_requested"] if outcome.draft_id else []) + (
        [TAGGED] if "tags" in outcome.changed else []
    )


def _key(msg: InboundMessage) -> tuple[uuid.UUID, str]:
    return (msg.integration_id, msg.external_id)
