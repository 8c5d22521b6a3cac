"""The hard budget holds under 100 concurrent requests spread over two router processes: the
budget is reserved atomically in Redis, so no lock inside one process can pass for it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal

import httpx
import openai
import pytest

from api.runtime import Runtime
from routing.ledger_flush import LedgerFlusher
from tests.conftest import TEST_DB, database_url, register
from tests.fakes.http_server import free_port
from tests.ingestion.live import api_key
from tests.routing.conftest import Fakes, ledger_rows

pytestmark = pytest.mark.usefixtures("db")
LIMIT_USD = 0.0003


def _start(port: int, runtime: Runtime) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SWITCHBOARD_ENV": "test",
        "DATABASE_URL": database_url(TEST_DB),
        "REDIS_URL": runtime.settings.require("redis_url"),
        "NATS_URL": runtime.settings.require("nats_url"),
        "RATE_LIMIT_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        "HF_HUB_OFFLINE": "1",
    }
    command = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1",
               "--port", str(port), "--no-access-log", "--log-level", "warning"]  # fmt: skip
    return subprocess.Popen(command, env=env)


def _wait(port: int, deadline_s: float = 60) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"router process on :{port} did not start")


@pytest.fixture
def two_routers(runtime: Runtime) -> Iterator[list[str]]:
    ports = [free_port(), free_port()]
    procs = [_start(port, runtime) for port in ports]
    try:
        for port in ports:
            _wait(port)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=15)


async def test_a_hundred_concurrent_requests_never_overspend(
    two_routers: list[str], runtime: Runtime, llm: Fakes, ledger: LedgerFlusher
) -> None:
    llm.openai.faults.set_latency(0.05)  # keep many calls in flight at once
    async with httpx.AsyncClient(base_url=two_routers[0]) as http:
        tenant = await register(http)
        key = await api_key(http, tenant.headers, scopes=["llm"])
        policy = {
            "providers": {"openai": llm.providers()["openai"]},
            "tasks": {"draft": {"models": ["openai:gpt-4o-mini", "local"],
                                "max_output_tokens": 50}},
            "budgets": {"daily_usd": LIMIT_USD, "monthly_usd": 1},
        }  # fmt: skip
        r = await http.put("/api/v1/routing/policy", headers=tenant.headers, json=policy)
        assert r.status_code == 200, r.text
    clients = [openai.AsyncOpenAI(base_url=f"{u}/v1", api_key=key, max_retries=0)
               for u in two_routers]  # fmt: skip

    async def one(i: int) -> str | None:
        raw = await clients[i % 2].chat.completions.with_raw_response.create(
            model="auto", messages=[{"role": "user", "content": "Reply ok."}]
        )
        assert raw.parse().choices[0].message.content
        return raw.headers.get("x-switchboard-degraded")

    outcomes = await asyncio.gather(*(one(i) for i in range(100)))
    for client in clients:
        await client.close()
    paid = sum(1 for o in outcomes if o is None)
    assert 0 < paid < 100 and set(outcomes) == {None, "budget"}
    assert len(llm.openai.requests) == paid  # every upstream call was one a client received

    await ledger.drain()
    rows = await ledger_rows(runtime, tenant.org_id)
    spent = sum((r.cost_usd for r in rows), Decimal(0))
    assert spent <= Decimal(str(LIMIT_USD))  # overspend beyond the hard budget: zero
    assert sum(1 for r in rows if r.provider == "openai" and r.status == "ok") == paid
    used = await runtime.redis.hgetall(
        f"sb:b:{{{tenant.org_id}}}:d:{time.strftime('%Y-%m-%d', time.gmtime())}"
    )
    assert int(used["spent"]) == int(spent * 1_000_000) and int(used["held"]) == 0
