"""Cross-cutting behaviour: ids, headers, health, readiness, metrics, docs, rate limits, CORS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncConnection

from api.runtime import Runtime
from tests.conftest import Tenant, build_test_app, make_settings


@asynccontextmanager
async def client_with(
    runtime: Runtime, db: AsyncConnection, **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """A client for an app built under overridden settings, restored afterwards."""
    previous = runtime.settings
    runtime.settings = make_settings(**overrides)
    try:
        app = build_test_app(runtime, db)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as c:
            yield c
    finally:
        runtime.settings = previous


async def test_request_id_is_echoed_or_generated(client: httpx.AsyncClient) -> None:
    r = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    generated = (await client.get("/health")).headers["x-request-id"]
    assert len(generated) == 32
    evil = await client.get("/health", headers={"X-Request-ID": "bad id\twith\x01junk"})
    assert evil.headers["x-request-id"] != "bad id\twith\x01junk"


async def test_security_headers_on_every_response(client: httpx.AsyncClient) -> None:
    for path in ("/health", "/api/v1/me", "/docs"):
        r = await client.get(path)
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"


async def test_ready_reports_each_dependency(client: httpx.AsyncClient) -> None:
    r = await client.get("/ready")
    assert r.status_code == 200, r.text
    assert r.json()["checks"] == {
        "postgres": "ok",
        "redis": "ok",
        "nats": "ok",
        "serve": "disabled",
    }


async def test_ready_is_503_naming_what_is_down(runtime: Runtime, db: AsyncConnection) -> None:
    async def broken() -> str | None:
        return "application DEPLOY_FAILED"

    runtime.extra_probes["serve"] = broken
    try:
        app = build_test_app(runtime, db)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as c:
            r = await c.get("/ready")
    finally:
        runtime.extra_probes.pop("serve")
    assert r.status_code == 503
    err = r.json()["error"]
    assert err["code"] == "not_ready" and "serve" in err["message"]
    assert err["details"]["down"] == ["serve"]


async def test_metrics_count_requests_by_route_template(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await client.get("/api/v1/conversations", headers=tenant.headers)
    text = (await client.get("/metrics")).text
    assert (
        'switchboard_http_requests_total{method="GET",route="/api/v1/conversations",status="200"}'
        in text
    )
    assert "switchboard_http_request_duration_seconds_bucket" in text


async def test_docs_are_served_without_a_cdn(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower() and "http" not in page.text.replace("http-equiv", "")
    for asset in (
        "/static/docs/swagger-ui-bundle.js",
        "/static/docs/swagger-ui.css",
        "/docs/init.js",
    ):
        assert (await client.get(asset)).status_code == 200
    spec = (await client.get("/openapi.json")).json()
    assert "/api/v1/auth/register" in spec["paths"]


async def test_login_is_rate_limited_with_retry_after(
    runtime: Runtime, db: AsyncConnection, tenant: Tenant
) -> None:
    form = {"username": tenant.email, "password": "wrong-password"}
    async with client_with(runtime, db, rate_limit_login="3/minute") as c:
        codes = [await c.post("/api/v1/auth/token", data=form) for _ in range(4)]
    assert [r.status_code for r in codes] == [401, 401, 401, 429]
    assert 1 <= int(codes[-1].headers["retry-after"]) <= 60
    assert codes[-1].json()["error"]["code"] == "rate_limited"


async def test_registration_is_rate_limited(runtime: Runtime, db: AsyncConnection) -> None:
    codes = []
    async with client_with(runtime, db, rate_limit_register="2/hour") as c:
        for i in range(3):
            body = {
                "email": f"rl{i}@example.com",
                "password": "long enough pw",
                "name": "R",
                "organization_name": f"RL {i}",
            }
            codes.append((await c.post("/api/v1/auth/register", json=body)).status_code)
    assert codes == [201, 201, 429]


async def test_api_is_rate_limited_per_key(
    runtime: Runtime, db: AsyncConnection, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = {"name": "k", "scopes": ["read:contacts"]}
    key = (await client.post("/api/v1/api-keys", headers=tenant.headers, json=body)).json()["key"]
    async with client_with(runtime, db, rate_limit_api="5/minute") as c:
        codes = [
            (await c.get("/api/v1/contacts", headers={"X-Api-Key": key})).status_code
            for _ in range(6)
        ]
    assert codes == [200] * 5 + [429]


async def test_gateway_traffic_has_its_own_rate_limit(
    runtime: Runtime, db: AsyncConnection, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = {"name": "k", "scopes": ["llm", "read:contacts"]}
    key = (await client.post("/api/v1/api-keys", headers=tenant.headers, json=body)).json()["key"]
    headers = {"Authorization": f"Bearer {key}"}
    async with client_with(runtime, db, rate_limit_api="2/minute", rate_limit_llm="4/minute") as c:
        gateway = [(await c.get("/v1/models", headers=headers)).status_code for _ in range(5)]
        rest = [(await c.get("/api/v1/contacts", headers=headers)).status_code for _ in range(3)]
    assert gateway == [200] * 4 + [429] and rest == [200, 200, 429]


async def test_cors_allows_configured_origins_only(runtime: Runtime, db: AsyncConnection) -> None:
    pre = {"Access-Control-Request-Method": "GET"}
    async with client_with(runtime, db, cors_origins="https://app.example.com") as c:
        ok = await c.options("/health", headers={"Origin": "https://app.example.com", **pre})
        bad = await c.options("/health", headers={"Origin": "https://evil.example.com", **pre})
    assert ok.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "access-control-allow-origin" not in bad.headers


async def test_openapi_declares_both_credentials(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["OAuth2Password"]["flows"]["password"]["tokenUrl"] == "/api/v1/auth/token"
    assert schemes["ApiKey"] == {"type": "apiKey", "in": "header", "name": "X-Api-Key"}
