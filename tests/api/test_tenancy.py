"""Every resource of another organization answers 404, for reads and writes alike."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Tenant


async def _make_resources(client: httpx.AsyncClient, t: Tenant) -> dict[str, str]:
    h = t.headers
    contact = (
        await client.post(
            "/api/v1/contacts", headers=h, json={"name": "Cara", "email": "cara@example.com"}
        )
    ).json()
    conv = (
        await client.post(
            "/api/v1/conversations",
            headers=h,
            json={"subject": "Where is my parcel?", "contact_id": contact["id"]},
        )
    ).json()
    msg = (
        await client.post(
            f"/api/v1/conversations/{conv['id']}/messages",
            headers=h,
            json={"text": "We are on it."},
        )
    ).json()
    integ = (
        await client.post(
            "/api/v1/integrations", headers=h, json={"name": "API", "type": "api", "config": {}}
        )
    ).json()
    key = (await client.post("/api/v1/api-keys", headers=h, json={"name": "k"})).json()
    return {
        "contact": contact["id"],
        "conversation": conv["id"],
        "message": msg["id"],
        "integration": integ["id"],
        "api_key": key["id"],
        "user": t.user_id,
    }


READS = [
    ("GET", "/api/v1/contacts/{contact}"),
    ("GET", "/api/v1/conversations/{conversation}"),
    ("GET", "/api/v1/conversations/{conversation}/messages"),
    ("GET", "/api/v1/messages/{message}"),
    ("GET", "/api/v1/integrations/{integration}"),
    ("GET", "/api/v1/api-keys/{api_key}"),
    ("GET", "/api/v1/users/{user}"),
]
WRITES = [
    ("PATCH", "/api/v1/contacts/{contact}", {"name": "x"}),
    ("DELETE", "/api/v1/contacts/{contact}", None),
    ("PATCH", "/api/v1/conversations/{conversation}", {"status": "resolved"}),
    ("DELETE", "/api/v1/conversations/{conversation}", None),
    ("POST", "/api/v1/conversations/{conversation}/messages", {"text": "hi"}),
    ("PATCH", "/api/v1/integrations/{integration}", {"name": "stolen"}),
    ("DELETE", "/api/v1/integrations/{integration}", None),
    ("DELETE", "/api/v1/api-keys/{api_key}", None),
    ("PATCH", "/api/v1/users/{user}", {"role": "viewer"}),
    ("DELETE", "/api/v1/users/{user}", None),
]


@pytest.mark.parametrize(("method", "path"), READS)
async def test_reading_another_orgs_object_is_404(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, method: str, path: str
) -> None:
    ids = await _make_resources(client, tenant)
    r = await client.request(method, path.format(**ids), headers=other_tenant.headers)
    assert r.status_code == 404, r.text
    assert r.json()["error"]["code"] == "not_found"
    assert tenant.org_id not in r.text
    # ...while the owner reads it fine.
    own = await client.request(method, path.format(**ids), headers=tenant.headers)
    assert own.status_code == 200


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
async def test_writing_another_orgs_object_is_404_and_changes_nothing(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    method: str,
    path: str,
    body: dict[str, str] | None,
) -> None:
    ids = await _make_resources(client, tenant)
    url = path.format(**ids)
    r = await client.request(method, url, headers=other_tenant.headers, json=body)
    assert r.status_code == 404, r.text
    read_back = url if "/messages" not in url else f"/api/v1/conversations/{ids['conversation']}"
    assert (await client.get(read_back, headers=tenant.headers)).status_code == 200


async def test_lists_only_show_own_rows(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await _make_resources(client, tenant)
    for path in (
        "/api/v1/contacts",
        "/api/v1/conversations",
        "/api/v1/integrations",
        "/api/v1/api-keys",
        "/api/v1/audit-log",
    ):
        r = await client.get(path, headers=other_tenant.headers)
        assert r.status_code == 200
        for item in r.json()["items"]:
            assert tenant.org_id not in str(item)
    users = (await client.get("/api/v1/users", headers=other_tenant.headers)).json()["items"]
    assert [u["id"] for u in users] == [other_tenant.user_id]


async def test_references_to_another_orgs_rows_are_404(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    ids = await _make_resources(client, tenant)
    r = await client.post(
        "/api/v1/conversations",
        headers=other_tenant.headers,
        json={"subject": "x", "contact_id": ids["contact"]},
    )
    assert r.status_code == 404
    r = await client.post(
        "/api/v1/conversations",
        headers=other_tenant.headers,
        json={"subject": "x", "assignee_id": tenant.user_id},
    )
    assert r.status_code == 404


async def test_api_key_of_one_org_cannot_see_another(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    ids = await _make_resources(client, tenant)
    key = (
        await client.post(
            "/api/v1/api-keys",
            headers=other_tenant.headers,
            json={"name": "reader", "scopes": ["read:conversations"]},
        )
    ).json()
    r = await client.get(
        f"/api/v1/conversations/{ids['conversation']}", headers={"X-Api-Key": key["key"]}
    )
    assert r.status_code == 404
