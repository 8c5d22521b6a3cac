"""GET /api/v1/widget/ws?key=wk_...: a website visitor's live chat (frames: api/widget/frames.py,
protocol: docs/connectors/widget.md).

The socket is opened from customers' sites, on their origins, so the browser's same-origin rules
protect nothing here: the key names the widget, the integration's allowed origins are checked,
and every frame is validated and rate limited. A visitor's message is acknowledged only after
JetStream stored it (as the webhook route does); replies and the agent's typing arrive on the
visitor's core NATS subject, whichever replica published them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import nats
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg

from api.runtime import Runtime
from api.widget.frames import (
    Ack,
    ErrorFrame,
    FrameBudget,
    FrameError,
    Hello,
    Ping,
    Pong,
    Say,
    Typing,
    Welcome,
    parse,
)
from api.widget.history import conversation_of, history
from api.widget.visitors import Site, Visitor, VisitorTokens, resolve
from ingestion.connections import config_of
from ingestion.connectors.widget import SPEC, WidgetConfig, integration_for, visitor_subject
from ingestion.events import Event, emit
from ingestion.streams import publish
from store.errors import BadInput, Forbidden, NotFound, Retriable, SwitchboardError
from store.tables import Integration

router = APIRouter(tags=["widget"])
log = logging.getLogger(__name__)

POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013
HELLO_TIMEOUT_S = 10.0
CONNECT_LIMIT = "120/minute"  # new sockets per client address (TRUSTED_PROXIES) and widget
MESSAGE_LIMIT = "30/minute"  # messages per visitor thread, across their sockets
TYPING_EVERY_S = 2.0  # at most one "still typing" event per visitor this often
OUTBOX_FRAMES = 256


class _Gone(Exception):
    """The visitor left before the greeting was over."""


@router.websocket("/api/v1/widget/ws")
async def widget_socket(ws: WebSocket) -> None:
    runtime: Runtime = ws.app.state.runtime
    # Accepted first, so a refusal can say why in a frame: a browser sees no close reason for a
    # refused handshake, and the SDK must tell "stop retrying" from "network trouble".
    await ws.accept()
    try:
        site = await open_site(runtime, ws)
        visitor = resolve(site, await _hello(ws), VisitorTokens(runtime.settings.jwt_secret))
        await runtime.jetstream()  # connects the bus if it was down: a 1013 rather than a hang
        assert runtime.nats is not None
        await VisitorSocket(ws, runtime, runtime.nats, visitor).run()
    except _Gone:
        return
    except FrameError as exc:
        await _refuse(ws, ErrorFrame(code=exc.code, message=exc.message), POLICY_VIOLATION)
    except SwitchboardError as exc:
        retry_after = getattr(exc, "retry_after", None)
        code = TRY_AGAIN_LATER if retry_after is not None else POLICY_VIOLATION
        frame = ErrorFrame(code=exc.code, message=exc.message, retry_after=retry_after)
        await _refuse(ws, frame, code)


async def open_site(runtime: Runtime, ws: WebSocket) -> Site:
    """The widget the key names, if active and embedded on an allowed origin."""
    integration_id = integration_for(ws.query_params.get("key"))
    if integration_id is None:
        raise NotFound("widget: unknown key", code="unknown_key")
    await runtime.limiter.hit(CONNECT_LIMIT, "widget-connect", str(integration_id),
                              _address(ws, runtime))  # fmt: skip
    async with runtime.sessions() as session:
        row = await session.get(Integration, integration_id)
        if row is None or row.type != SPEC.slug or row.status != "active":
            raise NotFound("widget: unknown key", code="unknown_key")
        config = config_of(row, runtime.secret_box)
        organization_id = row.organization_id
    assert isinstance(config, WidgetConfig)
    _check_origin(ws, config)
    return Site(integration_id=integration_id, organization_id=organization_id, config=config)


def _check_origin(ws: WebSocket, config: WidgetConfig) -> None:
    origin = (ws.headers.get("origin") or "").rstrip("/").lower()
    if not config.allowed_origins or origin in config.allowed_origins:
        return
    if origin and urlsplit(origin).netloc == (ws.headers.get("host") or "").lower():
        return  # our own test page
    raise Forbidden("widget: this site may not open the widget", code="origin_not_allowed")


def _address(ws: WebSocket, runtime: Runtime) -> str:
    ip = ws.client.host if ws.client else "unknown"
    forwarded = ws.headers.get("x-forwarded-for")
    if forwarded and ip in runtime.settings.trusted_proxies:
        ip = forwarded.split(",")[0].strip()
    return ip


async def _hello(ws: WebSocket) -> Hello:
    try:
        message = await asyncio.wait_for(ws.receive(), HELLO_TIMEOUT_S)
    except TimeoutError:
        raise BadInput("widget: no hello frame", code="hello_timeout") from None
    if message["type"] == "websocket.disconnect":
        raise _Gone
    frame = parse(message.get("text"))
    if not isinstance(frame, Hello):
        raise FrameError("hello_first", "the first frame is a hello")
    return frame


async def _refuse(ws: WebSocket, frame: ErrorFrame, close_code: int) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        await ws.send_text(frame.dump())
        await ws.close(code=close_code, reason=frame.code)


class VisitorSocket:
    """One greeted visitor: frames in from the browser, pushes in from NATS, one writer out."""

    def __init__(self, ws: WebSocket, runtime: Runtime, nc: NatsClient, visitor: Visitor) -> None:
        self.ws, self.runtime, self.nc, self.visitor = ws, runtime, nc, visitor
        self.outbox: asyncio.Queue[str] = asyncio.Queue(OUTBOX_FRAMES)
        self.budget = FrameBudget()
        self.typing: tuple[bool, float] = (False, 0.0)
        self.conversation_id: uuid.UUID | None = None

    async def run(self) -> None:
        subject = visitor_subject(self.visitor.site.integration_id, self.visitor.thread_key)
        try:
            # Subscribed before history is read: a reply sent in between arrives twice at worst
            # (the SDK keeps one per id), never not at all.
            sub = await self.nc.subscribe(subject, cb=self._pushed)
        except nats.errors.Error as exc:
            raise Retriable("widget: the message bus is unavailable", retry_after=2) from exc
        try:
            self._say(self._welcome(await history(self.runtime.sessions, self.visitor)))
            tasks = {asyncio.create_task(self._read()), asyncio.create_task(self._write())}
            done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            for task in done:
                if (error := task.exception()) is not None:  # a bug or an outage: the SDK
                    log.error("widget socket failed", exc_info=error)  # reconnects
        finally:
            with contextlib.suppress(nats.errors.Error):
                await sub.unsubscribe()

    def _welcome(self, items: list[Any]) -> Welcome:
        config = self.visitor.site.config
        return Welcome(
            visitor_id=self.visitor.visitor_id,
            visitor_token=self.visitor.token,
            verified=self.visitor.verified,
            history=items,
            settings={"title": config.title, "welcome_text": config.welcome_text},
        )

    def _say(self, frame: Ack | ErrorFrame | Pong | Welcome) -> None:
        with contextlib.suppress(asyncio.QueueFull):  # a client that stopped reading
            self.outbox.put_nowait(frame.dump())

    async def _pushed(self, msg: Msg) -> None:
        try:
            self.outbox.put_nowait(msg.data.decode())
        except asyncio.QueueFull:
            log.warning("widget push dropped for a visitor who is not reading (history has it)")

    async def _write(self) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            while True:
                await self.ws.send_text(await self.outbox.get())

    async def _read(self) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            while True:
                message = await self.ws.receive()
                if message["type"] == "websocket.disconnect":
                    return
                await self._frame(message.get("text", message.get("bytes")))

    async def _frame(self, raw: str | bytes | None) -> None:
        client_id: str | None = None
        try:
            frame = parse(raw)
            client_id = frame.client_id if isinstance(frame, Say) else None
            if not self.budget.take():
                raise FrameError("rate_limited", "too many frames; slow down", client_id)
            await self._handle(frame)
        except FrameError as exc:
            self._say(ErrorFrame(code=exc.code, message=exc.message, client_id=exc.client_id))
        except SwitchboardError as exc:
            self._say(ErrorFrame(code=exc.code, message=exc.message, client_id=client_id,
                                 retry_after=getattr(exc, "retry_after", None)))  # fmt: skip

    async def _handle(self, frame: Hello | Say | Typing | Ping) -> None:
        if isinstance(frame, Say):
            await self._message(frame)
        elif isinstance(frame, Typing):
            await self._typing(frame.state)
        elif isinstance(frame, Ping):
            self._say(Pong())
        else:
            raise FrameError("already_greeted", "hello is sent once per connection")

    async def _message(self, say: Say) -> None:
        site = self.visitor.site
        await self.runtime.limiter.hit(MESSAGE_LIMIT, "widget-message", str(site.integration_id),
                                       self.visitor.thread_key)  # fmt: skip
        message = self.visitor.inbound(say)
        js = await self.runtime.jetstream()
        await publish(js, message.subject_name(), message.model_dump_json().encode(),
                      msg_id=message.nats_msg_id())  # fmt: skip
        self._say(Ack(client_id=say.client_id, message_id=message.external_id))

    async def _typing(self, state: bool) -> None:
        """Tell the agents' dashboards (events.<org>.conversation.typing), at most every
        TYPING_EVERY_S while typing goes on; once there is a conversation to show it in."""
        now = time.monotonic()
        last_state, last_at = self.typing
        if state == last_state and now - last_at < TYPING_EVERY_S:
            return
        self.typing = (state, now)
        if self.conversation_id is None:
            self.conversation_id = await conversation_of(self.runtime.sessions, self.visitor)
            if self.conversation_id is None:
                return
        await self._announce_typing(state)

    async def _announce_typing(self, state: bool) -> None:
        event = Event(
            id=f"conversation.typing:{uuid.uuid4().hex}",
            kind="conversation.typing",
            organization_id=self.visitor.site.organization_id,
            conversation_id=self.conversation_id,
            data={"from": "visitor", "state": state},
        )
        await emit(await self.runtime.jetstream(), event)
