"""A fake Microsoft Graph mail API (`/v1.0/me/...`): inbox delta, messages, replies, subscriptions.

Delta rounds hand out opaque `$skiptoken`/`$deltatoken` links like Graph's; a test can deliver
mail, expire sync state (410) or force error statuses. It checks Bearer tokens against the fake
OAuth server and never calls out: tests build change notifications from the documented examples.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from tests.fakes.oauth_server import OAuthServer

INBOX_ID = "AAMkAGVmMDEzMTM4LTZmYWUtNDdkNC1hMDZiLTU1OGY5OTZhYmY4OAAuAAAAAAEMAAA="
SENT_ID = "AAMkAGVmMDEzMTM4LTZmYWUtNDdkNC1hMDZiLTU1OGY5OTZhYmY4OAAuAAAAAAEJAAA="
DELTA = "/v1.0/me/mailFolders('inbox')/messages/delta"


@dataclass
class GraphFake:
    """One user's mailbox; `fail_next` statuses are answered before any real handling."""

    oauth: OAuthServer
    address: str = "support@contoso.com"
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    removed: list[tuple[int, str]] = field(default_factory=list)  # (seq, id) deletions
    rounds: dict[str, tuple[int, int]] = field(default_factory=dict)  # token → (since, offset)
    subscriptions: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    base_url: str = ""
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def deliver(
        self,
        subject: str,
        content: str,
        *,
        sender: str = "customer@fabrikam.com",
        content_type: str = "html",
        folder: str = INBOX_ID,
        conversation_id: str = "",
        headers: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        """A message lands in a folder; its creation is what the next delta round reports."""
        seq = next(self._seq)
        message_id = f"AAMkAGI2TAAA{seq:04d}" + secrets.token_hex(4)
        person = {"emailAddress": {"name": sender.split("@")[0].title(), "address": sender}}
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.messages[message_id] = {
            "@odata.etag": f'W/"CQAAABYAAAAiIsqMbYjsT5e/{seq}"',
            "id": message_id,
            "_seq": seq,
            "receivedDateTime": now,
            "sentDateTime": now,
            "internetMessageId": f"<{message_id[-8:]}@fabrikam.com>",
            "subject": subject,
            "bodyPreview": content[:255],
            "body": {"contentType": content_type, "content": content},
            "parentFolderId": folder,
            "conversationId": conversation_id or f"AAQkAGI2{seq:04d}conv",
            "from": person,
            "sender": person,
            "toRecipients": [{"emailAddress": {"name": "Support", "address": self.address}}],
            "ccRecipients": [],
            "categories": [],
            "internetMessageHeaders": headers or [],
        }
        return self.public(self.messages[message_id])

    def delete(self, message_id: str) -> None:
        self.messages.pop(message_id)
        self.removed.append((next(self._seq), message_id))

    def expire_sync_state(self) -> None:
        self.rounds.clear()

    def public(self, message: dict[str, Any], select: str | None = None) -> dict[str, Any]:
        shown = {k: v for k, v in message.items() if not k.startswith("_")}
        if select:
            wanted = {"id", "@odata.etag", *select.split(",")}
            shown = {k: v for k, v in shown.items() if k in wanted}
        return shown

    def app(self) -> FastAPI:
        app = FastAPI()
        app.include_router(self.oauth.router("/common/oauth2/v2.0/token"))
        app.middleware("http")(self._gate)
        app.get(DELTA)(self._delta)
        app.get("/v1.0/me/mailFolders/inbox")(self._inbox)
        app.get("/v1.0/me/messages/{message_id}")(self._get)
        app.patch("/v1.0/me/messages/{message_id}")(self._patch)
        app.post("/v1.0/me/messages/{message_id}/reply")(self._reply)
        app.post("/v1.0/me/messages/{message_id}/createReply")(self._create_reply)
        app.post("/v1.0/me/messages/{message_id}/send")(self._send_draft)
        app.post("/v1.0/me/sendMail")(self._send_mail)
        app.post("/v1.0/subscriptions")(self._subscribe)
        return app

    async def _gate(self, request: Request, call_next: Any) -> Any:
        if not request.url.path.startswith("/v1.0/"):
            return await call_next(request)
        self.calls.append(f"{request.method} {request.url.path}")
        if self.fail_next:
            return _error(self.fail_next.pop(0), "ErrorInjected", "injected failure")
        if not self.oauth.bearer_ok(request.headers.get("authorization")):
            return _error(401, "InvalidAuthenticationToken", "Access token is empty or invalid.")
        self.base_url = str(request.base_url).rstrip("/")
        return await call_next(request)

    async def _delta(self, request: Request) -> Any:
        query = request.query_params
        token = query.get("$skiptoken") or query.get("$deltatoken")
        if token is not None and token not in self.rounds:
            return _error(410, "SyncStateNotFound", "The sync state cannot be found.")
        since, offset = self.rounds.pop(token, (0, 0)) if token else (0, 0)
        changes = self._changes_since(since, query.get("$select"))
        size = _page_size(request.headers.get("prefer", ""))
        page, rest = changes[offset : offset + size], changes[offset + size :]
        link = self.base_url + DELTA + "?"
        fresh = secrets.token_urlsafe(8)
        body: dict[str, Any] = {"@odata.context": f"{self.base_url}/v1.0/$metadata", "value": page}
        if rest:
            self.rounds[fresh] = (since, offset + size)
            body["@odata.nextLink"] = f"{link}$skiptoken={fresh}"
        else:
            self.rounds[fresh] = (self._watermark(), 0)
            body["@odata.deltaLink"] = f"{link}$deltatoken={fresh}"
        return body

    def _changes_since(self, since: int, select: str | None) -> list[dict[str, Any]]:
        created = [
            self.public(m, select)
            for m in self.messages.values()
            if m["_seq"] > since and m["parentFolderId"] == INBOX_ID
        ]
        gone = [
            {"@odata.type": "#microsoft.graph.message", "id": i, "@removed": {"reason": "deleted"}}
            for seq, i in self.removed
            if seq > since
        ]
        return created + gone

    def _watermark(self) -> int:
        seqs = [m["_seq"] for m in self.messages.values()] + [s for s, _ in self.removed]
        return max(seqs, default=0)

    async def _inbox(self) -> dict[str, Any]:
        return {"id": INBOX_ID, "displayName": "Inbox", "totalItemCount": len(self.messages)}

    async def _get(self, message_id: str, request: Request) -> Any:
        message = self.messages.get(message_id)
        if message is None:
            return _error(404, "ErrorItemNotFound", "The specified object was not found.")
        return self.public(message, request.query_params.get("$select"))

    async def _patch(self, message_id: str, request: Request) -> Any:
        message = self.messages.get(message_id)
        if message is None:
            return _error(404, "ErrorItemNotFound", "The specified object was not found.")
        message.update(await request.json())
        return self.public(message)

    async def _reply(self, message_id: str, request: Request) -> Any:
        original = self.messages.get(message_id)
        if original is None:
            return _error(404, "ErrorItemNotFound", "The specified object was not found.")
        comment = (await request.json()).get("comment", "")
        self._sent_reply(original, {"contentType": "text", "content": comment})
        return Response(status_code=202)

    async def _create_reply(self, message_id: str) -> Any:
        original = self.messages.get(message_id)
        if original is None:
            return _error(404, "ErrorItemNotFound", "The specified object was not found.")
        draft = self.deliver(
            "RE: " + original["subject"],
            "",
            sender=self.address,
            folder="drafts",
            conversation_id=original["conversationId"],
        )
        self.messages[draft["id"]]["toRecipients"] = [original["from"]]
        return JSONResponse(draft, status_code=201)

    async def _send_draft(self, message_id: str) -> Any:
        draft = self.messages.get(message_id)
        if draft is None or draft["parentFolderId"] != "drafts":
            return _error(404, "ErrorItemNotFound", "The specified object was not found.")
        draft["parentFolderId"] = SENT_ID
        self.outbox.append(self.public(draft))
        return Response(status_code=202)

    async def _send_mail(self, request: Request) -> Any:
        body = await request.json()
        message = body.get("message") or {}
        if not message.get("toRecipients"):
            return _error(400, "ErrorInvalidRecipients", "At least one recipient is not valid.")
        self.outbox.append(message)
        return Response(status_code=202)

    async def _subscribe(self, request: Request) -> Any:
        body = await request.json()
        required = ("changeType", "notificationUrl", "resource", "expirationDateTime")
        if any(not body.get(k) for k in required):
            return _error(400, "InvalidRequest", "A required subscription field is missing.")
        subscription = {"id": secrets.token_hex(8), "applicationId": "app-1", **body}
        self.subscriptions.append(subscription)
        return JSONResponse(subscription, status_code=201)

    def _sent_reply(self, original: dict[str, Any], body: dict[str, str]) -> None:
        sent = self.deliver(
            "RE: " + original["subject"],
            body["content"],
            sender=self.address,
            content_type=body["contentType"],
            folder=SENT_ID,
            conversation_id=original["conversationId"],
        )
        self.outbox.append(sent)


def _page_size(prefer: str) -> int:
    for part in prefer.split(","):
        name, _, value = part.strip().partition("=")
        if name == "odata.maxpagesize" and value.isdigit():
            return int(value)
    return 10


def _error(status: int, code: str, message: str) -> JSONResponse:
    # Graph's error envelope.
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
