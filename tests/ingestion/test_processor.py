"""The pipeline's steps on real PostgreSQL and JetStream: stored once, resumed, threaded."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Any

import orjson
import pytest
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy
from sqlalchemy import func, select

from api.runtime import Runtime
from ingestion.classifier import ClassifierBackend
from ingestion.contract import InboundMessage
from ingestion.pipeline.processor import MessageProcessor
from models.contract import Classification
from store.errors import Retriable
from store.tables import Contact, Conversation, Draft, Message, Workflow
from tests.ingestion.conftest import Org


class CountingClassifier:
    """The real in-process models, counting calls per text (nothing may be classified twice)."""

    def __init__(self, inner: ClassifierBackend, fail_times: int = 0) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()
        self.fail_times = fail_times

    async def classify(
        self, texts: Sequence[str], *, model_id: str, review_threshold: float | None
    ) -> list[Classification]:
        if self.fail_times > 0:
            self.fail_times -= 1
            raise Retriable("the classifier is at capacity; retry shortly")
        self.calls.update(texts)
        return await self.inner.classify(
            texts, model_id=model_id, review_threshold=review_threshold
        )


class Crash(Exception):
    pass


@pytest.fixture
def counting(runtime: Runtime) -> CountingClassifier:
    assert runtime.classifier is not None
    return CountingClassifier(runtime.classifier)


async def org_events(js: JetStreamContext, org: Org) -> list[dict[str, Any]]:
    sub = await js.pull_subscribe(
        f"events.{org.id}.>",
        stream="EVENTS",
        config=ConsumerConfig(
            deliver_policy=DeliverPolicy.ALL, mem_storage=True, inactive_threshold=10.0
        ),
    )
    found: list[dict[str, Any]] = []
    try:
        while True:
            try:
                batch = await sub.fetch(100, timeout=0.5)
            except TimeoutError:
                break
            for m in batch:
                await m.ack()
                found.append(orjson.loads(m.data))
    finally:
        await sub.unsubscribe()
    return found


async def count(runtime: Runtime, model: Any, org: Org) -> int:
    async with runtime.sessions() as s:
        return int(
            await s.scalar(
                select(func.count()).select_from(model).where(model.organization_id == org.id)
            )
            or 0
        )


async def test_a_message_is_classified_stored_threaded_and_announced(
    runtime: Runtime, js: JetStreamContext, org: Org, counting: CountingClassifier
) -> None:
    processor = MessageProcessor(runtime.sessions, counting, js)
    result = await processor.process(org.message("m-1"))
    assert result.steps_run == ["stored", "workflows", "events"] and not result.duplicate
    async with runtime.sessions() as s:
        row = await s.get(Message, result.message_id)
        assert row is not None and row.classification is not None
        assert row.classification["intent"]["label"] == "get_refund"
        assert row.pipeline_steps == ["stored", "workflows", "events"]
        conv = await s.get(Conversation, result.conversation_id)
        assert conv is not None and conv.intent == "get_refund" and conv.category == "REFUND"
        contact = await s.get(Contact, conv.contact_id)
        assert contact is not None and contact.email == "casey@example.com"
    kinds = sorted(e["kind"] for e in await org_events(js, org))
    assert kinds == ["conversation.updated", "message.classified", "message.created"]


async def test_a_redelivered_message_is_stored_once_and_no_step_runs_again(
    runtime: Runtime, js: JetStreamContext, org: Org, counting: CountingClassifier
) -> None:
    processor = MessageProcessor(runtime.sessions, counting, js)
    msg = org.message("m-dup")
    first = await processor.process(msg)
    again = await processor.process(msg)
    assert again.duplicate and again.steps_run == [] and again.message_id == first.message_id
    assert sum(counting.calls.values()) == 1
    assert await count(runtime, Message, org) == 1
    assert len(await org_events(js, org)) == 3


@pytest.mark.parametrize("crash_after", ["stored", "workflows"])
async def test_a_crash_between_steps_resumes_at_the_first_unfinished_step(
    runtime: Runtime, js: JetStreamContext, counting: CountingClassifier, crash_after: str
) -> None:
    from tests.ingestion.conftest import make_org

    org = await make_org(runtime)
    async with runtime.sessions() as s, s.begin():
        s.add(
            Workflow(
                organization_id=org.id,
                name="draft all",
                definition={
                    "actions": [{"type": "request_draft"}, {"type": "tag", "tags": ["refunds"]}]
                },
            )
        )

    async def crash(step: str, msg: InboundMessage) -> None:
        if step == crash_after:
            raise Crash(step)

    msg = org.message("m-crash")
    with pytest.raises(Crash):
        await MessageProcessor(runtime.sessions, counting, js, checkpoint=crash).process(msg)
    resumed = await MessageProcessor(runtime.sessions, counting, js).process(msg)
    expected = ["workflows", "events"] if crash_after == "stored" else ["events"]
    assert resumed.steps_run == expected and resumed.duplicate
    assert sum(counting.calls.values()) == 1
    assert await count(runtime, Draft, org) == 1
    async with runtime.sessions() as s:
        conv = await s.get(Conversation, resumed.conversation_id)
        assert conv is not None and conv.tags == ["refunds"]
    kinds = Counter(e["kind"] for e in await org_events(js, org))
    assert kinds == Counter(
        {
            "message.created": 1,
            "message.classified": 1,
            "conversation.updated": 1,
            "draft.requested": 1,
        }
    )


async def test_email_replies_thread_by_headers_then_by_subject(
    runtime: Runtime, js: JetStreamContext, org: Org, processor: MessageProcessor
) -> None:
    first = await processor.process(org.message("e-1", message_id_header="<a1@mail.example>"))
    reply = await processor.process(
        org.message(
            "e-2",
            subject="Re: Where is my refund?",
            in_reply_to="<a1@mail.example>",
            sender=org.message().sender.model_copy(update={"email": "other@example.com"}),
        )
    )
    by_subject = await processor.process(org.message("e-3", subject="RE: Fwd: where is my refund?"))
    unrelated = await processor.process(org.message("e-4", subject="Cancel my order"))
    assert reply.conversation_id == first.conversation_id
    assert by_subject.conversation_id == first.conversation_id
    assert unrelated.conversation_id != first.conversation_id


async def test_a_provider_thread_id_is_authoritative(
    runtime: Runtime, org: Org, processor: MessageProcessor
) -> None:
    a = await processor.process(org.message("t-1", thread_key="ticket-9"))
    b = await processor.process(org.message("t-2", thread_key="ticket-9", subject="other"))
    c = await processor.process(org.message("t-3", thread_key="ticket-10"))
    assert a.conversation_id == b.conversation_id != c.conversation_id


async def test_workflows_set_priority_assign_and_tag_when_conditions_hold(
    runtime: Runtime, org: Org, processor: MessageProcessor
) -> None:
    async with runtime.sessions() as s, s.begin():
        s.add(
            Workflow(
                organization_id=org.id,
                name="refunds are urgent",
                definition={
                    "conditions": [{"fact": "category", "op": "eq", "value": "REFUND"}],
                    "actions": [
                        {"type": "set_priority", "priority": "urgent"},
                        {"type": "tag", "tags": ["money"]},
                    ],
                },
            )
        )
        s.add(
            Workflow(
                organization_id=org.id,
                name="never",
                definition={
                    "conditions": [{"fact": "language", "op": "eq", "value": "fr"}],
                    "actions": [{"type": "tag", "tags": ["french"]}],
                },
            )
        )
    result = await processor.process(org.message())
    async with runtime.sessions() as s:
        conv = await s.get(Conversation, result.conversation_id)
        assert conv is not None and conv.priority == "urgent" and conv.tags == ["money"]


async def test_a_new_message_reopens_a_resolved_conversation(
    runtime: Runtime, org: Org, processor: MessageProcessor
) -> None:
    first = await processor.process(org.message(thread_key="th-r"))
    async with runtime.sessions() as s, s.begin():
        conv = await s.get(Conversation, first.conversation_id)
        assert conv is not None
        conv.status, conv.resolved_at = "resolved", conv.created_at
    await processor.process(org.message(thread_key="th-r"))
    async with runtime.sessions() as s:
        conv = await s.get(Conversation, first.conversation_id)
        assert conv is not None and conv.status == "open" and conv.resolved_at is None


def test_ids_are_unique_per_integration() -> None:
    a = InboundMessage(
        organization_id=uuid.uuid4(),
        integration_id=uuid.uuid4(),
        channel="api",
        external_id="x" * 300,
    )
    assert a.nats_msg_id().startswith(f"in:{a.integration_id}:") and len(a.nats_msg_id()) < 120


async def test_one_batch_threads_into_conversations_it_started_and_stores_each_once(
    runtime: Runtime, js: JetStreamContext, org: Org, counting: CountingClassifier
) -> None:
    processor = MessageProcessor(runtime.sessions, counting, js)
    batch = [
        org.message("b-1", message_id_header="<b1@mail.example>", subject="Broken zipper"),
        org.message("b-2", in_reply_to="<b1@mail.example>", subject="Re: Broken zipper"),
        org.message("b-3", subject="RE: broken zipper"),  # same sender + subject
        org.message("b-4", thread_key="T-1", subject="one"),
        org.message("b-5", thread_key="T-1", subject="two"),
        org.message(
            "b-6",
            subject="Another matter",
            sender=org.message().sender.model_copy(update={"email": "new@example.com"}),
        ),
        org.message("b-1", message_id_header="<b1@mail.example>", subject="Broken zipper"),
    ]
    results = await processor.process_many(batch)
    assert not any(isinstance(r, BaseException) for r in results)
    ok = [r for r in results if not isinstance(r, BaseException)]
    assert ok[0].conversation_id == ok[1].conversation_id == ok[2].conversation_id
    assert ok[3].conversation_id == ok[4].conversation_id != ok[0].conversation_id
    assert len({r.conversation_id for r in ok}) == 3
    assert ok[6].duplicate and ok[6].message_id == ok[0].message_id
    assert sum(counting.calls.values()) == 6
    assert await count(runtime, Message, org) == 6
    assert await count(runtime, Contact, org) == 2
    again = await processor.process_many(batch)
    assert all(not isinstance(r, BaseException) and r.duplicate for r in again)
    assert await count(runtime, Message, org) == 6
