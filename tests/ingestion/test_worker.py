"""The worker on a real durable consumer: exactly-once effects, back-pressure, dead letters."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from nats.js import JetStreamContext
from sqlalchemy import func, select

from api.runtime import Runtime
from ingestion.pipeline.deadletter import list_dead_letters, replay
from ingestion.pipeline.processor import MessageProcessor
from ingestion.pipeline.worker import PipelineWorker, WorkerConfig
from ingestion.streams import publish
from store.tables import Message
from tests.ingestion.conftest import Org
from tests.ingestion.test_processor import CountingClassifier


@contextlib.asynccontextmanager
async def running(worker: PipelineWorker) -> AsyncIterator[PipelineWorker]:
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        yield worker
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def stored(runtime: Runtime, org: Org) -> int:
    async with runtime.sessions() as s:
        return int(
            await s.scalar(
                select(func.count()).select_from(Message).where(Message.organization_id == org.id)
            )
            or 0
        )


async def wait_for(predicate, within: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + within
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.1)


async def send(
    js: JetStreamContext, org: Org, external_id: str, *, msg_id: str | None = None
) -> None:
    msg = org.message(external_id)
    await publish(
        js, msg.subject_name(), msg.model_dump_json().encode(), msg_id=msg_id or msg.nats_msg_id()
    )


async def test_duplicates_published_and_redelivered_are_stored_once(
    runtime: Runtime, js: JetStreamContext, org: Org
) -> None:
    assert runtime.classifier is not None
    counting = CountingClassifier(runtime.classifier)
    for i in range(12):
        await send(js, org, f"x-{i % 8}")  # 4 exact repeats: JetStream drops them
        if i % 3 == 0:  # and repeats under another msg id (a sender's retry after a timeout)
            await send(js, org, f"x-{i % 8}", msg_id=f"retry-{i}")
    worker = PipelineWorker(
        js, MessageProcessor(runtime.sessions, counting, js), org.worker_config()
    )
    async with running(worker):
        await wait_for(lambda: _equals(stored(runtime, org), 8))
        await asyncio.sleep(0.5)
    assert await stored(runtime, org) == 8
    assert sum(counting.calls.values()) == 8


async def _equals(value, expected: int) -> bool:  # type: ignore[no-untyped-def]
    return bool(await value == expected)


async def test_an_overloaded_classifier_is_waited_out_not_dead_lettered(
    runtime: Runtime, js: JetStreamContext, org: Org
) -> None:
    assert runtime.classifier is not None
    flaky = CountingClassifier(runtime.classifier, fail_times=6)
    worker = PipelineWorker(
        js,
        MessageProcessor(runtime.sessions, flaky, js),
        org.worker_config(retry_for_s=1.0, max_deliver=2),
    )
    await send(js, org, "busy-1")
    async with running(worker):
        await wait_for(lambda: _equals(stored(runtime, org), 1))
    assert await list_dead_letters(js, org.id) == []


async def test_a_poison_message_is_dead_lettered_without_blocking_others_and_can_be_replayed(
    runtime: Runtime, js: JetStreamContext, org: Org, processor: MessageProcessor
) -> None:
    await publish(js, f"inbound.{org.id}.api", b'{"not": "a message"}', msg_id=f"poison-{org.id}")
    for i in range(3):
        await send(js, org, f"ok-{i}")
    worker = PipelineWorker(js, processor, org.worker_config())
    async with running(worker):
        await wait_for(lambda: _equals(stored(runtime, org), 3))
        letters = await list_dead_letters(js, org.id)
    assert len(letters) == 1
    assert letters[0].error_type == "ValidationError" and letters[0].message == {"not": "a message"}
    assert letters[0].subject == f"inbound.{org.id}.api"
    # replay puts it back (it fails again and returns: it is still poison, nothing is lost)
    await replay(js, org.id, letters[0].seq)
    assert await list_dead_letters(js, org.id) == []


async def test_a_message_failing_every_time_is_dead_lettered_after_max_deliveries(
    runtime: Runtime, js: JetStreamContext, org: Org
) -> None:
    class Broken:
        async def classify(self, texts, *, model_id, review_threshold):  # type: ignore[no-untyped-def]
            raise ValueError("model exploded")

    worker = PipelineWorker(
        js, MessageProcessor(runtime.sessions, Broken(), js), org.worker_config(max_deliver=2)
    )
    await send(js, org, "doomed")
    async with running(worker):

        async def lettered() -> bool:
            return len(await list_dead_letters(js, org.id)) == 1

        await wait_for(lettered, within=20)
    (letter,) = await list_dead_letters(js, org.id)
    assert letter.error == "model exploded" and letter.deliveries == 2
    assert await stored(runtime, org) == 0


@pytest.mark.parametrize("other", [True])
async def test_another_organizations_dead_letters_are_invisible(
    runtime: Runtime, js: JetStreamContext, org: Org, other: bool
) -> None:
    from tests.ingestion.conftest import make_org

    stranger = await make_org(runtime)
    await publish(js, f"inbound.{org.id}.api", b"garbage", msg_id=f"g-{org.id}")
    worker = PipelineWorker(
        js,
        MessageProcessor(runtime.sessions, runtime.classifier, js),  # type: ignore[arg-type]
        org.worker_config(),
    )
    async with running(worker):

        async def lettered() -> bool:
            return len(await list_dead_letters(js, org.id)) == 1

        await wait_for(lettered)
    assert await list_dead_letters(js, stranger.id) == []
    from store.errors import NotFound

    (letter,) = await list_dead_letters(js, org.id)
    with pytest.raises(NotFound):
        await replay(js, stranger.id, letter.seq)


def test_worker_config_defaults_leave_outages_out_of_the_delivery_count() -> None:
    config = WorkerConfig()
    assert config.max_deliver >= 3 and config.ack_wait_s >= 10
