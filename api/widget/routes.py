"""The widget's HTTP side: the SDK script customers' sites load, the admins' test page and install
snippet, and the agent's typing indicator. The visitor's socket is api/widget/socket.py.

The script is loaded by `<script src>` from other origins, which needs no CORS; it is still
marked cross-origin readable (CORP, `Access-Control-Allow-Origin: *`) so pages that isolate
themselves (COEP) or load it with `crossorigin` can embed it. It is public and carries no data.
"""

from __future__ import annotations

import functools
import uuid
from html import escape
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from api.deps import Principal, RuntimeDep, SessionDep, require
from api.runtime import Runtime
from api.schemas import RequestModel
from api.widget.socket import router as socket_router
from ingestion.connectors.widget import (
    PUBLIC_KEY,
    SPEC,
    AgentTyping,
    integration_for,
    public_key,
    push,
    visitor_subject,
)
from store.errors import NotFound
from store.scoped import get_scoped
from store.tables import Conversation, Integration

router = APIRouter(tags=["widget"])
router.include_router(socket_router)

STATIC = Path(__file__).parent / "static"
SCRIPT_PATH = "/api/v1/widget/widget.js"
SOCKET_PATH = "/api/v1/widget/ws"
TEST_PATH = "/api/v1/widget/test"
CanRead = Annotated[Principal, Depends(require("read:integrations"))]
CanWriteMessages = Annotated[Principal, Depends(require("write:messages"))]
WidgetKey = Annotated[str, Query(pattern=PUBLIC_KEY.pattern, description="the widget's key")]


@functools.cache
def _asset(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def _base_url(request: Request, runtime: Runtime) -> str:
    return (runtime.settings.public_url or str(request.base_url)).rstrip("/")


def snippet(base_url: str, key: str) -> str:
    return f'<script src="{base_url}{SCRIPT_PATH}" data-key="{key}" async></script>'


@router.get(SCRIPT_PATH, summary="The widget SDK, embedded by customers' sites")
async def script() -> Response:
    return Response(
        _asset("widget.js"),
        media_type="text/javascript; charset=utf-8",
        headers={
            "Cache-Control": "public, max-age=300",
            "Access-Control-Allow-Origin": "*",
            "Cross-Origin-Resource-Policy": "cross-origin",
        },
    )


@router.get(TEST_PATH, response_class=HTMLResponse, summary="A page embedding the widget")
async def test_page(key: WidgetKey, request: Request, session: SessionDep,
                    runtime: RuntimeDep) -> HTMLResponse:  # fmt: skip
    integration_id = integration_for(key)
    row = await session.get(Integration, integration_id) if integration_id else None
    if row is None or row.type != SPEC.slug:
        raise NotFound("widget not found")
    page = (
        _asset("test.html")
        .replace("{{SNIPPET}}", escape(snippet(_base_url(request, runtime), key)))
        .replace("{{SCRIPT}}", SCRIPT_PATH)
        .replace("{{KEY}}", escape(key))
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


class WidgetInstall(BaseModel):
    public_key: str = Field(description="the data-key of the snippet (public)")
    snippet: str
    script_url: str
    socket_url: str
    test_page_url: str


@router.get("/api/v1/integrations/{integration_id}/widget", response_model=WidgetInstall,
            tags=["integrations"], summary="How to embed a widget integration")  # fmt: skip
async def install(integration_id: uuid.UUID, principal: CanRead, request: Request,
                  session: SessionDep, runtime: RuntimeDep) -> WidgetInstall:  # fmt: skip
    row = await get_scoped(session, Integration, principal.org_id, integration_id)
    if row.type != SPEC.slug:
        raise NotFound("widget not found")
    base, key = _base_url(request, runtime), public_key(row.id)
    socket_base = base.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    return WidgetInstall(
        public_key=key,
        snippet=snippet(base, key),
        script_url=f"{base}{SCRIPT_PATH}",
        socket_url=f"{socket_base}{SOCKET_PATH}?key={key}",
        test_page_url=f"{base}{TEST_PATH}?key={key}",
    )


class TypingBody(RequestModel):
    state: bool = Field(default=True, description="true while the agent types, false after")


class TypingResult(BaseModel):
    pushed: bool = Field(description="false for channels without a typing indicator")


@router.post(
    "/api/v1/conversations/{conversation_id}/typing",
    response_model=TypingResult,
    tags=["conversations"],
    summary="Show the visitor that an agent is typing",
)
async def agent_typing(conversation_id: uuid.UUID, body: TypingBody, principal: CanWriteMessages,
                       session: SessionDep, runtime: RuntimeDep) -> TypingResult:  # fmt: skip
    conversation = await get_scoped(session, Conversation, principal.org_id, conversation_id)
    integration = (
        await session.get(Integration, conversation.integration_id)
        if conversation.integration_id
        else None
    )
    if integration is None or integration.type != SPEC.slug or not conversation.thread_key:
        return TypingResult(pushed=False)
    subject = visitor_subject(integration.id, conversation.thread_key)
    await session.rollback()  # nothing more to read: free the connection during the publish
    await runtime.jetstream()  # (re)connects the bus, or a 503
    assert runtime.nats is not None
    await push(runtime.nats, subject, AgentTyping(state=body.state))
    return TypingResult(pushed=True)
