"""The widget's websocket protocol (docs/connectors/widget.md): what a visitor's browser may send,
validated before anything acts on it, and what the server answers.

A visitor's browser is an anonymous client on the open internet: every frame is bounded in size,
parsed strictly (unknown fields refused) and answered with an `error` frame when wrong, never
with a dropped connection or a crash.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

MAX_FRAME_CHARS = 16_384
MAX_TEXT_CHARS = 4_000
CLIENT_ID = r"^[A-Za-z0-9_-]{1,64}$"
VISITOR_ID = r"^v_[A-Za-z0-9_-]{16,40}$"


class _Frame(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)


class User(_Frame):
    """Who the customer's page says the visitor is; `userHash` makes it a verified identity."""

    user_id: str | None = Field(default=None, alias="userId", min_length=1, max_length=190)
    email: str | None = Field(default=None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    user_hash: str | None = Field(default=None, alias="userHash", pattern=r"^[0-9a-fA-F]{64}$")


class Hello(_Frame):
    type: Literal["hello"]
    visitor_id: str | None = Field(default=None, pattern=VISITOR_ID)
    visitor_token: str | None = Field(default=None, max_length=200)
    user: User | None = None
    page: str | None = Field(default=None, max_length=2000, description="the page's URL")


class Say(_Frame):
    """A visitor's message; `client_id` makes a resend (after a lost ack) the same message."""

    type: Literal["message"]
    client_id: str = Field(pattern=CLIENT_ID)
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)


class Typing(_Frame):
    type: Literal["typing"]
    state: bool


class Ping(_Frame):
    type: Literal["ping"]


ClientFrame = Annotated[Hello | Say | Typing | Ping, Field(discriminator="type")]
_CLIENT: TypeAdapter[Hello | Say | Typing | Ping] = TypeAdapter(ClientFrame)


class FrameError(Exception):
    """A frame we refuse; answered with an error frame (code, message)."""

    def __init__(self, code: str, message: str, client_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.client_id = client_id


def parse(raw: str | bytes | None) -> Hello | Say | Typing | Ping:
    """One client frame, or FrameError saying what is wrong with it."""
    if not isinstance(raw, str):
        raise FrameError("invalid_frame", "frames are JSON text")
    if len(raw) > MAX_FRAME_CHARS:
        raise FrameError("frame_too_large", f"frames are at most {MAX_FRAME_CHARS} characters")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise FrameError("invalid_frame", "a frame is one JSON object") from None
    try:
        return _CLIENT.validate_python(data)
    except ValidationError as exc:
        client_id = data.get("client_id") if isinstance(data, dict) else None
        raise FrameError("invalid_frame", _first_error(exc),
                         client_id if isinstance(client_id, str) else None) from None  # fmt: skip


def _first_error(exc: ValidationError) -> str:
    error = exc.errors(include_input=False, include_url=False)[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}" if where else str(error["msg"])


class _Server(BaseModel):
    def dump(self) -> str:
        return orjson.dumps(self.model_dump(mode="json", by_alias=True, exclude_none=True)).decode()


class HistoryItem(_Server):
    id: str
    text: str
    from_: Literal["visitor", "agent"] = Field(serialization_alias="from")
    at: datetime
    client_id: str | None = None  # the visitor's own id for their message (matches its outbox)


class Welcome(_Server):
    type: Literal["welcome"] = "welcome"
    visitor_id: str
    visitor_token: str
    verified: bool
    history: list[HistoryItem]
    settings: dict[str, Any]


class Ack(_Server):
    type: Literal["ack"] = "ack"
    client_id: str
    message_id: str


class ErrorFrame(_Server):
    type: Literal["error"] = "error"
    code: str
    message: str
    client_id: str | None = None
    retry_after: int | None = None


class Pong(_Server):
    type: Literal["pong"] = "pong"


class FrameBudget:
    """Frames one connection may send: `burst` at once, refilled at `rate` per second. A normal
    widget sends a few a minute; this only stops a script hammering the socket."""

    def __init__(self, rate: float = 5.0, burst: float = 20.0) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.at = time.monotonic()

    def take(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
