"""Integration configs: validated per connector, secrets sealed at rest and never returned."""

from __future__ import annotations

import logging

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.runtime import Runtime
from store.tables import AuditLog, Integration
from tests.conftest import Tenant

IMAP = {
    "host": "imap.example.com",
    "username": "support@example.com",
    "password": "hunter2-super-secret",
}


async def test_imap_password_is_encrypted_and_never_returned(
    client: httpx.AsyncClient,
    tenant: Tenant,
    session: AsyncSession,
    runtime: Runtime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    r = await client.post(
        "/api/v1/integrations",
        headers=tenant.headers,
        json={"name": "Support inbox", "type": "imap", "config": IMAP},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert "hunter2" not in r.text
    assert "password" not in body["config"]
    assert body["secrets_set"] == ["password"]
    assert body["config"]["host"] == "imap.example.com"
    for path in (f"/api/v1/integrations/{body['id']}", "/api/v1/integrations"):
        assert "hunter2" not in (await client.get(path, headers=tenant.headers)).text
    row = (
        await session.execute(select(Integration).where(Integration.id == body["id"]))
    ).scalar_one()
    assert "hunter2" not in str(row.config) and "hunter2" not in (row.secrets_encrypted or "")
    assert row.secrets_encrypted and row.secrets_encrypted.startswith("v1:")
    assert runtime.secret_box.decrypt(row.secrets_encrypted, context=str(row.id)) == {
        "password": "hunter2-super-secret"
    }
    audits = (await session.execute(select(AuditLog))).scalars().all()
    assert all("hunter2" not in str(a.details) for a in audits)
    assert "hunter2" not in caplog.text


async def test_secret_fields_are_write_only_in_the_catalogue(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    r = await client.get("/api/v1/connectors", headers=tenant.headers)
    assert r.status_code == 200
    by_type = {c["type"]: c for c in r.json()["items"]}
    assert {"api", "imap"} <= set(by_type)
    props = by_type["imap"]["config_schema"]["properties"]
    assert props["password"]["writeOnly"] is True
    assert "writeOnly" not in props["host"]
    assert by_type["api"]["config_schema"]["properties"]["callback_secret"]["writeOnly"] is True


async def test_update_keeps_secrets_unless_replaced(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession, runtime: Runtime
) -> None:
    created = (
        await client.post(
            "/api/v1/integrations",
            headers=tenant.headers,
            json={"name": "Inbox", "type": "imap", "config": IMAP},
        )
    ).json()
    url = f"/api/v1/integrations/{created['id']}"
    r = await client.patch(url, headers=tenant.headers, json={"config": {"port": 1993}})
    assert r.status_code == 200, r.text
    assert r.json()["config"]["port"] == 1993 and r.json()["secrets_set"] == ["password"]
    r = await client.patch(
        url,
        headers=tenant.headers,
        json={"config": {"password": "rotated-password"}, "status": "paused"},
    )
    assert r.json()["status"] == "paused"
    row = await session.get(Integration, created["id"])
    assert row is not None
    await session.refresh(row)
    assert runtime.secret_box.decrypt(row.secrets_encrypted or "", context=str(row.id)) == {
        "password": "rotated-password"
    }


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"name": "x", "type": "carrier-pigeon", "config": {}}, "unknown_type"),
        ({"name": "x", "type": "imap", "config": {"host": "h"}}, "invalid_config"),
        ({"name": "x", "type": "imap", "config": {**IMAP, "port": 99999}}, "invalid_config"),
        ({"name": "x", "type": "imap", "config": {**IMAP, "surprise": 1}}, "invalid_config"),
        ({"name": "x", "type": "api", "config": {"callback_url": "not a url"}}, "invalid_config"),
    ],
)
async def test_bad_configs_are_400_with_details(
    client: httpx.AsyncClient, tenant: Tenant, payload: dict[str, object], code: str
) -> None:
    r = await client.post("/api/v1/integrations", headers=tenant.headers, json=payload)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == code
    assert "hunter2" not in r.text
    listed = (await client.get("/api/v1/integrations", headers=tenant.headers)).json()
    assert listed["items"] == []


async def test_duplicate_name_is_409(client: httpx.AsyncClient, tenant: Tenant) -> None:
    body = {"name": "Same", "type": "api", "config": {}}
    assert (
        await client.post("/api/v1/integrations", headers=tenant.headers, json=body)
    ).status_code == 201
    r = await client.post("/api/v1/integrations", headers=tenant.headers, json=body)
    assert r.status_code == 409


async def test_delete_integration(client: httpx.AsyncClient, tenant: Tenant) -> None:
    created = (
        await client.post(
            "/api/v1/integrations",
            headers=tenant.headers,
            json={"name": "Gone", "type": "api", "config": {}},
        )
    ).json()
    url = f"/api/v1/integrations/{created['id']}"
    assert (await client.delete(url, headers=tenant.headers)).status_code == 204
    assert (await client.get(url, headers=tenant.headers)).status_code == 404
