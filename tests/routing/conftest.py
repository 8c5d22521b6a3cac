"""Routing tests: the three provider fakes on loopback ports, and committed organizations whose
policies point at them (the router reads policies through its own connections)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import delete

from api.runtime import Runtime
from routing import policies
from routing.assemble import build_router
from routing.breaker import Breakers
from routing.router import Router
from store.tables import Organization, ProviderUsage
from tests.fakes.http_server import serve_app
from tests.fakes.llm import AnthropicFake, FakeLLM, GeminiFake, OpenAIFake


@dataclass
class Fakes:
    openai: FakeLLM
    anthropic: FakeLLM
    google: FakeLLM
    urls: dict[str, str]

    def reset(self) -> None:
        for fake in (self.openai, self.anthropic, self.google):
            fake.faults.clear()
            fake.clear_requests()

    def providers(self) -> dict[str, dict[str, str]]:
        return {name: {"base_url": url, "api_key": f"sk-test-{name}"} for name, url in
                self.urls.items()}  # fmt: skip


@pytest.fixture(scope="session")
def fakes() -> Iterator[Fakes]:
    made = {"openai": OpenAIFake(), "anthropic": AnthropicFake(), "google": GeminiFake()}
    with (
        serve_app(made["openai"].app) as o,
        serve_app(made["anthropic"].app) as a,
        serve_app(made["google"].app) as g,
    ):
        # Each SDK's base URL as its own clients expect it.
        urls = {"openai": f"{o}/v1", "anthropic": a, "google": g}
        yield Fakes(made["openai"], made["anthropic"], made["google"], urls)


@pytest.fixture
def llm(fakes: Fakes) -> Iterator[Fakes]:
    fakes.reset()
    yield fakes
    fakes.reset()


async def make_org(runtime: Runtime, policy: dict[str, Any]) -> str:
    """A committed organization with `policy` saved (and announced) as the API would."""
    org_id = uuid.uuid4()
    async with runtime.sessions() as session, session.begin():
        session.add(Organization(id=org_id, name="Routing Co", slug=f"route-{org_id.hex[:12]}"))
        await session.flush()
        await policies.save(
            session, org_id=org_id, document=policy, box=runtime.secret_box, user_id=None
        )
    await policies.announce(runtime.redis, org_id)
    return str(org_id)


async def ledger_rows(runtime: Runtime, org_id: str) -> list[ProviderUsage]:
    from sqlalchemy import select

    async with runtime.sessions() as session:
        rows = await session.execute(
            select(ProviderUsage)
            .where(ProviderUsage.organization_id == uuid.UUID(org_id))
            .order_by(ProviderUsage.created_at)
        )
        return list(rows.scalars())


async def drop_org(runtime: Runtime, org_id: str) -> None:
    async with runtime.sessions() as session, session.begin():
        await session.execute(delete(Organization).where(Organization.id == uuid.UUID(org_id)))


@pytest.fixture
async def router(runtime: Runtime) -> AsyncIterator[Router]:
    """A fresh router (its own circuit breakers) over the test runtime's pools."""
    built, _, _ = build_router(
        redis=runtime.redis,
        sessions=runtime.sessions,
        box=runtime.secret_box,
        embedder=runtime.embedder,
    )
    built.breakers = Breakers(threshold=3, cooldown_s=0.5)
    built.retry = type(built.retry)(retries=1, base_s=0.01, max_wait_s=1.0)
    yield built
    for provider in built.providers.values():
        await provider.aclose()
