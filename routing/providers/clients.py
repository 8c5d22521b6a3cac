"""A bounded cache of SDK clients, one per (base URL, API key), each with its connection pool.

Building a client per call would open a connection per call; keeping every org's client forever
would hold sockets for orgs long gone. An evicted client may still be serving a call, so it is
closed after a grace period rather than at once.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, Literal, TypeVar

C = TypeVar("C")
DEFAULT_SIZE = 64
Transport = Literal["aiohttp", "httpx"]
RETIRE_AFTER_S = 600.0  # longer than any request timeout we allow


class ClientCache(Generic[C]):
    """Least-recently-used SDK clients keyed by (base_url, api_key), used from one event loop
    (the aiohttp sessions inside are bound to it)."""

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
        self._retiring: dict[asyncio.Task[None], C] = {}

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
        self._retiring[task] = client
        task.add_done_callback(lambda done: self._retiring.pop(done, None))

    async def _close_later(self, client: C) -> None:
        await asyncio.sleep(RETIRE_AFTER_S)
        await self._close(client)

    async def aclose(self) -> None:
        """Close every client now, retiring ones included; the cache stays usable."""
        clients = [*self._clients.values(), *self._retiring.values()]
        for task in self._retiring:
            task.cancel()
        self._clients, self._retiring = OrderedDict(), {}
        for client in clients:
            await self._close(client)
