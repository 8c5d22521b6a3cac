"""Who routes for the API and the pipeline: the `Router` deployment through a handle
(`serve/handles.py`), or a `Router` in this process (tests, `python -m api.main`, the gateway)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from routing.router import Router, RouteRequest, RouteResult
from routing.streaming import StreamItem, route_stream


class RouterBackend(Protocol):
    async def complete(self, call: RouteRequest) -> RouteResult: ...

    def stream(self, call: RouteRequest) -> AsyncIterator[StreamItem]: ...


class InProcessRouter:
    def __init__(self, router: Router) -> None:
        self.router = router

    async def complete(self, call: RouteRequest) -> RouteResult:
        return await self.router.complete(call)

    def stream(self, call: RouteRequest) -> AsyncIterator[StreamItem]:
        return route_stream(self.router, call)

    async def aclose(self) -> None:
        for provider in self.router.providers.values():
            await provider.aclose()
