"""A provider stand-in for send tests: records every request, answers what it is told to.

Any path is accepted; the answer is the next queued one, else the default. Used by the
documented-examples suite, which compares the recorded request with what the provider documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))


@dataclass
class Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def response(self) -> Response:
        if isinstance(self.body, str | bytes):
            return Response(self.body, status_code=self.status, headers=self.headers)
        return JSONResponse(
            self.body if self.body is not None else {}, self.status, headers=self.headers
        )


@dataclass
class Recorder:
    requests: list[Recorded] = field(default_factory=list)
    queue: list[Answer] = field(default_factory=list)
    default: Answer = field(default_factory=Answer)
    by_path: dict[str, Answer] = field(default_factory=dict)

    def reset(
        self, default: Answer | None = None, by_path: dict[str, Answer] | None = None
    ) -> None:
        self.requests.clear()
        self.queue.clear()
        self.default = default or Answer()
        self.by_path = dict(by_path or {})

    def app(self) -> Starlette:
        async def handle(request: Request) -> Response:
            self.requests.append(
                Recorded(
                    method=request.method,
                    path=request.url.path,
                    query=dict(request.query_params),
                    headers={k.lower(): v for k, v in request.headers.items()},
                    body=await request.body(),
                )
            )
            path = request.url.path
            answer = self.queue.pop(0) if self.queue else self.by_path.get(path, self.default)
            return answer.response()

        methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        return Starlette(routes=[Route("/{path:path}", handle, methods=methods)])
