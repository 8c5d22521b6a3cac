"""The drafter on a real durable consumer over NATS: a requested draft is written once and
announced once, whatever is redelivered; a failure is announced as `draft.failed`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import orjson
import pytest
from nats.js import JetStreamContext

from api.runtime import Runtime
from cluster.drafter import DrafterConfig, DraftWorker
from ingestion.events import Event, emit, event_id
from ingestion.streams import EVENTS
from routing.assemble import Lookup, knowledge_lookup
from routing.drafting import fulfil
from routing.ledger_flush import LedgerFlusher
from store.errors import BudgetExceeded
from tests.routing.test_drafting import (
    Case,
    CountingRouter,
    fresh_redis,  # noqa: F401  (autouse)
    ledger_rows,
    load,
    make_case,
)


@pytest.fixture
def lookup(runtime: Runtime) -> Lookup:
    assert runtime.embedder is not None
    return knowledge_lookup(runtime.sessions, runtime.embedder)


def config_for(case: Case) -> DrafterConfig:
    return DrafterConfig(
        durable=f"test-drafter-{case.org_id.hex[:12]}",
        filter_subject=f"events.{case.org_id}.draft.requested",
        ack_wait_s=5.0,
        progress_every_s=1.0,
        busy_delay_s=0.2,
    )


def requested(case: Case, event_key: str | None = None) -> Event:
    return Event(
        id=event_key or event_id("draft.requested", case.message_id),
        kind="draft.requested",
        organization_id=case.org_id,
        conversation_id=case.conversation_id,
        message_id=case.message_id,
    )


@contextlib.asynccontextmanager
async def running(js: JetStreamContext, worker: DraftWorker) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        await js.delete_consumer(EVENTS.name, worker.config.durable)


async def settled(js: JetStreamContext, durable: str, within: float = 30.0) -> None:
    """Every request delivered to the consumer and acked."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        with contextlib.suppress(Exception):  # the consumer is not created yet
            info = await js.consumer_info(EVENTS.name, durable)
            if info.num_pending == 0 and info.num_ack_pending == 0 and info.delivered.stream_seq:
                return
        assert asyncio.get_running_loop().time() < deadline, "the drafter did not settle"
        await asyncio.sleep(0.1)


async def announced(js: JetStreamContext, case: Case, kind: str) -> list[dict[str, object]]:
    subject = f"events.{case.org_id}.{kind}"
    info = await js.stream_info(EVENTS.name, subjects_filter=subject)
    count = (info.state.subjects or {}).get(subject, 0)
    if not count:
        return []
    last = await js.get_last_msg(EVENTS.name, subject)
    assert last.data is not None
    return [orjson.loads(last.data)] * count


async def test_a_requested_draft_is_written_once_and_announced_once(
    runtime: Runtime, js: JetStreamContext, lookup: Lookup, ledger: LedgerFlusher
) -> None:
    case = await make_case(runtime)
    router = CountingRouter(runtime.router)
    await emit(js, requested(case))
    # The same request again under another id: a pipeline redelivery that re-announced it.
    await emit(js, requested(case, event_key=f"draft.requested:{case.message_id}:again"))
    worker = DraftWorker(js, runtime.sessions, router, lookup, config_for(case))
    async with running(js, worker):
        await settled(js, worker.config.durable)
    draft = await load(runtime, case.draft_id)
    assert draft.status == "ready" and draft.provider == "local"
    assert len(router.calls) == 1 and worker.fulfilled == 1
    assert await ledger_rows(runtime, ledger, case.draft_id) == 1
    events = await announced(js, case, "draft.created")
    assert len(events) == 1
    event = events[0]
    assert event["id"] == f"draft.created:{case.draft_id}"
    assert event["message_id"] == str(case.message_id)
    assert event["data"]["draft_id"] == str(case.draft_id)  # type: ignore[index]
    assert event["data"]["provider"] == "local"  # type: ignore[index]
    assert await announced(js, case, "draft.failed") == []


async def test_a_draft_written_before_a_lost_announcement_is_announced_again(
    runtime: Runtime, js: JetStreamContext, lookup: Lookup
) -> None:
    case = await make_case(runtime)
    router = CountingRouter(runtime.router)
    await fulfil(runtime.sessions, router, lookup, draft_id=case.draft_id)  # then crashed
    await emit(js, requested(case))
    worker = DraftWorker(js, runtime.sessions, router, lookup, config_for(case))
    async with running(js, worker):
        await settled(js, worker.config.durable)
    assert len(router.calls) == 1 and worker.fulfilled == 0
    assert len(await announced(js, case, "draft.created")) == 1


async def test_a_draft_the_budget_cannot_cover_is_announced_as_failed(
    runtime: Runtime, js: JetStreamContext, lookup: Lookup
) -> None:
    case = await make_case(runtime)
    refusing = CountingRouter(None, BudgetExceeded("the budget cannot cover this call"))
    await emit(js, requested(case))
    worker = DraftWorker(js, runtime.sessions, refusing, lookup, config_for(case))
    async with running(js, worker):
        await settled(js, worker.config.durable)
    assert (await load(runtime, case.draft_id)).status == "failed"
    events = await announced(js, case, "draft.failed")
    assert len(events) == 1 and events[0]["data"]["status"] == "failed"  # type: ignore[index]
    assert "budget" in str(events[0]["data"]["reason"])  # type: ignore[index]
    assert await announced(js, case, "draft.created") == []
