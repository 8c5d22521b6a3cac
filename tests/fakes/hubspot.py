"""A fake HubSpot account speaking the conversations API v3 shapes, plus signed webhooks.

Bearer tokens are checked for real: the private-app token, or one the mounted OAuth server
issued (`/oauth/v1/token`). Threads hold messages as the API returns them (`senders` with
`deliveryIdentifier`, `direction`); a reply sent through the API is stored OUTGOING, as HubSpot
does. `fail_next` makes the next API call answer an error status in HubSpot's error shape.
Event and signature builders follow HubSpot's webhook and request-validation docs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.fakes.oauth_server import OAuthServer

PRIVATE_TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"
CLIENT_SECRET = "hubspot-app-client-secret-1"
AGENT = "A-1234567"
VISITOR = "V-7654321"
PORTAL_ID = 62515
APP_ID = 1160452
CHANNEL_ID = "1000"
CHANNEL_ACCOUNT_ID = "57708"
THREADS = "/conversations/v3/conversations/threads"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _error(status: int, category: str, message: str) -> JSONResponse:
    body = {"status": "error", "message": message, "category": category,
            "correlationId": "0f2b7e1c-0000-4000-8000-000000000000"}  # fmt: skip
    return JSONResponse(body, status_code=status)


@dataclass
class HubSpotFake:
    """Threads with their messages, and every API request received."""

    oauth: OAuthServer = field(default_factory=OAuthServer)
    threads: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail_next: list[int] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    _next_id: int = 7_000_000_000

    def add_thread(self) -> str:
        self._next_id += 1
        thread_id = str(self._next_id)
        self.threads[thread_id] = {
            "id": thread_id, "createdAt": _now(), "status": "OPEN", "spam": False,
            "originalChannelId": CHANNEL_ID, "originalChannelAccountId": CHANNEL_ACCOUNT_ID,
            "inboxId": "147959634", "associatedContactId": "12345", "archived": False,
            "messages": [],
        }  # fmt: skip
        return thread_id

    def add_message(self, thread_id: str, text: str, *, actor: str = VISITOR,
                    direction: str = "INCOMING", kind: str = "MESSAGE",
                    email: str | None = "casey@example.com") -> dict[str, Any]:  # fmt: skip
        sender: dict[str, Any] = {"actorId": actor, "name": "Casey Customer"}
        if email:
            sender["deliveryIdentifier"] = {"type": "HS_EMAIL_ADDRESS", "value": email}
        message = {
            "type": kind, "id": secrets.token_hex(16), "conversationsThreadId": thread_id,
            "createdAt": _now(), "updatedAt": _now(), "createdBy": actor,
            "client": {"clientType": "HUBSPOT"}, "senders": [sender], "recipients": [],
            "archived": False, "text": text, "richText": f"<p>{text}</p>", "attachments": [],
            "truncationStatus": "NOT_TRUNCATED", "direction": direction,
            "channelId": CHANNEL_ID, "channelAccountId": CHANNEL_ACCOUNT_ID,
        }  # fmt: skip
        self.threads[thread_id]["messages"].append(message)
        return message

    def app(self) -> FastAPI:
        app = FastAPI()
        app.include_router(self.oauth.router("/oauth/v1/token"))
        app.middleware("http")(self._gate)
        app.get("/conversations/v3/conversations/inboxes")(self._inboxes)
        app.get(THREADS + "/{thread_id}")(self._thread)
        app.get(THREADS + "/{thread_id}/messages/{message_id}")(self._message)
        app.post(THREADS + "/{thread_id}/messages")(self._send)
        return app

    async def _gate(self, request: Request, call_next: Any) -> Any:
        if not request.url.path.startswith("/conversations/"):
            return await call_next(request)
        self.requests.append((request.method, request.url.path))
        if self.fail_next:
            status = self.fail_next.pop(0)
            headers = {"Retry-After": "7"} if status == 429 else {}
            response = _error(status, "RATE_LIMITS" if status == 429 else "ERROR", "failure")
            response.headers.update(headers)
            return response
        header = request.headers.get("authorization")
        if header != f"Bearer {PRIVATE_TOKEN}" and not self.oauth.bearer_ok(header):
            return _error(401, "INVALID_AUTHENTICATION", "Authentication credentials not found.")
        return await call_next(request)

    async def _inboxes(self) -> JSONResponse:
        inbox = {"id": "147959634", "name": "Support", "type": "INBOX", "archived": False}
        return JSONResponse({"total": 1, "results": [inbox]})

    async def _thread(self, thread_id: str) -> JSONResponse:
        thread = self.threads.get(thread_id)
        if thread is None:
            return _error(404, "OBJECT_NOT_FOUND", "Thread not found")
        return JSONResponse({k: v for k, v in thread.items() if k != "messages"})

    async def _message(self, thread_id: str, message_id: str) -> JSONResponse:
        thread = self.threads.get(thread_id) or {"messages": []}
        found = [m for m in thread["messages"] if m["id"] == message_id]
        if not found:
            return _error(404, "OBJECT_NOT_FOUND", "Message not found")
        return JSONResponse(found[0])

    async def _send(self, thread_id: str, request: Request) -> JSONResponse:
        if thread_id not in self.threads:
            return _error(404, "OBJECT_NOT_FOUND", "Thread not found")
        body = await request.json()
        missing = {"type", "text", "senderActorId", "channelId", "channelAccountId"} - set(body)
        if missing or not body.get("recipients"):
            return _error(400, "VALIDATION_ERROR", f"missing {sorted(missing) or 'recipients'}")
        self.sent.append(body)
        message = self.add_message(thread_id, body["text"], actor=body["senderActorId"],
                                   direction="OUTGOING", email=None)  # fmt: skip
        message["recipients"] = body["recipients"]
        return JSONResponse(message, status_code=201)


def new_message_event(thread_id: str, message_id: str, *, message_type: str = "MESSAGE",
                      portal_id: int = PORTAL_ID, event_id: int = 1) -> dict[str, Any]:  # fmt: skip
    """One `conversation.newMessage` event as the webhooks API documents it."""
    return {
        "eventId": event_id, "subscriptionId": 1920011, "portalId": portal_id, "appId": APP_ID,
        "occurredAt": int(time.time() * 1000), "subscriptionType": "conversation.newMessage",
        "attemptNumber": 0, "objectId": int(thread_id), "messageId": message_id,
        "messageType": message_type, "changeFlag": "NEW_MESSAGE",
    }  # fmt: skip


def batch(*events: dict[str, Any]) -> bytes:
    return json.dumps(list(events)).encode()


def signed_headers(secret: str, url: str, body: bytes, *, method: str = "POST",
                   at_ms: int | None = None) -> dict[str, str]:  # fmt: skip
    """What HubSpot adds: base64(HMAC-SHA256(secret, method + uri + body + timestamp))."""
    stamp = str(int(time.time() * 1000) if at_ms is None else at_ms)
    source = method.encode() + url.encode() + body + stamp.encode()
    mac = hmac.new(secret.encode(), source, hashlib.sha256).digest()
    return {
        "x-hubspot-signature-v3": base64.b64encode(mac).decode(),
        "x-hubspot-request-timestamp": stamp,
        "content-type": "application/json",
    }
