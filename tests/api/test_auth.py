"""Registration, login, rotation with reuse detection, logout, /me."""

from __future__ import annotations

import httpx
import jwt

from tests.conftest import Tenant, register


async def test_register_returns_user_org_and_tokens(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/auth/register",
        json={
            "email": "Founder@Example.com",
            "password": "a very long password",
            "name": "Founder",
            "organization_name": "Acme Support",
        },
    )
    assert r.status_code == 201
    body = r.json()
    assert set(body) >= {
        "user",
        "organization",
        "access_token",
        "refresh_token",
        "token_type",
        "expires_in",
    }
    assert body["token_type"] == "bearer"
    assert body["user"]["role"] == "admin"
    assert body["user"]["email"] == "founder@example.com"
    assert body["organization"]["name"] == "Acme Support"
    assert "password_hash" not in body["user"]


async def test_access_token_carries_customer_payload(tenant: Tenant) -> None:
    claims = jwt.decode(tenant.access_token, options={"verify_signature": False})
    assert claims["sub"] == tenant.user_id
    assert claims["org"] == tenant.org_id
    assert claims["role"] == "admin"
    assert "write:integrations" in claims["permissions"]
    assert claims["exp"] > claims["iat"]


async def test_duplicate_email_is_409(client: httpx.AsyncClient, tenant: Tenant) -> None:
    r = await client.post(
        "/api/v1/auth/register",
        json={
            "email": tenant.email.upper(),
            "password": "a very long password",
            "name": "X",
            "organization_name": "Other",
        },
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "email_taken"


async def test_token_endpoint_uses_oauth2_password_form(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    r = await client.post(
        "/api/v1/auth/token", data={"username": tenant.email, "password": tenant.password}
    )
    assert r.status_code == 200
    assert set(r.json()) == {"access_token", "refresh_token", "token_type", "expires_in"}
    bad = await client.post(
        "/api/v1/auth/token", data={"username": tenant.email, "password": "wrong password!"}
    )
    assert bad.status_code == 401
    assert bad.json()["error"]["code"] == "invalid_credentials"
    unknown = await client.post(
        "/api/v1/auth/token", data={"username": "nobody@example.com", "password": "whatever1"}
    )
    assert unknown.status_code == 401
    assert unknown.json()["error"]["message"] == bad.json()["error"]["message"]


async def test_refresh_rotates_and_old_token_is_rejected(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    first = await client.post("/api/v1/auth/refresh", json={"refresh_token": tenant.refresh_token})
    assert first.status_code == 200
    new_refresh = first.json()["refresh_token"]
    assert new_refresh != tenant.refresh_token
    again = await client.post("/api/v1/auth/refresh", json={"refresh_token": tenant.refresh_token})
    assert again.status_code == 401


async def test_reuse_of_rotated_token_revokes_the_family(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    rotated = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tenant.refresh_token}
    )
    current = rotated.json()["refresh_token"]
    reuse = await client.post("/api/v1/auth/refresh", json={"refresh_token": tenant.refresh_token})
    assert reuse.status_code == 401
    assert reuse.json()["error"]["code"] == "token_reused"
    # The legitimate newest token died with its family.
    victim = await client.post("/api/v1/auth/refresh", json={"refresh_token": current})
    assert victim.status_code == 401
    # Another login (another family) is unaffected.
    login = await client.post(
        "/api/v1/auth/token", data={"username": tenant.email, "password": tenant.password}
    )
    assert login.status_code == 200
    ok = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": login.json()["refresh_token"]}
    )
    assert ok.status_code == 200


async def test_logout_revokes_access_and_refresh(client: httpx.AsyncClient, tenant: Tenant) -> None:
    assert (await client.get("/api/v1/me", headers=tenant.headers)).status_code == 200
    r = await client.post(
        "/api/v1/auth/logout", headers=tenant.headers, json={"refresh_token": tenant.refresh_token}
    )
    assert r.status_code == 204
    assert (await client.get("/api/v1/me", headers=tenant.headers)).status_code == 401
    refresh = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tenant.refresh_token}
    )
    assert refresh.status_code == 401


async def test_me_describes_the_caller(client: httpx.AsyncClient, tenant: Tenant) -> None:
    r = await client.get("/api/v1/me", headers=tenant.headers)
    assert r.status_code == 200
    body = r.json()
    assert body["user"]["id"] == tenant.user_id
    assert body["organization"]["id"] == tenant.org_id
    assert "write:users" in body["permissions"]


async def test_missing_or_garbage_token_is_401(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/me")).status_code == 401
    r = await client.get("/api/v1/me", headers={"Authorization": "Bearer not.a.jwt"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_token"
    assert r.headers["www-authenticate"] == "Bearer"


async def test_token_signed_with_another_key_is_rejected(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    claims = jwt.decode(tenant.access_token, options={"verify_signature": False})
    forged = jwt.encode(claims, "attacker-secret-attacker-secret-123456", algorithm="HS256")
    r = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401


async def test_two_registrations_are_separate_orgs(client: httpx.AsyncClient) -> None:
    a, b = await register(client), await register(client)
    assert a.org_id != b.org_id
