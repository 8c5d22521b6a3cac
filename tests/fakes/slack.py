"""A fake Slack Web API (`/api/chat.postMessage`, `/api/auth.test`), plus signed Events API calls.

Bearer tokens are checked the way Slack does (HTTP 200, `{"ok": false, "error": "invalid_auth"}`);
channels the bot is not in answer `not_in_channel`; `fail_next` queues raw answers (status, body,
headers) such as a 429 with Retry-After. Event bodies follow the documented `event_callback`
wrapper and are signed by Slack's own SDK (`SignatureVerifier.generate_signature`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
BOT_USER = "U0LAN0Z89"
BOT_ID = "B19LU7CSY"
TEAM = "T123ABC456"


@dataclass
class SlackFake:
    """One workspace: the channels the bot is in, what it posted, every method called."""

    token: str = BOT_TOKEN
    channels: set[str] = field(default_factory=lambda: {"C123ABC456", "D024BE91L"})
    posted: list[dict[str, Any]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    fail_next: list[tuple[int, dict[str, Any], dict[str, str]]] = field(default_factory=list)
    _ts: int = 0

    def app(self) -> Starlette:
        async def handle(request: Request) -> JSONResponse:
            method = request.path_params["method"]
            self.calls.append(method)
            if self.fail_next:
                status, body, headers = self.fail_next.pop(0)
                return JSONResponse(body, status_code=status, headers=headers)
            if request.headers.get("authorization") != f"Bearer {self.token}":
                return _error("invalid_auth")
            body = await request.json() if await request.body() else {}
            if method == "auth.test":
                return JSONResponse(
                    {"ok": True, "team": "Acme", "team_id": TEAM, "user": "sb", "user_id": BOT_USER}
                )
            if method == "chat.postMessage":
                return self._post(body)
            return _error("unknown_method")

        return Starlette(routes=[Route("/api/{method}", handle, methods=["GET", "POST"])])

    def _post(self, body: dict[str, Any]) -> JSONResponse:
        channel = str(body.get("channel") or "")
        if channel not in self.channels:
            return _error("not_in_channel" if channel.startswith("C") else "channel_not_found")
        if not body.get("text"):
            return _error("no_text")
        self.posted.append(dict(body))
        self._ts += 1
        ts = f"{int(time.time())}.{self._ts:06d}"
        message = {"type": "message", "subtype": "bot_message", "bot_id": BOT_ID, "ts": ts,
                   "text": body["text"], "thread_ts": body.get("thread_ts")}  # fmt: skip
        return JSONResponse({"ok": True, "channel": channel, "ts": ts, "message": message})


def _error(code: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error": code})


def event_callback(
    text: str = "Where is my order?",
    *,
    channel: str | None = "C123ABC456",
    user: str | None = "U123ABC456",
    ts: str = "1355517523.000005",
    event_type: str = "message",
    event_id: str = "Ev123ABC456",
    **event: Any,
) -> bytes:
    """A message event in the Events API's standard wrapper, as Slack sends it."""
    inner = {"type": event_type, "channel": channel, "user": user, "text": text, "ts": ts,
             "event_ts": ts, "channel_type": "channel", **event}  # fmt: skip
    payload = {
        "token": "one-long-verification-token",
        "team_id": TEAM,
        "api_app_id": "A123ABC456",
        "event": {k: v for k, v in inner.items() if v is not None},
        "type": "event_callback",
        "authed_teams": [TEAM],
        "event_id": event_id,
        "event_time": int(float(ts)),
    }
    return json.dumps(payload).encode()


def url_verification(
    challenge: str = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
) -> bytes:
    return json.dumps(
        {"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": challenge, "type": "url_verification"}
    ).encode()


def signed_headers(
    body: bytes, *, at: float | None = None, secret: str = SIGNING_SECRET
) -> dict[str, str]:
    timestamp = str(int(time.time() if at is None else at))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
        "Content-Type": "application/json",
    }
