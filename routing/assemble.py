"""One place that builds a working router from a process's pools: providers, budget, policies,
knowledge lookups for local drafts, and the ledger flusher."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from routing import knowledge
from routing.budget import Budget
from routing.contract import Source
from routing.embedding import EmbedderBackend
from routing.ledger_flush import LedgerFlusher
from routing.policies import PolicyStore
from routing.providers.base import Provider
from routing.providers.local import LocalProvider
from routing.providers.registry import external_providers
from routing.router import Alert, Router
from store.crypto import SecretBox

Lookup = Callable[[str, str], Awaitable[list[tuple[Source, str]]]]


def knowledge_lookup(
    sessions: async_sessionmaker[AsyncSession], embedder: EmbedderBackend
) -> Lookup:
    async def lookup(org_id: str, text: str) -> list[tuple[Source, str]]:
        async with sessions() as session:
            return await knowledge.search(
                session, org_id=uuid.UUID(org_id), text=text, embedder=embedder
            )

    return lookup


def build_router(
    *,
    redis: Redis,
    sessions: async_sessionmaker[AsyncSession],
    box: SecretBox,
    embedder: EmbedderBackend | None = None,
    on_alert: Alert | None = None,
    providers: dict[str, Provider] | None = None,
) -> tuple[Router, PolicyStore, LedgerFlusher]:
    store = PolicyStore(sessions, redis, box)
    every: dict[str, Provider] = {**external_providers(), "local": LocalProvider()}
    every.update(providers or {})
    router = Router(
        budget=Budget(redis),
        policies=store,
        providers=every,
        on_alert=on_alert,
        knowledge=knowledge_lookup(sessions, embedder) if embedder is not None else None,
    )
    return router, store, LedgerFlusher(redis, sessions)
