"""A fake Gmail API (`/gmail/v1/users/me/...`) with an in-memory mailbox and history log.

It speaks the documented shapes (getProfile, messages.list/get/send/modify, history.list,
labels.list/create, watch), checks Bearer tokens against the fake OAuth server, serves a JWKS
for Pub/Sub push OIDC tokens, and lets a test deliver mail or force error statuses.
"""

from __future__ import annotations

import base64
import email
import email.policy
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.fakes.oauth_server import OAuthServer

SYSTEM_LABELS = ("INBOX", "SENT", "UNREAD", "SPAM", "TRASH", "DRAFT", "IMPORTANT")
PREFIX = "/gmail/v1/users/me"


@dataclass
class StoredMessage:
    id: str
    thread_id: str
    label_ids: list[str]
    raw: bytes
    internal_date_ms: int

    def ref(self) -> dict[str, Any]:
        return {"id": self.id, "threadId": self.thread_id, "labelIds": list(self.label_ids)}


@dataclass
class GmailFake:
    """The mailbox of `address`; `fail_next` statuses are answered before any real handling."""

    oauth: OAuthServer
    address: str = "support@example.com"
    history_id: int = 1000
    min_history_id: int = 0
    messages: dict[str, StoredMessage] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=lambda: {n: n for n in SYSTEM_LABELS})
    watches: list[dict[str, Any]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    push_key: rsa.RSAPrivateKey | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def deliver(
        self, raw: bytes, *, labels: tuple[str, ...] = ("INBOX", "UNREAD"), thread_id: str = ""
    ) -> StoredMessage:
        """A message lands in the mailbox, with a messageAdded history record."""
        n = next(self._ids)
        message = StoredMessage(
            id=f"18c{n:013x}",
            thread_id=thread_id or f"18c{n:013x}",
            label_ids=list(labels),
            raw=raw,
            internal_date_ms=int(time.time() * 1000),
        )
        self.messages[message.id] = message
        self.history_id += 7  # real history ids grow by uneven steps
        self.history.append(
            {"id": str(self.history_id), "messagesAdded": [{"message": message.ref()}]}
        )
        return message

    def expire_history(self) -> None:
        """Gmail keeps history about a week: older startHistoryIds answer 404."""
        self.min_history_id = self.history_id + 1

    def sign_push_token(self, claims: dict[str, Any]) -> str:
        assert self.push_key is not None
        return jwt.encode(claims, self.push_key, algorithm="RS256", headers={"kid": "fake-kid"})

    def app(self) -> FastAPI:
        app = FastAPI()
        app.include_router(self.oauth.router("/token"))
        app.middleware("http")(self._gate)
        app.get("/oauth2/v3/certs")(self._jwks)
        app.get(f"{PREFIX}/profile")(self._profile)
        app.get(f"{PREFIX}/messages")(self._list)
        app.get(f"{PREFIX}/messages/{{message_id}}")(self._get)
        app.post(f"{PREFIX}/messages/send")(self._send)
        app.post(f"{PREFIX}/messages/{{message_id}}/modify")(self._modify)
        app.get(f"{PREFIX}/history")(self._history)
        app.get(f"{PREFIX}/labels")(self._labels)
        app.post(f"{PREFIX}/labels")(self._create_label)
        app.post(f"{PREFIX}/watch")(self._watch)
        return app

    async def _gate(self, request: Request, call_next: Any) -> Any:
        if not request.url.path.startswith(PREFIX):
            return await call_next(request)
        self.calls.append(f"{request.method} {request.url.path.removeprefix(PREFIX)}")
        if self.fail_next:
            return _error(self.fail_next.pop(0), "injected failure")
        if not self.oauth.bearer_ok(request.headers.get("authorization")):
            return _error(401, "Request had invalid authentication credentials.")
        return await call_next(request)

    async def _jwks(self) -> dict[str, Any]:
        assert self.push_key is not None
        key = jwt.algorithms.RSAAlgorithm.to_jwk(self.push_key.public_key(), as_dict=True)
        return {"keys": [{**key, "kid": "fake-kid", "alg": "RS256", "use": "sig"}]}

    async def _profile(self) -> dict[str, Any]:
        return {
            "emailAddress": self.address,
            "messagesTotal": len(self.messages),
            "threadsTotal": len({m.thread_id for m in self.messages.values()}),
            "historyId": str(self.history_id),
        }

    async def _list(self, request: Request) -> dict[str, Any]:
        wanted = request.query_params.getlist("labelIds")
        cutoff = _newer_than_ms(request.query_params.get("q", ""))
        found = [
            m.ref()
            for m in sorted(self.messages.values(), key=lambda m: -m.internal_date_ms)
            if set(wanted) <= set(m.label_ids) and m.internal_date_ms >= cutoff
        ]
        page, token = _page(found, request)
        body: dict[str, Any] = {"resultSizeEstimate": len(found)}
        if page:
            body["messages"] = [{"id": m["id"], "threadId": m["threadId"]} for m in page]
        if token:
            body["nextPageToken"] = token
        return body

    async def _get(self, message_id: str, request: Request) -> Any:
        message = self.messages.get(message_id)
        if message is None:
            return _error(404, "Requested entity was not found.")
        if request.query_params.get("format") != "raw":
            return _error(400, "this fake serves format=raw only")
        return {
            **message.ref(),
            "snippet": "",
            "historyId": str(self.history_id),
            "internalDate": str(message.internal_date_ms),
            "sizeEstimate": len(message.raw),
            "raw": base64.urlsafe_b64encode(message.raw).decode(),
        }

    async def _send(self, request: Request) -> Any:
        body = await request.json()
        raw = base64.urlsafe_b64decode(body["raw"] + "=" * (-len(body["raw"]) % 4))
        thread = body.get("threadId") or ""
        if thread and not any(m.thread_id == thread for m in self.messages.values()):
            return _error(404, "Requested entity was not found.")
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        self.sent.append({"threadId": thread, "message": parsed})
        stored = self.deliver(raw, labels=("SENT",), thread_id=thread)
        return stored.ref()

    async def _modify(self, message_id: str, request: Request) -> Any:
        message = self.messages.get(message_id)
        if message is None:
            return _error(404, "Requested entity was not found.")
        body = await request.json()
        unknown = [i for i in body.get("addLabelIds", []) if i not in self.labels.values()]
        if unknown:
            return _error(400, "Invalid label")
        for label_id in body.get("addLabelIds", []):
            if label_id not in message.label_ids:
                message.label_ids.append(label_id)
        removed = set(body.get("removeLabelIds", []))
        message.label_ids = [i for i in message.label_ids if i not in removed]
        return message.ref()

    async def _history(self, request: Request) -> Any:
        start = int(request.query_params.get("startHistoryId", "0"))
        if start < self.min_history_id:
            return _error(404, "Requested entity was not found.")
        records = [r for r in self.history if int(r["id"]) > start]
        page, token = _page(records, request)
        body: dict[str, Any] = {"historyId": str(self.history_id)}
        if page:
            body["history"] = page
        if token:
            body["nextPageToken"] = token
        return body

    async def _labels(self) -> dict[str, Any]:
        return {
            "labels": [
                {"id": i, "name": n, "type": "system" if i in SYSTEM_LABELS else "user"}
                for n, i in self.labels.items()
            ]
        }

    async def _create_label(self, request: Request) -> Any:
        name = (await request.json())["name"]
        if name in self.labels:
            return _error(409, "Label name exists or conflicts")
        self.labels[name] = f"Label_{len(self.labels) + 1}"
        return {"id": self.labels[name], "name": name, "type": "user"}

    async def _watch(self, request: Request) -> Any:
        body = await request.json()
        if not str(body.get("topicName", "")).startswith("projects/"):
            return _error(400, "Invalid topicName")
        self.watches.append(body)
        expiration = int(time.time() * 1000) + 7 * 86_400_000
        return {"historyId": str(self.history_id), "expiration": str(expiration)}


def _page(items: list[Any], request: Request) -> tuple[list[Any], str | None]:
    offset = int(request.query_params.get("pageToken") or 0)
    size = int(request.query_params.get("maxResults") or 100)
    end = offset + size
    return items[offset:end], (str(end) if end < len(items) else None)


def _newer_than_ms(q: str) -> int:
    for term in q.split():
        if term.startswith("newer_than:") and term.endswith("d"):
            return int((time.time() - int(term[11:-1]) * 86_400) * 1000)
    return 0


def _error(status: int, message: str) -> JSONResponse:
    # Google's JSON error envelope.
    body = {"error": {"code": status, "message": message, "status": str(status)}}
    return JSONResponse(body, status_code=status)
