"""Workflows over the API: validated definitions, versions, tenancy, permissions."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import Tenant, add_user
from workflows.defaults import DRAFT_EVERY_MESSAGE

URGENT = {
    "conditions": [{"fact": "category", "op": "eq", "value": "REFUND"}],
    "actions": [
        {"type": "set_priority", "priority": "urgent"},
        {"type": "tag", "tags": ["money"]},
        {"type": "request_draft"},
    ],
}


async def test_workflows_are_created_listed_updated_with_a_version_and_deleted(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    r = await client.post(
        "/api/v1/workflows",
        headers=tenant.headers,
        json={"name": "Refunds first", "definition": URGENT},
    )
    assert r.status_code == 201, r.text
    wid = r.json()["id"]
    assert r.json()["version"] == 1 and r.json()["definition"]["match"] == "all"
    listed = (await client.get("/api/v1/workflows", headers=tenant.headers)).json()["items"]
    mine = [w["id"] for w in listed if w["name"] != DRAFT_EVERY_MESSAGE["name"]]
    assert mine == [wid]
    changed = await client.patch(
        f"/api/v1/workflows/{wid}",
        headers=tenant.headers,
        json={"definition": {**URGENT, "match": "any"}, "is_enabled": False},
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2
    assert changed.json()["is_enabled"] is False
    assert (
        await client.delete(f"/api/v1/workflows/{wid}", headers=tenant.headers)
    ).status_code == 204
    assert (await client.get(f"/api/v1/workflows/{wid}", headers=tenant.headers)).status_code == 404


async def test_invalid_definitions_are_422_with_the_reason(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    bad = [
        {"actions": []},
        {"actions": [{"type": "launch_rocket"}]},
        {"actions": [{"type": "set_priority", "priority": "whenever"}]},
        {
            "conditions": [{"fact": "mood", "op": "eq", "value": 1}],
            "actions": [{"type": "request_draft"}],
        },
    ]
    for definition in bad:
        r = await client.post(
            "/api/v1/workflows",
            headers=tenant.headers,
            json={"name": "bad", "definition": definition},
        )
        assert r.status_code == 422, definition
        assert r.json()["error"]["details"]


async def test_workflows_are_private_and_need_write_permission(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    r = await client.post(
        "/api/v1/workflows", headers=tenant.headers, json={"name": "mine", "definition": URGENT}
    )
    wid = r.json()["id"]
    assert (
        await client.get(f"/api/v1/workflows/{wid}", headers=other_tenant.headers)
    ).status_code == 404
    assert (
        await client.get(f"/api/v1/workflows/{uuid.uuid4()}", headers=tenant.headers)
    ).status_code == 404
    viewer = await add_user(client, tenant, "viewer")
    assert (
        await client.post(
            "/api/v1/workflows", headers=viewer.headers, json={"name": "x", "definition": URGENT}
        )
    ).status_code == 403
    schema = (await client.get("/api/v1/workflows/schema", headers=viewer.headers)).json()
    assert "actions" in schema["properties"]


async def test_a_new_organization_drafts_every_customer_message_by_default(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    listed = (await client.get("/api/v1/workflows", headers=tenant.headers)).json()["items"]
    assert [(w["name"], w["is_enabled"]) for w in listed] == [(DRAFT_EVERY_MESSAGE["name"], True)]
    assert listed[0]["definition"]["actions"] == [{"type": "request_draft"}]
    assert listed[0]["definition"]["conditions"] == []
