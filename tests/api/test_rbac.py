"""Roles: viewers read, members work the inbox, admins manage; grants widen members."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Tenant, add_user

ADMIN_ONLY = [
    (
        "POST",
        "/api/v1/users",
        {
            "email": "x@example.com",
            "name": "X",
            "role": "member",
            "password": "long enough password",
        },
    ),
    ("POST", "/api/v1/api-keys", {"name": "k"}),
    ("GET", "/api/v1/api-keys", None),
    ("POST", "/api/v1/integrations", {"name": "A", "type": "api", "config": {}}),
    ("GET", "/api/v1/audit-log", None),
    ("PATCH", "/api/v1/organization", {"name": "Renamed"}),
]
MEMBER_WRITES = [
    ("POST", "/api/v1/contacts", {"name": "C"}),
    ("POST", "/api/v1/conversations", {"subject": "S"}),
]
READS = [
    "/api/v1/contacts",
    "/api/v1/conversations",
    "/api/v1/integrations",
    "/api/v1/users",
    "/api/v1/connectors",
    "/api/v1/organization",
    "/api/v1/me",
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ONLY)
@pytest.mark.parametrize("role", ["member", "viewer"])
async def test_admin_only_actions_are_forbidden_to_others(
    client: httpx.AsyncClient,
    tenant: Tenant,
    role: str,
    method: str,
    path: str,
    body: dict[str, str] | None,
) -> None:
    user = await add_user(client, tenant, role)
    r = await client.request(method, path, headers=user.headers, json=body)
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "forbidden"
    ok = await client.request(method, path, headers=tenant.headers, json=body)
    assert ok.status_code in (200, 201)


@pytest.mark.parametrize(("method", "path", "body"), MEMBER_WRITES)
async def test_members_write_the_inbox_viewers_cannot(
    client: httpx.AsyncClient, tenant: Tenant, method: str, path: str, body: dict[str, str]
) -> None:
    member = await add_user(client, tenant, "member")
    viewer = await add_user(client, tenant, "viewer")
    assert (
        await client.request(method, path, headers=member.headers, json=body)
    ).status_code == 201
    assert (
        await client.request(method, path, headers=viewer.headers, json=body)
    ).status_code == 403


@pytest.mark.parametrize("path", READS)
async def test_viewers_can_read(client: httpx.AsyncClient, tenant: Tenant, path: str) -> None:
    viewer = await add_user(client, tenant, "viewer")
    assert (await client.get(path, headers=viewer.headers)).status_code == 200


async def test_viewer_cannot_write_anything(client: httpx.AsyncClient, tenant: Tenant) -> None:
    viewer = await add_user(client, tenant, "viewer")
    conv = (
        await client.post("/api/v1/conversations", headers=tenant.headers, json={"subject": "S"})
    ).json()
    for method, path, body in [
        ("PATCH", f"/api/v1/conversations/{conv['id']}", {"status": "resolved"}),
        ("POST", f"/api/v1/conversations/{conv['id']}/messages", {"text": "hello"}),
        ("DELETE", f"/api/v1/conversations/{conv['id']}", None),
    ]:
        r = await client.request(method, path, headers=viewer.headers, json=body)
        assert r.status_code == 403, (method, path)


async def test_admin_grants_extra_permissions_to_members(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    member = await add_user(client, tenant, "member")
    me = (await client.get("/api/v1/me", headers=member.headers)).json()
    assert "write:routing" not in me["permissions"]
    r = await client.patch(
        f"/api/v1/users/{member.user_id}",
        headers=tenant.headers,
        json={"extra_permissions": ["write:routing", "train:models"]},
    )
    assert r.status_code == 200
    assert {"write:routing", "train:models"} <= set(r.json()["permissions"])
    me = (await client.get("/api/v1/me", headers=member.headers)).json()
    assert "write:routing" in me["permissions"]
    bad = await client.patch(
        f"/api/v1/users/{member.user_id}",
        headers=tenant.headers,
        json={"extra_permissions": ["write:users"]},
    )
    assert bad.status_code == 400


async def test_role_change_applies_immediately(client: httpx.AsyncClient, tenant: Tenant) -> None:
    member = await add_user(client, tenant, "member")
    r = await client.post("/api/v1/contacts", headers=member.headers, json={"name": "A"})
    assert r.status_code == 201
    await client.patch(
        f"/api/v1/users/{member.user_id}", headers=tenant.headers, json={"role": "viewer"}
    )
    r = await client.post("/api/v1/contacts", headers=member.headers, json={"name": "B"})
    assert r.status_code == 403


async def test_deactivated_user_loses_access(client: httpx.AsyncClient, tenant: Tenant) -> None:
    member = await add_user(client, tenant, "member")
    assert (
        await client.delete(f"/api/v1/users/{member.user_id}", headers=tenant.headers)
    ).status_code == 204
    assert (await client.get("/api/v1/me", headers=member.headers)).status_code == 401
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": member.refresh_token})
    assert r.status_code == 401
    r = await client.post(
        "/api/v1/auth/token", data={"username": member.email, "password": member.password}
    )
    assert r.status_code == 401


async def test_admin_cannot_lock_themselves_out(client: httpx.AsyncClient, tenant: Tenant) -> None:
    r = await client.patch(
        f"/api/v1/users/{tenant.user_id}", headers=tenant.headers, json={"role": "viewer"}
    )
    assert r.status_code == 400
    r = await client.delete(f"/api/v1/users/{tenant.user_id}", headers=tenant.headers)
    assert r.status_code == 400
