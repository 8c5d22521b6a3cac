"""The real app on a real port, in the test's event loop (websockets need a server)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import uvicorn

from api.app import create_app
from api.runtime import Runtime
from tests.fakes.http_server import free_port


@contextlib.asynccontextmanager
async def live_app(runtime: Runtime) -> AsyncIterator[str]:
    app = create_app(runtime=runtime)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.01)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


async def api_key(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> str:
    r = await client.post("/api/v1/api-keys", headers=headers, json={"name": "inbound", **body})
    assert r.status_code == 201, r.text
    return str(r.json()["key"])


async def integration(
    client: httpx.AsyncClient, headers: dict[str, str], type_: str = "api", **config: Any
) -> str:
    r = await client.post(
        "/api/v1/integrations",
        headers=headers,
        json={"name": f"{type_} channel", "type": type_, "config": config},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])
