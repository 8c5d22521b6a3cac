"""Admins add users with a password or an invitation; invitations set the password once."""

from __future__ import annotations

import httpx

from tests.conftest import Tenant


async def test_invitation_flow(client: httpx.AsyncClient, tenant: Tenant) -> None:
    r = await client.post(
        "/api/v1/users",
        headers=tenant.headers,
        json={"email": "New.Agent@example.com", "name": "New Agent"},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["role"] == "member" and body["invitation_token"].startswith("inv_")
    assert body["invitation_token"] in body["invitation_url"]
    login = await client.post(
        "/api/v1/auth/token", data={"username": "new.agent@example.com", "password": "anything12"}
    )
    assert login.status_code == 401  # no password yet
    accepted = await client.post(
        "/api/v1/auth/accept-invitation",
        json={"token": body["invitation_token"], "password": "my own good password"},
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["user"]["id"] == body["id"]
    assert accepted.json()["organization"]["id"] == tenant.org_id
    again = await client.post(
        "/api/v1/auth/accept-invitation",
        json={"token": body["invitation_token"], "password": "hijack attempt pw"},
    )
    assert again.status_code == 401
    login = await client.post(
        "/api/v1/auth/token",
        data={"username": "new.agent@example.com", "password": "my own good password"},
    )
    assert login.status_code == 200


async def test_user_with_password_needs_no_invitation(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    r = await client.post(
        "/api/v1/users",
        headers=tenant.headers,
        json={
            "email": "v@example.com",
            "name": "V",
            "role": "viewer",
            "password": "long password 1",
        },
    )
    assert r.status_code == 201
    assert r.json()["invitation_token"] is None
    assert "read:conversations" in r.json()["permissions"]
    assert "write:conversations" not in r.json()["permissions"]


async def test_user_list_search_and_pagination(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for i in range(3):
        await client.post(
            "/api/v1/users",
            headers=tenant.headers,
            json={
                "email": f"agent{i}@example.com",
                "name": f"Agent {i}",
                "password": "long password 1",
            },
        )
    page = (await client.get("/api/v1/users?limit=2", headers=tenant.headers)).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = (
        await client.get(
            f"/api/v1/users?limit=2&cursor={page['next_cursor']}", headers=tenant.headers
        )
    ).json()
    assert len(rest["items"]) == 2 and rest["next_cursor"] is None
    ids = {u["id"] for u in page["items"] + rest["items"]}
    assert len(ids) == 4
    found = (await client.get("/api/v1/users?q=agent1", headers=tenant.headers)).json()
    assert [u["email"] for u in found["items"]] == ["agent1@example.com"]


async def test_duplicate_user_email_is_409(client: httpx.AsyncClient, tenant: Tenant) -> None:
    r = await client.post(
        "/api/v1/users", headers=tenant.headers, json={"email": tenant.email, "name": "Dup"}
    )
    assert r.status_code == 409


async def test_organization_read_and_update(client: httpx.AsyncClient, tenant: Tenant) -> None:
    r = await client.patch(
        "/api/v1/organization",
        headers=tenant.headers,
        json={"name": "Renamed Co", "settings": {"review_threshold": 0.7}},
    )
    assert r.status_code == 200
    body = (await client.get("/api/v1/organization", headers=tenant.headers)).json()
    assert body["name"] == "Renamed Co" and body["settings"]["review_threshold"] == 0.7
