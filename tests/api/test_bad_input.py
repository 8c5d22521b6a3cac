"""Every class of bad input is a 4xx in the one error shape, and nothing is stored."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Tenant


def assert_error_shape(r: httpx.Response, status: int, code: str | None = None) -> None:
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert set(err) == {"code", "message", "details", "request_id"}
    assert err["request_id"] == r.headers["x-request-id"]
    assert isinstance(err["message"], str) and err["message"]
    if code:
        assert err["code"] == code


async def test_malformed_json_is_400(client: httpx.AsyncClient, tenant: Tenant) -> None:
    r = await client.post(
        "/api/v1/contacts",
        headers={**tenant.headers, "Content-Type": "application/json"},
        content=b'{"name": "x",',
    )
    assert_error_shape(r, 400, "malformed_json")


@pytest.mark.parametrize(
    "body",
    [
        {"name": 123},  # wrong type
        {"name": "x", "nickname": "y"},  # unknown field
        {"email": "not-an-email"},  # bad format
        [],  # not an object
    ],
)
async def test_invalid_bodies_are_422(
    client: httpx.AsyncClient, tenant: Tenant, body: object
) -> None:
    r = await client.post("/api/v1/contacts", headers=tenant.headers, json=body)
    assert_error_shape(r, 422, "validation_error")
    assert r.json()["error"]["details"][0]["loc"]
    listed = (await client.get("/api/v1/contacts", headers=tenant.headers)).json()
    assert listed["items"] == []


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=201", "limit=abc", "status=deleted", "assignee=someone", "priority=meh"],
)
async def test_bad_query_parameters_are_422(
    client: httpx.AsyncClient, tenant: Tenant, query: str
) -> None:
    r = await client.get(f"/api/v1/conversations?{query}", headers=tenant.headers)
    assert_error_shape(r, 422, "validation_error")


async def test_bad_cursor_is_400(client: httpx.AsyncClient, tenant: Tenant) -> None:
    r = await client.get("/api/v1/conversations?cursor=garbage!!", headers=tenant.headers)
    assert_error_shape(r, 400, "invalid_cursor")


async def test_bad_path_id_is_422_and_unknown_route_404(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    r = await client.get("/api/v1/conversations/not-a-uuid", headers=tenant.headers)
    assert_error_shape(r, 422)
    assert_error_shape(await client.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error_shape(await client.delete("/health"), 405, "method_not_allowed")


async def test_oversized_body_is_413(client: httpx.AsyncClient, tenant: Tenant) -> None:
    big = {"name": "x", "attributes": {"blob": "a" * 1_100_000}}
    r = await client.post("/api/v1/contacts", headers=tenant.headers, json=big)
    assert_error_shape(r, 413, "payload_too_large")


async def test_oversized_streamed_body_without_length_is_413(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"a" * 32_768

    r = await client.post(
        "/api/v1/contacts",
        headers={**tenant.headers, "Content-Type": "application/json"},
        content=chunks(),
    )
    assert_error_shape(r, 413, "payload_too_large")


async def test_weak_password_and_bad_email_at_registration(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/auth/register",
        json={"email": "a@example.com", "password": "short", "name": "A", "organization_name": "O"},
    )
    assert_error_shape(r, 422)
    r = await client.post(
        "/api/v1/auth/register",
        json={"email": "nope", "password": "long enough pw", "name": "A", "organization_name": "O"},
    )
    assert_error_shape(r, 422)
    r = await client.post("/api/v1/auth/token", data={"username": "", "password": ""})
    assert r.status_code in (400, 422)


async def test_wrong_content_type_is_4xx(client: httpx.AsyncClient, tenant: Tenant) -> None:
    r = await client.post(
        "/api/v1/contacts",
        headers={**tenant.headers, "Content-Type": "text/plain"},
        content=b"name=x",
    )
    assert 400 <= r.status_code < 500
