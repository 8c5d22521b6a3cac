"""GET /api/v1/ws: the caller's organization's events, live, resumable by sequence number.

Authenticate with `?token=<JWT or API key>`. The first frame is `{"kind": "hello", "seq": N}`,
sent once the subscription is in place: N is the position the socket starts after (the stream's
last sequence number, or `since`). Each later frame is an event with its `seq` (its position in
the EVENTS stream). A client that reconnects with `?since=<the last seq it saw, hello's included>`
gets every event after it (JetStream replay), then the live ones, in order, without gaps — even
if no event had arrived before the connection dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from nats.js.api import ConsumerConfig, DeliverPolicy

from api import principals
from api.runtime import Runtime
from ingestion.streams import EVENTS
from store.errors import SwitchboardError

router = APIRouter(tags=["events"])
log = logging.getLogger(__name__)
POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013


async def _authenticate(ws: WebSocket, runtime: Runtime) -> Any:
    token = ws.query_params.get("token") or ws.headers.get("x-api-key") or ""
    async with runtime.sessions() as session:
        principal = await principals.resolve(runtime, session, token)
    if not principal.can("read:conversations"):
        raise PermissionError("missing permission read:conversations")
    return principal


def _since(ws: WebSocket) -> int | None:
    raw = ws.query_params.get("since")
    return int(raw) if raw and raw.isdigit() else None


@router.websocket("/api/v1/ws")
async def events_socket(ws: WebSocket) -> None:
    runtime: Runtime = ws.app.state.runtime
    try:
        principal = await _authenticate(ws, runtime)
        js = await runtime.jetstream()
    except (SwitchboardError, PermissionError) as exc:
        await ws.close(code=POLICY_VIOLATION, reason=str(exc)[:120])
        return
    await ws.accept()
    since = _since(ws)
    if since is None:
        # Start after the stream's current end, by number rather than "new": the client learns
        # that number (hello) and resumes from it, so an event published between this read and
        # the subscription is delivered, and one published while it is away is replayed.
        since = (await js.stream_info(EVENTS.name)).state.last_seq
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=1000)

    async def deliver(msg: Any) -> None:
        await queue.put(msg)

    sub = await js.subscribe(
        f"events.{principal.org_id}.>",
        stream=EVENTS.name,
        cb=deliver,
        ordered_consumer=True,
        deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
        config=ConsumerConfig(opt_start_seq=since + 1),
    )
    try:
        await ws.send_text(orjson.dumps({"kind": "hello", "seq": since}).decode())
    except (WebSocketDisconnect, RuntimeError):
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
        return
    listener = asyncio.create_task(_drain_client(ws))
    try:
        await _forward(ws, queue, listener)
    finally:
        listener.cancel()
        with contextlib.suppress(Exception):
            await sub.unsubscribe()


async def _forward(ws: WebSocket, queue: asyncio.Queue[Any], listener: asyncio.Task[None]) -> None:
    while not listener.done():
        getter = asyncio.ensure_future(queue.get())
        done, _ = await asyncio.wait({getter, listener}, return_when=asyncio.FIRST_COMPLETED)
        if getter not in done:
            getter.cancel()
            return
        msg = getter.result()
        frame = orjson.loads(msg.data)
        frame["seq"] = msg.metadata.sequence.stream
        try:
            await ws.send_text(orjson.dumps(frame).decode())
        except (WebSocketDisconnect, RuntimeError):
            return


async def _drain_client(ws: WebSocket) -> None:
    """Read (and ignore) what the client sends, to notice when it goes away."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            await ws.receive_text()
