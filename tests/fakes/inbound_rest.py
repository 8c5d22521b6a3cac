"""A JSON list endpoint the generic REST poller reads: bearer auth checked for real, a `since`
cursor (items updated strictly after it), pages of `page_size` linked by a relative `next` URL,
and every request recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


@dataclass
class RestFake:
    token: str
    items: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 2
    requests: list[dict[str, str]] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)

    def add(self, item_id: str, updated: str, body: str, *, bot: bool = False) -> None:
        self.items.append(
            {
                "id": item_id,
                "thread": "t-9",
                "body": body,
                "from": {"email": "bot@x.io" if bot else "a@x.io", "bot": bot},
                "updated": updated,
            }
        )

    def app(self) -> Starlette:
        async def messages(request: Request) -> JSONResponse:
            self.requests.append(dict(request.query_params))
            if self.fail_next:
                status = self.fail_next.pop(0)
                return JSONResponse({"error": "x"}, status, headers={"Retry-After": "7"})
            if request.headers.get("authorization") != self.token:
                return JSONResponse({"error": "unauthorized"}, 401)
            since = request.query_params.get("since", "")
            newer = sorted(
                (i for i in self.items if i["updated"] > since), key=lambda i: i["updated"]
            )
            page = int(request.query_params.get("page", "1"))
            chunk = newer[(page - 1) * self.page_size : page * self.page_size]
            more = len(newer) > page * self.page_size
            # The next link carries the cursor, as many APIs' links do.
            following = f"/api/messages?since={since}&page={page + 1}" if more else None
            return JSONResponse({"data": chunk, "next": following})

        return Starlette(routes=[Route("/api/messages", messages)])
