"""API keys: shown once, stored hashed, scoped, revocable, accepted in two headers."""

from __future__ import annotations

import hashlib

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.tables import ApiKey
from tests.conftest import Tenant


async def test_create_shows_key_once_and_stores_only_a_hash(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    r = await client.post(
        "/api/v1/api-keys",
        headers=tenant.headers,
        json={"name": "ingest", "scopes": ["inbound", "read:conversations"]},
    )
    assert r.status_code == 201
    body = r.json()
    assert set(body) == {"id", "name", "prefix", "key", "scopes", "created_at"}
    assert body["key"].startswith("sb_")
    row = (await session.execute(select(ApiKey).where(ApiKey.id == body["id"]))).scalar_one()
    assert row.key_hash == hashlib.sha256(body["key"].encode()).hexdigest()
    assert body["key"] not in str(vars(row))
    audit = (
        await client.get("/api/v1/audit-log?action=api_key.create", headers=tenant.headers)
    ).json()["items"]
    assert [(e["target_type"], e["target_id"]) for e in audit] == [("api_key", body["id"])]
    listed = await client.get("/api/v1/api-keys", headers=tenant.headers)
    assert body["key"] not in listed.text
    assert listed.json()["items"][0]["prefix"] == body["prefix"]


async def test_key_authenticates_with_both_headers_within_its_scopes(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    key = (
        await client.post(
            "/api/v1/api-keys",
            headers=tenant.headers,
            json={"name": "reader", "scopes": ["read:conversations"]},
        )
    ).json()["key"]
    for headers in ({"X-Api-Key": key}, {"Authorization": f"Bearer {key}"}):
        assert (await client.get("/api/v1/conversations", headers=headers)).status_code == 200
        r = await client.post("/api/v1/conversations", headers=headers, json={"subject": "x"})
        assert r.status_code == 403
    r = await client.get("/api/v1/me", headers={"X-Api-Key": key})
    assert r.status_code == 403  # /me is for people


async def test_revoked_or_tampered_key_is_401(client: httpx.AsyncClient, tenant: Tenant) -> None:
    created = (
        await client.post(
            "/api/v1/api-keys",
            headers=tenant.headers,
            json={"name": "k", "scopes": ["read:contacts"]},
        )
    ).json()
    key = created["key"]
    tampered = key[:-3] + ("aaa" if not key.endswith("aaa") else "bbb")
    assert (
        await client.get("/api/v1/contacts", headers={"X-Api-Key": tampered})
    ).status_code == 401
    assert (
        await client.get("/api/v1/contacts", headers={"X-Api-Key": "sb_nope"})
    ).status_code == 401
    assert (
        await client.delete(f"/api/v1/api-keys/{created['id']}", headers=tenant.headers)
    ).status_code == 204
    r = await client.get("/api/v1/contacts", headers={"X-Api-Key": key})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_api_key"


async def test_scopes_must_be_known_and_held(client: httpx.AsyncClient, tenant: Tenant) -> None:
    r = await client.post(
        "/api/v1/api-keys",
        headers=tenant.headers,
        json={"name": "k", "scopes": ["launch:missiles"]},
    )
    assert r.status_code == 400
    assert r.json()["error"]["details"]["known"]


async def test_expired_key_is_rejected(client: httpx.AsyncClient, tenant: Tenant) -> None:
    created = (
        await client.post(
            "/api/v1/api-keys",
            headers=tenant.headers,
            json={"name": "old", "scopes": ["read:contacts"], "expires_at": "2020-01-01T00:00:00Z"},
        )
    ).json()
    r = await client.get("/api/v1/contacts", headers={"X-Api-Key": created["key"]})
    assert r.status_code == 401


async def test_use_records_last_used_at(client: httpx.AsyncClient, tenant: Tenant) -> None:
    created = (
        await client.post(
            "/api/v1/api-keys",
            headers=tenant.headers,
            json={"name": "k", "scopes": ["read:contacts"]},
        )
    ).json()
    url = f"/api/v1/api-keys/{created['id']}"
    assert (await client.get(url, headers=tenant.headers)).json()["last_used_at"] is None
    for _ in range(3):
        assert (
            await client.get("/api/v1/contacts", headers={"X-Api-Key": created["key"]})
        ).status_code == 200
    assert (await client.get(url, headers=tenant.headers)).json()["last_used_at"] is not None
