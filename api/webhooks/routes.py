"""POST /api/v1/webhooks/{type}/{integration_id}: provider calls, verified by their connector.

The body is never trusted before the connector verified its signature; a forged call is 401 and
stores nothing. Messages found in a verified call are published to INBOUND before we answer, so
a provider that sees our 2xx never needs to resend.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import RuntimeDep, SessionDep
from ingestion.connections import Connections
from ingestion.connectors.capabilities import (
    Connection,
    Handshake,
    Inbound,
    WebhookAck,
    WebhookReply,
    WebhookRequest,
    WebhookVerifier,
)
from ingestion.connectors.registry import REGISTRY
from ingestion.context import refresh_from_webhook
from ingestion.streams import publish
from store.errors import NotFound
from store.tables import Integration

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
# A busy chat integration gets hundreds of calls a second: its "last success" is written at
# most this often per process instead of locking its row on every call.
HEALTH_EVERY_S = 30.0
_health_written: dict[uuid.UUID, float] = {}
CACHE_TTL_S = 10.0
_OPENED: dict[uuid.UUID, tuple[float, str, Connection]] = {}


async def _request(request: Request) -> WebhookRequest:
    return WebhookRequest(
        method=request.method,
        url=str(request.url),
        headers={k.lower(): v for k, v in request.headers.items()},
        query=dict(request.query_params),
        body=await request.body(),
    )


async def _open(
    runtime: Any, session: AsyncSession, slug: str, integration_id: uuid.UUID
) -> tuple[Any, Connection]:
    """The connector and a fresh Connection for one call. The decrypted integration is kept
    CACHE_TTL_S per process (as the API channel does), so a busy channel costs no database
    read per call. An edit through this process's API applies at once (`forget_integration`);
    other ingress replicas see it within CACHE_TTL_S."""
    cached = _OPENED.get(integration_id)
    if cached is None or time.monotonic() - cached[0] > CACHE_TTL_S:
        row = await session.get(Integration, integration_id)
        if row is None or row.status != "active":
            _OPENED.pop(integration_id, None)
            raise NotFound("integration not found")
        template = Connections(runtime.sessions, runtime.secret_box).wrap(row)
        template.save_secrets = _forgetting(integration_id, template.save_secrets)
        cached = (time.monotonic(), row.type, template)
        _OPENED[integration_id] = cached
        await session.rollback()  # nothing else to read: free the connection while we verify
    _, kind, template = cached
    if kind != slug:
        raise NotFound("integration not found")
    conn = dataclasses.replace(template, http=None, state=dict(template.state))
    return REGISTRY[kind].connector(), conn


def forget_integration(integration_id: uuid.UUID) -> None:
    """An edited, paused or deleted integration: this process reads it afresh on its next call
    (other ingress replicas within CACHE_TTL_S)."""
    _OPENED.pop(integration_id, None)


def _forgetting(
    integration_id: uuid.UUID, save: Callable[[dict[str, str]], Awaitable[None]] | None
) -> Callable[[dict[str, str]], Awaitable[None]]:
    """A refreshed token is saved, and the cached copy dropped so the next call reads it."""

    async def save_and_forget(updates: dict[str, str]) -> None:
        _OPENED.pop(integration_id, None)
        if save is not None:
            await save(updates)

    return save_and_forget


def _answer(reply: WebhookReply) -> Response:
    if isinstance(reply.body, dict) or reply.body is None:
        return JSONResponse(reply.body or {}, status_code=reply.status)
    return Response(reply.body, status_code=reply.status, media_type=reply.media_type)


@router.get("/{slug}/{integration_id}", summary="Subscription handshakes (challenges)")
async def handshake(slug: str, integration_id: uuid.UUID, request: Request,
                    runtime: RuntimeDep, session: SessionDep) -> Response:  # fmt: skip
    connector, conn = await _open(runtime, session, slug, integration_id)
    reply = connector.handshake(conn, await _request(request)) if isinstance(
        connector, Handshake) else None  # fmt: skip
    if reply is None:
        raise NotFound("this connector has no handshake")
    return _answer(reply)


@router.post("/{slug}/{integration_id}", summary="Provider webhook deliveries")
async def deliver(slug: str, integration_id: uuid.UUID, request: Request,
                  runtime: RuntimeDep, session: SessionDep) -> Response:  # fmt: skip
    connector, conn = await _open(runtime, session, slug, integration_id)
    incoming = await _request(request)
    if isinstance(connector, Handshake) and (reply := connector.handshake(conn, incoming)):
        return _answer(reply)
    if not isinstance(connector, WebhookVerifier) or not isinstance(connector, Inbound):
        raise NotFound("this connector takes no webhooks")
    if getattr(connector, "verify_fetches_keys", False):
        # Off the event loop: this verifier may fetch the provider's signing keys (then cached).
        await asyncio.to_thread(connector.verify, conn, incoming)
    else:
        connector.verify(conn, incoming)  # HMAC arithmetic: microseconds
    try:
        messages = await connector.parse(conn, incoming)
        # Context connectors: a verified order or billing event refreshes the named contacts.
        await refresh_from_webhook(runtime.sessions, connector, conn, incoming)
    finally:
        if conn.http is not None:
            await conn.http.aclose()
    js = await runtime.jetstream()
    for message in messages:
        await publish(js, message.subject_name(), message.model_dump_json().encode(),
                      msg_id=message.nats_msg_id())  # fmt: skip
    now = time.monotonic()
    if now - _health_written.get(integration_id, -HEALTH_EVERY_S) >= HEALTH_EVERY_S:
        _health_written[integration_id] = now
        await Connections(runtime.sessions, runtime.secret_box).record_health(integration_id)
    if isinstance(connector, WebhookAck):
        return _answer(connector.ack(conn, incoming, len(messages)))
    return JSONResponse({"accepted": len(messages)}, status_code=200)
