"""A fake Telegram Bot API server (`/bot<token>/<method>`), plus documented-shape Updates.

The token in the path is checked for real (Telegram answers 401 `Unauthorized` otherwise);
`fail_next` makes the next call answer an error in Telegram's envelope
(`{"ok": false, "error_code", "description", "parameters"}`), with optional headers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

TOKEN = "123456789:AAEhBP0av28hq3JzDa1xeFlWeHnW2oBFXbY"
SECRET = "switchboard-webhook-secret_0123456789"
BOT = {"id": 123456789, "is_bot": True, "first_name": "Switchboard", "username": "sb_bot"}
CUSTOMER = {
    "id": 1111111,
    "is_bot": False,
    "first_name": "Test Firstname",
    "last_name": "Test Lastname",
    "username": "Testusername",
    "language_code": "en",
}


@dataclass
class Failure:
    status: int
    description: str
    retry_after: int | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def response(self) -> JSONResponse:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


@dataclass
class TelegramFake:
    """One bot: its webhook registration, the messages it sent, every method called."""

    token: str = TOKEN
    webhook: dict[str, Any] | None = None
    sent: list[dict[str, Any]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    fail_next: list[Failure] = field(default_factory=list)
    _next_id: int = 2000

    def app(self) -> Starlette:
        async def handle(request: Request) -> JSONResponse:
            token, _, method = request.path_params["path"].removeprefix("bot").partition("/")
            self.calls.append(method)
            if token != self.token:
                return Failure(401, "Unauthorized").response()
            if self.fail_next:
                return self.fail_next.pop(0).response()
            body = await request.json() if await request.body() else {}
            return self._answer(method, body)

        return Starlette(routes=[Route("/{path:path}", handle, methods=["GET", "POST"])])

    def _answer(self, method: str, body: dict[str, Any]) -> JSONResponse:
        if method == "getMe":
            return _ok(BOT)
        if method == "setWebhook":
            self.webhook = dict(body)
            return _ok(True)
        if method == "sendMessage":
            if not body.get("chat_id") or not body.get("text"):
                return Failure(400, "Bad Request: message text is empty").response()
            if len(body["text"]) > 4096:
                return Failure(400, "Bad Request: message is too long").response()
            self.sent.append(dict(body))
            self._next_id += 1
            chat = {**CUSTOMER, "id": body["chat_id"], "type": "private"}
            chat.pop("is_bot"), chat.pop("language_code")
            message = {
                "message_id": self._next_id,
                "from": BOT,
                "chat": chat,
                "date": int(time.time()),
                "text": body["text"],
            }
            return _ok(message)
        return Failure(404, "Not Found").response()


def _ok(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


def update(
    text: str | None = "Where is my order?",
    *,
    update_id: int = 10000,
    message_id: int = 1365,
    chat: dict[str, Any] | None = None,
    sender: dict[str, Any] | None = None,
    kind: str = "message",
    **fields: Any,
) -> dict[str, Any]:
    """An Update carrying one Message, shaped as the Bot API documents it."""
    who = dict(CUSTOMER if sender is None else sender)
    where = chat or {
        "id": who["id"],
        "first_name": who.get("first_name"),
        "last_name": who.get("last_name"),
        "username": who.get("username"),
        "type": "private",
    }
    message: dict[str, Any] = {
        "message_id": message_id,
        "from": who,
        "chat": where,
        "date": 1441645532,
        **fields,
    }
    if text is not None:
        message["text"] = text
    return {"update_id": update_id, kind: message}


def secret_headers(secret: str = SECRET) -> dict[str, str]:
    return {"X-Telegram-Bot-Api-Secret-Token": secret, "Content-Type": "application/json"}
