"""API docs served from local assets: FastAPI's default pulls Swagger UI from a CDN."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).parent / "static"
STATIC = "/static/docs"

# The initialiser is a separate file, so the page works under `script-src 'self'` (no inline JS).
INIT_JS = """window.ui = SwaggerUIBundle({
  url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  layout: "BaseLayout", persistAuthorization: true
});"""

PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchboard API</title>
<link rel="icon" href="{STATIC}/favicon.png">
<link rel="stylesheet" href="{STATIC}/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="{STATIC}/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>"""


SECURITY_SCHEMES = {
    "OAuth2Password": {
        "type": "oauth2",
        "flows": {"password": {"tokenUrl": "/api/v1/auth/token", "scopes": {}}},
    },
    "ApiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
}


def _with_security(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """Declare the two credentials in the document (Authorize in /docs) without adding a
    dependency to every request: api/deps.py reads the headers itself, on the hot path."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            schema.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
            schema["security"] = [{"OAuth2Password": []}, {"ApiKey": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    return openapi


def install_docs(app: FastAPI) -> None:
    app.openapi = _with_security(app)  # type: ignore[method-assign]
    app.mount(STATIC, StaticFiles(directory=ASSETS), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(PAGE)

    @app.get("/docs/init.js", include_in_schema=False)
    async def docs_init() -> Response:
        return Response(INIT_JS, media_type="application/javascript")
