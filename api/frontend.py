"""The dashboard (frontend/, built by `make up` into frontend/dist) served by the ingress itself.

Hashed bundles under /assets are cached for a year; any other GET that no API route answers and
that asks for a page gets index.html, so deep links (/conversations/<id>) work on reload. The
fallback sits in the router's not-found slot, not in a catch-all route: an unknown API path still
answers the API's own 404 (and a wrong method its 405).
"""

from __future__ import annotations

import mimetypes
import stat
from pathlib import Path

import anyio
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

# Paths that belong to the API (or its docs) and never fall back to the dashboard.
API_PREFIXES = (
    "/api/",
    "/v1/",
    "/docs",
    "/static/",
    "/openapi.json",
    "/health",
    "/ready",
    "/metrics",
)
NOT_BUILT = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Switchboard</title>
</head><body><main><h1>Switchboard</h1><p>The dashboard is not built. <code>make up</code>
builds it (or run <code>npm ci &amp;&amp; npm run build</code> in <code>frontend/</code>).
The API is up: see <a href="/docs">/docs</a>.</p></main></body></html>"""


IMMUTABLE = "public, max-age=31536000, immutable"


def accepts_gzip(scope: Scope) -> bool:
    for key, value in scope.get("headers", []):
        if key == b"accept-encoding":
            return b"gzip" in value.lower()
    return False


class ImmutableAssets(StaticFiles):
    """Vite names each bundle by its content hash: a URL's bytes never change. The build writes
    a gzip copy beside each text asset (frontend/scripts/compress.mjs); a browser that accepts
    gzip gets it, so the bundle goes out at a third of its size with no compression per request.
    """

    async def get_response(self, path: str, scope: Scope) -> Response:
        if accepts_gzip(scope) and not path.endswith(".gz"):
            packed, found = await anyio.to_thread.run_sync(self.lookup_path, path + ".gz")
            if found is not None and stat.S_ISREG(found.st_mode):
                media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
                headers = {
                    "Cache-Control": IMMUTABLE,
                    "Content-Encoding": "gzip",
                    "Vary": "Accept-Encoding",
                }
                return FileResponse(packed, media_type=media_type, headers=headers)
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = IMMUTABLE
            response.headers["Vary"] = "Accept-Encoding"
        return response


def wants_page(scope: Scope) -> bool:
    if scope["type"] != "http" or scope["method"] not in {"GET", "HEAD"}:
        return False
    path: str = scope["path"]
    return not any(path == p.rstrip("/") or path.startswith(p) for p in API_PREFIXES)


class PageFallback:
    """The router's not-found handler: the dashboard's page for page paths, else the 404."""

    def __init__(self, dist: Path | None, not_found: ASGIApp) -> None:
        self.dist = dist
        self.not_found = not_found

    def _response(self, path: str) -> Response:
        if self.dist is None:
            return HTMLResponse(NOT_BUILT, status_code=503, headers={"Cache-Control": "no-store"})
        # Files at the bundle's top level (favicon.svg, robots.txt), never outside it.
        name = path.lstrip("/")
        if name and "/" not in name and not name.startswith("."):
            candidate = self.dist / name
            if candidate.is_file() and candidate.name != "index.html":
                return FileResponse(candidate, headers={"Cache-Control": "public, max-age=3600"})
        return FileResponse(self.dist / "index.html", headers={"Cache-Control": "no-cache"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not wants_page(scope):
            await self.not_found(scope, receive, send)
            return
        await self._response(scope["path"])(scope, receive, send)


def install_frontend(app: FastAPI, dist: Path) -> None:
    built = (dist / "index.html").is_file()
    if built and (dist / "assets").is_dir():
        app.mount("/assets", ImmutableAssets(directory=dist / "assets"), name="dashboard-assets")
    app.router.default = PageFallback(dist if built else None, app.router.default)
