"""A fake Intercom workspace speaking the documented REST shapes (API 2.x), plus signed webhooks.

Bearer tokens are checked for real; every request's Intercom-Version header is recorded;
`fail_next` makes the next call answer an error status in Intercom's `error.list` shape.
Notification payloads follow Intercom's webhook models (notification_event, conversation item).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.fakes.oauth_server import OAuthServer

ACCESS_TOKEN = "dG9rOmFjY2Vzcy10b2tlbg=="
CLIENT_SECRET = "intercom-client-secret"
ADMIN_ID = "814860"
USER = {
    "type": "user",
    "id": "5d9c6c1d9a8b2e4b7e0c1a2b",
    "name": "Casey Customer",
    "email": "casey@example.com",
}
ADMIN = {"type": "admin", "id": ADMIN_ID, "name": "Switchboard", "email": "bot@acme.example"}


def _error(status: int, code: str, message: str) -> JSONResponse:
    body = {
        "type": "error.list",
        "request_id": "req-1",
        "errors": [{"code": code, "message": message}],
    }
    return JSONResponse(body, status_code=status)


@dataclass
class IntercomFake:
    """Conversations with parts, the workspace's tags, and every request received."""

    oauth: OAuthServer = field(default_factory=OAuthServer)
    conversations: dict[str, dict[str, Any]] = field(default_factory=dict)
    tags: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail_next: list[int] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    versions: list[str | None] = field(default_factory=list)
    _next_id: int = 100

    def new_id(self) -> str:
        self._next_id += 1
        return str(self._next_id)

    def part(
        self, body: str, author: dict[str, Any], *, part_type: str = "comment"
    ) -> dict[str, Any]:
        now = int(time.time())
        return {
            "type": "conversation_part",
            "id": self.new_id(),
            "part_type": part_type,
            "body": body,
            "created_at": now,
            "updated_at": now,
            "notified_at": now,
            "assigned_to": None,
            "author": dict(author),
            "attachments": [],
            "external_id": None,
            "redacted": False,
        }

    def add_conversation(self, body: str, *, subject: str = "") -> dict[str, Any]:
        conversation_id, now = self.new_id(), int(time.time())
        self.conversations[conversation_id] = {
            "type": "conversation",
            "id": conversation_id,
            "title": None,
            "created_at": now,
            "updated_at": now,
            "waiting_since": now,
            "snoozed_until": None,
            "open": True,
            "state": "open",
            "read": False,
            "priority": "not_priority",
            "admin_assignee_id": None,
            "team_assignee_id": None,
            "tags": {"type": "tag.list", "tags": []},
            "source": {
                "type": "conversation",
                "id": self.new_id(),
                "delivered_as": "customer_initiated",
                "subject": subject,
                "body": body,
                "author": dict(USER),
                "attachments": [],
                "url": None,
                "redacted": False,
            },
            "contacts": {
                "type": "contact.list",
                "contacts": [{"type": "contact", "id": USER["id"]}],
            },
            "conversation_parts": {
                "type": "conversation_part.list",
                "conversation_parts": [],
                "total_count": 0,
            },
        }
        return self.conversations[conversation_id]

    def add_part(self, conversation_id: str, body: str, author: dict[str, Any]) -> dict[str, Any]:
        parts = self.conversations[conversation_id]["conversation_parts"]
        parts["conversation_parts"].append(self.part(body, author))
        parts["total_count"] = len(parts["conversation_parts"])
        return parts["conversation_parts"][-1]

    def app(self) -> FastAPI:
        app = FastAPI()
        app.include_router(self.oauth.router("/auth/eagle/token"))
        app.middleware("http")(self._gate)
        app.post("/conversations/{conversation_id}/reply")(self._reply)
        app.post("/conversations/{conversation_id}/tags")(self._tag_conversation)
        app.get("/tags")(self._list_tags)
        app.post("/tags")(self._create_tag)
        return app

    async def _gate(self, request: Request, call_next: Any) -> Any:
        if request.url.path.startswith("/auth/"):
            return await call_next(request)
        self.requests.append((request.method, request.url.path))
        self.versions.append(request.headers.get("intercom-version"))
        if self.fail_next:
            status = self.fail_next.pop(0)
            return _error(
                status,
                "server_error" if status >= 500 else "rate_limit_exceeded",
                "Try again later",
            )
        given = request.headers.get("authorization")
        if given != f"Bearer {ACCESS_TOKEN}" and not self.oauth.bearer_ok(given):
            return _error(401, "unauthorized", "Access Token Invalid")
        return await call_next(request)

    async def _reply(self, conversation_id: str, request: Request) -> JSONResponse:
        conversation = self.conversations.get(conversation_id)
        if conversation is None:
            return _error(404, "not_found", "Resource Not Found")
        given = await request.json()
        if given.get("type") != "admin" or given.get("admin_id") != ADMIN_ID:
            return _error(400, "parameter_invalid", "Admin not found")
        if given.get("message_type") not in {"comment", "note"} or not given.get("body"):
            return _error(400, "parameter_invalid", "message_type or body invalid")
        part = self.add_part(conversation_id, given["body"], ADMIN)
        part["part_type"] = given["message_type"]
        return JSONResponse(conversation)

    async def _list_tags(self) -> JSONResponse:
        return JSONResponse({"type": "list", "data": list(self.tags.values())})

    async def _create_tag(self, request: Request) -> JSONResponse:
        name = (await request.json())["name"]
        for tag in self.tags.values():
            if tag["name"] == name:
                return JSONResponse(tag)
        tag = {"type": "tag", "id": self.new_id(), "name": name}
        self.tags[tag["id"]] = tag
        return JSONResponse(tag)

    async def _tag_conversation(self, conversation_id: str, request: Request) -> JSONResponse:
        conversation = self.conversations.get(conversation_id)
        given = await request.json()
        if conversation is None:
            return _error(404, "not_found", "Resource Not Found")
        tag = self.tags.get(str(given.get("id")))
        if tag is None or given.get("admin_id") != ADMIN_ID:
            return _error(400, "parameter_invalid", "Tag or admin not found")
        applied = conversation["tags"]["tags"]
        if tag not in applied:
            applied.append({**tag, "applied_at": int(time.time()), "applied_by": dict(ADMIN)})
        return JSONResponse(tag)


def notification(topic: str, item: dict[str, Any]) -> bytes:
    """A webhook delivery shaped like Intercom's notification_event model."""
    now = int(time.time())
    return json.dumps(
        {
            "type": "notification_event",
            "app_id": "abc123",
            "data": {"type": "notification_event_data", "item": item},
            "links": {},
            "id": "notif_4e3504a3-ba3f-46dc-ab48-8e4d5bdfdf4e",
            "topic": topic,
            "delivery_status": "pending",
            "delivery_attempts": 1,
            "delivered_at": 0,
            "first_sent_at": now,
            "created_at": now,
            "self": None,
        }
    ).encode()


def ping() -> bytes:
    return notification("ping", {"type": "ping", "message": "something something interzen"})


def signed_headers(body: bytes, secret: str = CLIENT_SECRET) -> dict[str, str]:
    """Intercom's X-Hub-Signature: sha1=<hex HMAC-SHA1(client_secret, raw body)>."""
    digest = hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    return {"x-hub-signature": f"sha1={digest}", "content-type": "application/json"}
