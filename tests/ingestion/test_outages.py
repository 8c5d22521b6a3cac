"""Restart NATS or PostgreSQL during a run (private instances, never the machine's services):
nothing acknowledged is lost, nothing is stored twice, work resumes when they return."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest
from nats.js import JetStreamContext
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.runtime import Runtime
from cluster.embedded import EmbeddedNats, EmbeddedPostgres
from ingestion.pipeline.processor import MessageProcessor
from ingestion.pipeline.worker import PipelineWorker
from ingestion.streams import ensure_streams, publish
from store import migrate
from store.db import create_engine_from, session_factory
from store.errors import Retriable
from store.tables import Integration, Message, Organization
from tests.conftest import make_settings
from tests.ingestion.conftest import Org
from tests.ingestion.test_worker import running

TOTAL = 40


@pytest.fixture(scope="module")
def services(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[EmbeddedPostgres, EmbeddedNats]]:
    root = Path(tmp_path_factory.mktemp("outage"))
    with EmbeddedPostgres(root) as pg, EmbeddedNats(root) as bus:
        migrate.upgrade(pg.url)
        yield pg, bus


@contextlib.asynccontextmanager
async def private(
    services: tuple[EmbeddedPostgres, EmbeddedNats],
) -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], JetStreamContext]]:
    pg, bus = services
    settings = make_settings(database_url=pg.url, nats_url=bus.url)
    engine = create_engine_from(settings)
    nc = await nats.connect(bus.url, max_reconnect_attempts=-1, reconnect_time_wait=0.5)
    js = nc.jetstream()
    await ensure_streams(js)
    try:
        yield session_factory(engine), js
    finally:
        await nc.close()
        await engine.dispose()


async def new_org(sessions: async_sessionmaker[AsyncSession]) -> Org:
    org = Org(uuid.uuid4(), uuid.uuid4())
    async with sessions() as s, s.begin():
        s.add(Organization(id=org.id, name="Outage", slug=f"o-{org.id.hex[:12]}"))
        await s.flush()
        s.add(
            Integration(
                id=org.integration_id,
                organization_id=org.id,
                name="API",
                type="api",
                status="active",
                config={},
                health={},
            )
        )
    return org


async def stored(sessions: async_sessionmaker[AsyncSession], org: Org) -> int:
    with contextlib.suppress(Exception):  # the database may be down right now
        async with sessions() as s:
            return int(
                await s.scalar(
                    select(func.count())
                    .select_from(Message)
                    .where(Message.organization_id == org.id)
                )
                or 0
            )
    return -1


async def wait_count(
    sessions: async_sessionmaker[AsyncSession], org: Org, n: int, within: float = 90.0
) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while await stored(sessions, org) < n:
        assert asyncio.get_running_loop().time() < deadline, f"only {await stored(sessions, org)}"
        await asyncio.sleep(0.2)


async def send_all(js: JetStreamContext, org: Org, ids: range) -> None:
    for i in ids:
        msg = org.message(f"m-{i}")
        await publish(
            js, msg.subject_name(), msg.model_dump_json().encode(), msg_id=msg.nats_msg_id()
        )


@pytest.mark.slow
async def test_nats_restarting_mid_run_loses_and_duplicates_nothing(
    runtime: Runtime, services: tuple[EmbeddedPostgres, EmbeddedNats]
) -> None:
    _, bus = services
    async with private(services) as (sessions, js):
        org = await new_org(sessions)
        await send_all(js, org, range(TOTAL // 2))
        assert runtime.classifier is not None
        worker = PipelineWorker(
            js, MessageProcessor(sessions, runtime.classifier, js), org.worker_config()
        )
        async with running(worker):
            await wait_count(sessions, org, 5)
            await asyncio.to_thread(bus.stop)
            with pytest.raises(Retriable):  # while down, a sender gets no acknowledgement
                await send_all(js, org, range(TOTAL, TOTAL + 1))
            await asyncio.to_thread(bus.start)
            # The sender retries what was not acknowledged (the client may have flushed it on
            # reconnect already: the same Nats-Msg-Id makes the retry a no-op then).
            await send_all(js, org, range(TOTAL // 2, TOTAL + 1))
            await wait_count(sessions, org, TOTAL + 1)
            await asyncio.sleep(1.0)
        assert await stored(sessions, org) == TOTAL + 1


@pytest.mark.slow
async def test_postgres_restarting_mid_run_loses_and_duplicates_nothing(
    runtime: Runtime, services: tuple[EmbeddedPostgres, EmbeddedNats]
) -> None:
    pg, _ = services
    async with private(services) as (sessions, js):
        org = await new_org(sessions)
        await send_all(js, org, range(TOTAL))
        assert runtime.classifier is not None
        worker = PipelineWorker(
            js,
            MessageProcessor(sessions, runtime.classifier, js),
            org.worker_config(retry_for_s=3.0),
        )
        async with running(worker):
            await wait_count(sessions, org, 5)
            await asyncio.to_thread(pg.stop)
            await asyncio.sleep(2.0)
            await asyncio.to_thread(pg.start)
            await wait_count(sessions, org, TOTAL)
            await asyncio.sleep(1.0)
        assert await stored(sessions, org) == TOTAL
