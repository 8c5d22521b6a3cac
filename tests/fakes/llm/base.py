"""What every LLM provider fake shares: the reply, the reported usage, the request log, faults.

The usage is a deterministic function of what was sent, so a test can predict it: prompt tokens
are `len(utf-8 bytes of all input text) // 4 + 1`, output tokens are the words of the reply.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar, Literal

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.fakes.llm.faults import Fault, Faults

DEFAULT_REPLY = "Thanks for reaching out, your refund is on its way."
Cut = Literal["error", "drop"] | None


class StreamDropped(Exception):
    """Raised inside a streaming body so the server cuts the connection mid-stream."""


class _QuietDrops(logging.Filter):
    """A dropped stream is the fault asked for, not a crash worth a traceback in the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], StreamDropped))


logging.getLogger("uvicorn.error").addFilter(_QuietDrops())


def prompt_tokens(texts: Iterable[str]) -> int:
    return len("\n".join(texts).encode()) // 4 + 1


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it (header names lower-cased)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass(frozen=True)
class Answer:
    """What the fake will say to one request, chunked for streaming."""

    chunks: list[str]
    finish: Literal["stop", "length"]
    prompt_tokens: int
    output_tokens: int
    cached_tokens: int

    @property
    def text(self) -> str:
        return "".join(self.chunks)


class FakeLLM:
    """One provider's fake: subclasses add the routes speaking that provider's wire format."""

    kind: ClassVar[str]

    def __init__(
        self,
        *,
        reply: str = DEFAULT_REPLY,
        api_key: str | None = None,
        models: Iterable[str] | None = None,
        cached_tokens: int = 0,
        record_limit: int = 10_000,
    ) -> None:
        self.reply = reply
        self.api_key = api_key  # None: any non-empty key is accepted
        self.models = frozenset(models) if models is not None else None  # None: any model
        self.cached_tokens = cached_tokens
        self.faults = Faults()
        self._lock = threading.Lock()
        self._requests: deque[RecordedRequest] = deque(maxlen=record_limit)
        self._app: Starlette | None = None

    # -- what tests read ------------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def last(self) -> RecordedRequest:
        with self._lock:
            return self._requests[-1]

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    @property
    def app(self) -> Starlette:
        if self._app is None:
            self._app = Starlette(routes=[*self.routes(), *self._admin_routes()])
        return self._app

    # -- what subclasses implement --------------------------------------------------------------
    def routes(self) -> list[Route]:
        raise NotImplementedError

    # -- what subclasses use --------------------------------------------------------------------
    async def receive(self, request: Request) -> tuple[RecordedRequest, Fault]:
        """Record the request, pick its fault and wait out the latency it calls for."""
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        recorded = RecordedRequest(
            method=request.method,
            path=request.url.path,
            query=dict(request.query_params),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
        )
        with self._lock:
            self._requests.append(recorded)
        fault = self.faults.take()
        pause = self.faults.latency_s + fault.delay_s
        if pause > 0:
            await asyncio.sleep(pause)
        return recorded, fault

    def key_ok(self, presented: str | None) -> bool:
        if not presented:
            return False
        return self.api_key is None or presented == self.api_key

    def model_known(self, model: object) -> bool:
        return isinstance(model, str) and (self.models is None or model in self.models)

    def answer(
        self, inputs: Iterable[str], fault: Fault, *, max_tokens: int | None, stop: Any = None
    ) -> Answer:
        reply = "" if fault.refusal else (fault.reply if fault.reply is not None else self.reply)
        for sequence in [stop] if isinstance(stop, str) else stop or []:
            if sequence and sequence in reply:
                reply = reply[: reply.index(sequence)]
        words = re.findall(r"\S+\s*", reply)
        finish: Literal["stop", "length"] = "stop"
        if max_tokens is not None and len(words) > max_tokens:
            words, finish = words[:max_tokens], "length"
        if words:
            words[-1] = words[-1].rstrip()
        return Answer(words, finish, prompt_tokens(inputs), len(words), self.cached_tokens)

    @staticmethod
    def cut(fault: Fault, answer: Answer) -> tuple[list[str], Cut]:
        """The chunks to send before the stream fails (if it does), and how it fails."""
        for at, how in ((fault.fail_after_chunks, "error"), (fault.drop_after_chunks, "drop")):
            if at is not None:
                return answer.chunks[:at], how  # type: ignore[return-value]
        return answer.chunks, None

    @staticmethod
    async def pause(fault: Fault) -> None:
        if fault.chunk_delay_s > 0:
            await asyncio.sleep(fault.chunk_delay_s)

    @staticmethod
    def sse(events: AsyncIterator[str]) -> StreamingResponse:
        return StreamingResponse(
            events, media_type="text/event-stream", headers={"cache-control": "no-cache"}
        )

    @staticmethod
    def error_headers(fault: Fault) -> dict[str, str]:
        return {"retry-after": fault.retry_after} if fault.retry_after else {}

    # -- control over HTTP, for fakes running as separate processes -----------------------------
    def _admin_routes(self) -> list[Route]:
        return [
            Route("/_fake/faults", self._set_faults, methods=["POST"]),
            Route("/_fake/requests", self._list_requests, methods=["GET"]),
            Route("/_fake/requests", self._clear_requests, methods=["DELETE"]),
        ]

    async def _set_faults(self, request: Request) -> Response:
        """Body: {"clear": bool, "push": [Fault fields...], "always": {...} | null,
        "latency_ms": int, "reply": str}; every key optional."""
        spec = await request.json()
        names = {f.name for f in fields(Fault)}
        if spec.get("clear"):
            self.faults.clear()
        self.faults.push(
            *(Fault(**{k: v for k, v in f.items() if k in names}) for f in spec.get("push", []))
        )
        if "always" in spec:
            always = spec["always"]
            self.faults.always(
                Fault(**{k: v for k, v in always.items() if k in names}) if always else None
            )
        if "latency_ms" in spec:
            self.faults.set_latency(spec["latency_ms"] / 1000)
        if "reply" in spec:
            self.reply = spec["reply"]
        return JSONResponse({"pending": self.faults.pending()})

    async def _list_requests(self, _: Request) -> Response:
        return JSONResponse([asdict(r) for r in self.requests])

    async def _clear_requests(self, _: Request) -> Response:
        self.clear_requests()
        return Response(status_code=204)
