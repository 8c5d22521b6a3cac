"""Testing an integration: the connector's check (or config validation), kept in `health`."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.base import utcnow
from store.tables import AuditLog, Integration
from tests.conftest import Tenant, add_user

SECRET = "callback-secret-that-must-not-leak"


async def _integration(client: httpx.AsyncClient, t: Tenant, type_: str, config: dict) -> str:
    r = await client.post(
        "/api/v1/integrations",
        headers=t.headers,
        json={"name": f"{type_}-{uuid.uuid4().hex[:6]}", "type": type_, "config": config},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _test(client: httpx.AsyncClient, t: Tenant, iid: str) -> httpx.Response:
    return await client.post(f"/api/v1/integrations/{iid}/test", headers=t.headers)


async def test_a_working_integration_passes_and_its_health_says_so(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    config = {"callback_url": "https://hooks.example.com/sb", "callback_secret": SECRET}
    iid = await _integration(client, tenant, "api", config)
    r = await _test(client, tenant, iid)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"ok", "detail", "checked_at"}
    assert body["ok"] is True and "hooks.example.com" in body["detail"]
    assert SECRET not in r.text
    checked = datetime.fromisoformat(body["checked_at"])
    assert abs(utcnow() - checked) < timedelta(minutes=1)
    health = (await client.get(f"/api/v1/integrations/{iid}", headers=tenant.headers)).json()
    assert health["health"]["ok"] is True and health["health"]["error"] is None
    assert datetime.fromisoformat(health["health"]["checked_at"]) == checked
    audit = await session.execute(select(AuditLog).where(AuditLog.action == "integration.test"))
    entry = next(a for a in audit.scalars() if a.target_id == iid)
    assert entry.details == {"ok": True, "type": "api"}


async def test_a_failing_check_is_a_result_not_an_error(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    iid = await _integration(client, tenant, "api", {"callback_url": "https://hooks.example.com"})
    r = await _test(client, tenant, iid)
    assert r.status_code == 200, r.text
    assert r.json()["ok"] is False and "callback_secret" in r.json()["detail"]
    health = (await client.get(f"/api/v1/integrations/{iid}", headers=tenant.headers)).json()
    assert health["health"]["ok"] is False and "callback_secret" in health["health"]["error"]


async def test_connectors_without_a_check_validate_their_config(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    imap = {"host": "imap.example.com", "username": "a@example.com", "password": "hunter2-secret"}
    iid = await _integration(client, tenant, "imap", imap)
    r = await _test(client, tenant, iid)
    assert r.json()["ok"] is True and "configuration is valid" in r.json()["detail"]
    assert "hunter2" not in r.text

    # A stored config the connector no longer accepts fails the check, with no secret shown.
    await session.execute(
        update(Integration).where(Integration.id == uuid.UUID(iid)).values(config={"port": "x"})
    )
    failed = await _test(client, tenant, iid)
    assert failed.status_code == 200 and failed.json()["ok"] is False
    assert "invalid imap config" in failed.json()["detail"] and "hunter2" not in failed.text


async def test_other_organizations_and_members_cannot_test(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    iid = await _integration(client, tenant, "api", {})
    gone = await _test(client, other_tenant, iid)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"
    member = await add_user(client, tenant, "member")
    assert (await _test(client, member, iid)).status_code == 403
    bad = await client.post("/api/v1/integrations/not-a-uuid/test", headers=tenant.headers)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"
    untouched = (await client.get(f"/api/v1/integrations/{iid}", headers=tenant.headers)).json()
    assert untouched["health"] == {}
