"""The `Router` deployment: the cost-aware router (routing/) for the ingress and the pipeline.

Budgets live in Redis and policies in PostgreSQL, so any number of replicas route as one; each
replica also moves spend-ledger rows from Redis into PostgreSQL in the background.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from ray import serve
from ray.serve.handle import DeploymentHandle

from routing.router import RouteRequest, RouteResult
from routing.streaming import StreamItem, route_stream


@serve.deployment(
    name="Router",
    ray_actor_options={"num_cpus": 0.25},
    max_ongoing_requests=512,
    max_queued_requests=2048,
    logging_config={"enable_access_log": False, "log_level": "WARNING"},
    graceful_shutdown_wait_loop_s=0.5,
    graceful_shutdown_timeout_s=10,
)
class Router:
    def __init__(self, embedder: DeploymentHandle[Any] | None = None) -> None:
        from api.runtime import Runtime
        from ingestion.events import budget_alert
        from routing.assemble import build_router
        from serve.handles import HandleEmbedder
        from store.settings import get_settings

        self.runtime = Runtime.build(get_settings())
        runtime = self.runtime

        async def alert(org_id: str, crossed: list[str], usage: dict[str, int]) -> None:
            await budget_alert(await runtime.jetstream(), org_id, crossed, usage)

        self.router, self.store, self.flusher = build_router(
            redis=runtime.redis,
            sessions=runtime.sessions,
            box=runtime.secret_box,
            embedder=HandleEmbedder(embedder) if embedder is not None else None,
            on_alert=alert,
        )
        self._flushing: asyncio.Task[None] | None = None

    def _flush_in_background(self) -> None:
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.get_running_loop().create_task(self.flusher.run())

    async def complete(self, call: RouteRequest) -> RouteResult:
        self._flush_in_background()
        return await self.router.complete(call)

    async def stream(self, call: RouteRequest) -> AsyncIterator[StreamItem]:
        self._flush_in_background()
        async for item in route_stream(self.router, call):
            yield item

    async def check_health(self) -> None:
        self._flush_in_background()
        await self.runtime.redis.ping()
