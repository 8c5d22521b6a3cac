"""A fake Zendesk Support account speaking the documented REST shapes, plus signed webhooks.

Authentication is checked for real: Basic `{email}/token:{api_token}` or a Bearer token the
mounted OAuth server issued. `fail_next` makes the next API call answer an error status.
Payload builders follow Zendesk's documentation (event-subscription webhooks, trigger bodies).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.fakes.oauth_server import OAuthServer

EMAIL = "agent@acme.example"
API_TOKEN = "zd-api-token-123"
AGENT_ID = 900
CUSTOMER_ID = 501


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class ZendeskFake:
    """Tickets with comments, the incremental event log, and every request received."""

    oauth: OAuthServer = field(default_factory=OAuthServer)
    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    ticket_events: list[dict[str, Any]] = field(default_factory=list)
    export_page_size: int = 1000
    fail_next: list[int] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    _next_id: int = 10_000

    def __post_init__(self) -> None:
        self.users[CUSTOMER_ID] = {
            "id": CUSTOMER_ID,
            "name": "Casey Customer",
            "email": "casey@example.com",
            "role": "end-user",
        }
        self.users[AGENT_ID] = {
            "id": AGENT_ID,
            "name": "Switchboard Bot",
            "email": EMAIL,
            "role": "agent",
        }

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def add_ticket(self, subject: str, body: str, *, author_id: int = CUSTOMER_ID) -> int:
        ticket_id = self.new_id()
        self.tickets[ticket_id] = {
            "id": ticket_id,
            "subject": subject,
            "tags": [],
            "requester_id": CUSTOMER_ID,
            "comments": [],
        }
        self.add_comment(ticket_id, body, author_id=author_id)
        return ticket_id

    def add_comment(
        self,
        ticket_id: int,
        body: str,
        *,
        author_id: int = CUSTOMER_ID,
        public: bool = True,
        at: float | None = None,
    ) -> dict[str, Any]:
        """A comment as the REST API shows it, and its audit in the incremental event log."""
        at = time.time() if at is None else at
        comment = {
            "id": self.new_id(),
            "type": "Comment",
            "author_id": author_id,
            "body": body,
            "html_body": f'<div class="zd-comment"><p>{body}</p></div>',
            "plain_body": body,
            "public": public,
            "audit_id": self.new_id(),
            "attachments": [],
            "created_at": iso(at),
        }
        self.tickets[ticket_id]["comments"].append(comment)
        self.ticket_events.append(
            {
                "id": comment["audit_id"],
                "ticket_id": ticket_id,
                "timestamp": int(at),
                "created_at": iso(at),
                "updater_id": author_id,
                "via": "Web form",
                "event_type": "Audit",
                "child_events": [{**comment, "event_type": "Comment"}],
            }
        )
        return comment

    def app(self) -> FastAPI:
        app = FastAPI()
        app.include_router(self.oauth.router("/oauth/tokens"))
        app.middleware("http")(self._gate)
        app.get("/api/v2/tickets/{ticket_id}/comments.json")(self._comments)
        app.put("/api/v2/tickets/{ticket_id}.json")(self._update)
        app.put("/api/v2/tickets/{ticket_id}/tags.json")(self._tags)
        app.get("/api/v2/incremental/ticket_events.json")(self._export)
        return app

    async def _gate(self, request: Request, call_next: Any) -> Any:
        if not request.url.path.startswith("/api/"):
            return await call_next(request)
        self.requests.append((request.method, request.url.path))
        if self.fail_next:
            status = self.fail_next.pop(0)
            return JSONResponse(
                {"error": "Failure"},
                status_code=status,
                headers={"Retry-After": "7"} if status == 429 else {},
            )
        if not self._authorized(request.headers.get("authorization")):
            return JSONResponse({"error": "Couldn't authenticate you"}, status_code=401)
        return await call_next(request)

    def _authorized(self, header: str | None) -> bool:
        scheme, _, value = (header or "").partition(" ")
        if scheme == "Basic":
            return base64.b64decode(value).decode() == f"{EMAIL}/token:{API_TOKEN}"
        return self.oauth.bearer_ok(header)

    def _ticket(self, ticket_id: int) -> dict[str, Any] | None:
        return self.tickets.get(ticket_id)

    async def _comments(self, ticket_id: int, request: Request) -> JSONResponse:
        ticket = self._ticket(ticket_id)
        if ticket is None:
            return JSONResponse({"error": "RecordNotFound"}, status_code=404)
        found = list(ticket["comments"])
        if request.query_params.get("sort_order") == "desc":
            found.reverse()
        body: dict[str, Any] = {
            "comments": found,
            "next_page": None,
            "previous_page": None,
            "count": len(found),
        }
        if "users" in request.query_params.get("include", ""):
            authors = {c["author_id"] for c in found}
            body["users"] = [u for uid, u in self.users.items() if uid in authors]
        return JSONResponse(body)

    async def _update(self, ticket_id: int, request: Request) -> JSONResponse:
        ticket = self._ticket(ticket_id)
        if ticket is None:
            return JSONResponse({"error": "RecordNotFound"}, status_code=404)
        given = (await request.json())["ticket"]["comment"]
        author = given.get("author_id", AGENT_ID)
        comment = self.add_comment(
            ticket_id,
            given.get("body") or given.get("html_body"),
            author_id=author,
            public=given.get("public", True),
        )
        comment["html_body"] = given.get("html_body") or comment["html_body"]
        audit = {
            "id": comment["audit_id"],
            "ticket_id": ticket_id,
            "author_id": author,
            "created_at": comment["created_at"],
            "events": [comment],
        }
        public = {k: v for k, v in ticket.items() if k != "comments"}
        return JSONResponse({"ticket": public, "audit": audit})

    async def _tags(self, ticket_id: int, request: Request) -> JSONResponse:
        ticket = self._ticket(ticket_id)
        if ticket is None:
            return JSONResponse({"error": "RecordNotFound"}, status_code=404)
        for tag in (await request.json())["tags"]:
            if tag not in ticket["tags"]:
                ticket["tags"].append(tag)
        return JSONResponse({"tags": ticket["tags"]})

    async def _export(self, request: Request) -> JSONResponse:
        start = int(request.query_params["start_time"])
        if start > time.time() - 60:
            return JSONResponse(
                {"error": "InvalidValue", "description": "start_time is too recent"},
                status_code=422,
            )
        pending = sorted(
            (e for e in self.ticket_events if e["timestamp"] >= start), key=lambda e: e["timestamp"]
        )
        page = pending[: self.export_page_size]
        with_comments = "comment_events" in request.query_params.get("include", "")
        events = [e if with_comments else {**e, "child_events": []} for e in page]
        end = page[-1]["timestamp"] if page else start
        return JSONResponse(
            {
                "ticket_events": events,
                "count": len(page),
                "end_time": end,
                "end_of_stream": len(pending) <= self.export_page_size,
                "next_page": f"{request.url.path}?start_time={end}",
            }
        )


def signed_headers(secret: str, body: bytes, at: float | None = None) -> dict[str, str]:
    """The headers Zendesk adds: base64(HMAC-SHA256(secret, timestamp + body))."""
    stamp = iso(time.time() if at is None else at)
    mac = hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()
    return {
        "x-zendesk-webhook-signature": base64.b64encode(mac).decode(),
        "x-zendesk-webhook-signature-timestamp": stamp,
        "content-type": "application/json",
    }


def comment_added_event(
    ticket_id: int,
    comment: dict[str, Any],
    *,
    with_body: bool = True,
    subject: str = "Where is my order?",
) -> bytes:
    """An event-subscription delivery, shaped like Zendesk's `ticket.comment_added` example."""
    author = comment["author_id"]
    event_comment: dict[str, Any] = {
        "id": str(comment["id"]),
        "is_public": comment["public"],
        "author": {"id": str(author), "is_staff": author == AGENT_ID, "name": "Casey Customer"},
    }
    if with_body:
        event_comment["body"] = comment["body"]
    payload = {
        "account_id": 22129848,
        "detail": {
            "actor_id": str(author),
            "assignee_id": str(AGENT_ID),
            "brand_id": "8447346621310",
            "created_at": comment["created_at"],
            "description": "ticket_description",
            "external_id": None,
            "form_id": "8646151517454",
            "group_id": "8447320466430",
            "id": str(ticket_id),
            "is_public": True,
            "organization_id": "8447346622462",
            "priority": "LOW",
            "requester_id": str(CUSTOMER_ID),
            "status": "OPEN",
            "subject": subject,
            "submitter_id": str(CUSTOMER_ID),
            "tags": [],
            "type": "TASK",
            "updated_at": comment["created_at"],
            "via": {"channel": "web_service"},
        },
        "event": {"comment": event_comment},
        "id": "cbe4028c-7239-495d-b020-f22348516046",
        "subject": f"zen:ticket:{ticket_id}",
        "time": comment["created_at"],
        "type": "zen:event-type:ticket.comment_added",
        "zendesk_event_version": "2022-11-06",
    }
    return json.dumps(payload).encode()


def trigger_body(ticket_id: int, subject: str, latest_comment_id: int | str = "") -> bytes:
    """The trigger webhook body documented in ingestion/connectors/zendesk.py, rendered."""
    return json.dumps(
        {
            "ticket": {
                "id": str(ticket_id),
                "subject": subject,
                "requester": {
                    "id": str(CUSTOMER_ID),
                    "email": "Casey@Example.com",
                    "name": "Casey Customer",
                },
                "latest_comment": {"id": str(latest_comment_id)},
            }
        }
    ).encode()
