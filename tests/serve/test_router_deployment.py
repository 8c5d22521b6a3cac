"""The `Router` deployment on a real local Ray Serve, two replicas: routed calls and streams
through `HandleRouter`, the router's own errors arriving as themselves, and the budget holding
for 100 concurrent calls spread over both replicas."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import ray
from ray import serve

from api.runtime import Runtime
from routing.contract import ChatMessage
from routing.ledger_flush import LedgerFlusher
from routing.router import RouteRequest, RouteResult
from routing.streaming import StreamEnd, StreamStart
from serve.handles import HandleRouter
from serve.router import Router
from store.errors import BudgetExceeded
from tests.conftest import TEST_DB, database_url
from tests.fakes.llm import Fault
from tests.routing.conftest import Fakes, fakes, ledger_rows, llm, make_org

__all__ = ["fakes", "llm"]  # the provider fakes, shared with tests/routing

pytestmark = pytest.mark.usefixtures("db")
APP = "router-under-test"
HI = [ChatMessage("user", "Where is my order?")]


@pytest.fixture(scope="module")
def handle(runtime: Runtime) -> Iterator[HandleRouter]:
    env = {
        "HF_HUB_OFFLINE": "1",
        "SWITCHBOARD_ENV": "test",
        "DATABASE_URL": database_url(TEST_DB),
        "REDIS_URL": runtime.settings.require("redis_url"),
        "NATS_URL": runtime.settings.require("nats_url"),
        "LOG_LEVEL": "WARNING",
    }
    ray.init(num_cpus=2, include_dashboard=False, runtime_env={"env_vars": env})
    try:
        deployment: Any = Router
        app = deployment.options(num_replicas=2, ray_actor_options={"num_cpus": 0.1}).bind()
        yield HandleRouter(serve.run(app, name=APP, route_prefix=None))
    finally:
        serve.delete(APP)
        ray.shutdown()


def chain(llm: Fakes, *models: str, **budgets: float) -> dict[str, Any]:
    return {
        "providers": llm.providers(),
        "tasks": {"draft": {"models": list(models), "max_output_tokens": 50}},
        "budgets": budgets or {"daily_usd": 10, "monthly_usd": 100},
    }


async def test_calls_and_streams_are_routed_with_fallback(
    handle: HandleRouter, runtime: Runtime, llm: Fakes
) -> None:
    org = await make_org(runtime, chain(llm, "openai:gpt-4o-mini", "anthropic:claude-haiku-4-5"))
    llm.openai.faults.always(Fault(status=503))
    result: RouteResult = await handle.complete(RouteRequest(org, "draft", HI))
    assert result.provider == "anthropic" and result.fallback_path == ["openai:gpt-4o-mini"]
    items = [item async for item in handle.stream(RouteRequest(org, "draft", HI))]
    assert isinstance(items[0], StreamStart) and items[0].provider == "anthropic"
    assert isinstance(items[-1], StreamEnd) and items[-1].cost_usd > 0


async def test_router_errors_reach_the_caller_as_themselves(
    handle: HandleRouter, runtime: Runtime, llm: Fakes
) -> None:
    org = await make_org(
        runtime, chain(llm, "openai:gpt-4o-mini", daily_usd=0.000001, monthly_usd=1)
    )
    with pytest.raises(BudgetExceeded):
        await handle.complete(RouteRequest(org, "draft", HI))


async def test_two_replicas_never_overspend(
    handle: HandleRouter, runtime: Runtime, llm: Fakes, ledger: LedgerFlusher
) -> None:
    limit = Decimal("0.0003")
    org = await make_org(
        runtime,
        chain(llm, "openai:gpt-4o-mini", "local", daily_usd=float(limit), monthly_usd=1),
    )
    llm.openai.faults.set_latency(0.05)
    results = await asyncio.gather(
        *(handle.complete(RouteRequest(org, "draft", HI)) for _ in range(100))
    )
    paid = [r for r in results if r.provider == "openai"]
    assert 0 < len(paid) < 100 and all(r.degraded == "budget" for r in results if r not in paid)
    assert len(llm.openai.requests) == len(paid)
    deadline = time.monotonic() + 10  # the replicas move the ledger into PostgreSQL themselves
    while len(await ledger_rows(runtime, org)) < 100 and time.monotonic() < deadline:
        await ledger.drain()
        await asyncio.sleep(0.2)
    rows = await ledger_rows(runtime, org)
    assert len(rows) == 100
    assert sum((r.cost_usd for r in rows), Decimal(0)) <= limit
