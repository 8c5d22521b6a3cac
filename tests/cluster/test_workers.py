"""Pipeline workers as supervised Ray actors: killed mid-message, nothing is lost or done twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator

import pytest
import ray
from nats.js import JetStreamContext

from api.runtime import Runtime
from cluster.workers import PipelineActor, settings_payload
from ingestion.streams import publish
from store.settings import Settings
from store.tables import Message
from tests.ingestion.conftest import Org, make_org
from tests.ingestion.test_processor import org_events


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False,
             runtime_env={"env_vars": {"HF_HUB_OFFLINE": "1"}})  # fmt: skip
    try:
        yield
    finally:
        ray.shutdown()


async def steps_of(runtime: Runtime, org: Org, external_id: str) -> list[str] | None:
    async with runtime.sessions() as s:
        from sqlalchemy import select

        row = await s.scalar(
            select(Message).where(
                Message.integration_id == org.integration_id, Message.external_id == external_id
            )
        )
        return list(row.pipeline_steps) if row else None


async def until(check, within: float = 90.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.2)


def worker_options(org: Org) -> dict[str, object]:
    return {
        "durable": f"ray-{org.id.hex[:12]}",
        "filter_subject": f"inbound.{org.id}.>",
        # Redelivery is what these tests wait for, so it is short; but longer than a fresh
        # actor's first message (it loads the models) on a loaded CI machine, or that message
        # would be redelivered while still in progress and its steps counted twice.
        "ack_wait_s": 8.0,
        "max_deliver": 5,
    }


@pytest.mark.slow
async def test_a_worker_killed_mid_message_is_restarted_and_resumes_without_repeating_a_step(
    local_ray: None, runtime: Runtime, js: JetStreamContext, settings: Settings
) -> None:
    org = await make_org(runtime)
    msg = org.message("kill-me")
    await publish(js, msg.subject_name(), msg.model_dump_json().encode(), msg_id=msg.nats_msg_id())
    # The actor stalls right after storing; Ray restarts it after the kill and re-runs `run`.
    actor = PipelineActor.remote(
        settings_payload(settings),
        worker_options(org),  # type: ignore[attr-defined]
        classifier="local",
        hang_after="stored",
    )
    run = actor.run.remote()
    await until(lambda: _equals(steps_of(runtime, org, "kill-me"), ["stored"]))
    ray.kill(actor, no_restart=False)
    await until(
        lambda: _equals(steps_of(runtime, org, "kill-me"), ["stored", "workflows", "events"])
    )
    progress = await actor.progress.remote()
    assert progress == ["kill-me:workflows", "kill-me:events"]  # the restarted actor's steps
    kinds = Counter(e["kind"] for e in await org_events(js, org))
    assert kinds == Counter(
        {"message.created": 1, "message.classified": 1, "conversation.updated": 1}
    )
    await actor.stop.remote()
    assert await run >= 1


@pytest.mark.slow
async def test_a_worker_killed_for_good_is_replaced_by_another_that_finishes_the_message(
    local_ray: None, runtime: Runtime, js: JetStreamContext, settings: Settings
) -> None:
    org = await make_org(runtime)
    msg = org.message("orphan")
    await publish(js, msg.subject_name(), msg.model_dump_json().encode(), msg_id=msg.nats_msg_id())
    first = PipelineActor.remote(
        settings_payload(settings),
        worker_options(org),  # type: ignore[attr-defined]
        classifier="local",
        hang_after="workflows",
    )
    first.run.remote()
    await until(lambda: _equals(steps_of(runtime, org, "orphan"), ["stored", "workflows"]))
    ray.kill(first, no_restart=True)
    second = PipelineActor.remote(
        settings_payload(settings),
        worker_options(org),  # type: ignore[attr-defined]
        classifier="local",
        trace=True,
    )
    run = second.run.remote()
    await until(
        lambda: _equals(steps_of(runtime, org, "orphan"), ["stored", "workflows", "events"])
    )
    assert await second.progress.remote() == ["orphan:events"]
    await second.stop.remote()
    await run


async def _equals(value, expected) -> bool:  # type: ignore[no-untyped-def]
    return bool(await value == expected)
