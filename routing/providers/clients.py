"""A bounded cache of SDK clients, one per (base URL, API key), each with its connection pool.

Building a client per call would open a connection per call; keeping every org's client forever
would hold sockets for orgs long gone. An evicted client may still be serving a call, so it is
closed after a grace period rather than at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, Literal, TypeVar

C = TypeVar("C")
DEFAULT_SIZE = 64
Transport = Literal["aiohttp", "httpx"]
RETIRE_AFTER_S = 600.0  # longer than any request timeout we allow


class ClientCache(Generic[C]):
    """Least-recently-used SDK clients keyed by (base_url, api_key)."""

    def __init__(
        self,
        build: Callable[[str | None, str], C],
        close: Callable[[C], Awaitable[None]],
        *,
        size: int = DEFAULT_SIZE,
    ) -> None:
        self._build = build
        self._close = close
        self._size = size
        self._clients: OrderedDict[tuple[str | None, str], C] = OrderedDict()
        self._retiring: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._clients)

    def get(self, base_url: str | None, api_key: str) -> C:
        key = (base_url, api_key)
        client = self._clients.get(key)
        if client is not None:
            self._clients.move_to_end(key)
            return client
        client = self._clients[key] = self._build(base_url, api_key)
        if len(self._clients) > self._size:
            _, evicted = self._clients.popitem(last=False)
            self._retire(evicted)
        return client

    def _retire(self, client: C) -> None:
        task = asyncio.get_running_loop().create_task(self._close_later(client))
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    async def _close_later(self, client: C) -> None:
        try:
            await asyncio.sleep(RETIRE_AFTER_S)
        finally:  # cancelled by aclose(): close now
            await self._close(client)

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), OrderedDict()
        for task in list(self._retiring):
            task.cancel()
        for task in list(self._retiring):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for client in clients:
            await self._close(client)
