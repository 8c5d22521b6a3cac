"""Validating a workflow without saving it: problems come back as paths and messages (200)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Tenant, add_user
from workflows.defaults import DRAFT_EVERY_MESSAGE

PATH = "/api/v1/workflows/validate"
URGENT = {
    "conditions": [{"fact": "category", "op": "eq", "value": "REFUND"}],
    "actions": [{"type": "set_priority", "priority": "urgent"}, {"type": "request_draft"}],
}


def _body(**definition: Any) -> dict[str, Any]:
    return {"name": "Refunds first", "definition": {**URGENT, **definition}}


async def _validate(client: httpx.AsyncClient, t: Tenant, body: Any) -> dict[str, Any]:
    r = await client.post(PATH, headers=t.headers, json=body)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_a_valid_workflow_is_valid_and_nothing_is_saved(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    assert await _validate(client, tenant, _body()) == {"valid": True, "errors": []}
    assign = [{"type": "assign", "user_id": tenant.user_id}]
    assert (await _validate(client, tenant, _body(actions=assign)))["valid"] is True
    listed = await client.get("/api/v1/workflows", headers=tenant.headers)
    # Only the organization's default workflow: validating saved nothing.
    assert [w["name"] for w in listed.json()["items"]] == [DRAFT_EVERY_MESSAGE["name"]]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (_body(actions=[]), "definition.actions"),
        (
            _body(actions=[{"type": "set_priority", "priority": "asap"}]),
            "definition.actions.0.priority",
        ),
        (_body(actions=[{"type": "teleport"}]), "definition.actions.0"),
        (
            _body(actions=[URGENT["actions"][1], {"type": "tag", "tags": []}]),
            "definition.actions.1.tags",
        ),
        (
            _body(conditions=[{"fact": "mood", "op": "eq", "value": 1}]),
            "definition.conditions.0.fact",
        ),
        (_body(colour="red"), "definition.colour"),
        ({"definition": URGENT}, "name"),
        ({"name": "x"}, "definition"),
    ],
)
async def test_schema_problems_point_at_their_place(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any], path: str
) -> None:
    result = await _validate(client, tenant, body)
    assert result["valid"] is False
    assert [e["path"] for e in result["errors"]] == [path], result
    assert all(e["message"] for e in result["errors"])


@pytest.mark.parametrize(
    ("condition", "needs"),
    [
        ({"fact": "intent", "op": "in", "value": "refund"}, "list"),
        ({"fact": "subject", "op": "gte", "value": 3}, "not a number"),
        ({"fact": "priority_score", "op": "lte", "value": "high"}, "number"),
        ({"fact": "priority", "op": "gte", "value": "asap"}, "priority"),
        ({"fact": "text", "op": "contains", "value": ""}, "text"),
    ],
)
async def test_conditions_that_could_never_hold_are_reported(
    client: httpx.AsyncClient, tenant: Tenant, condition: dict[str, Any], needs: str
) -> None:
    ok = {"fact": "priority", "op": "gte", "value": "high"}
    result = await _validate(client, tenant, _body(conditions=[ok, condition]))
    assert result["valid"] is False
    [error] = result["errors"]
    assert error["path"] == "definition.conditions.1.value" and needs in error["message"]


async def test_assigning_to_someone_outside_the_organization_is_reported(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    actions = [{"type": "request_draft"}, {"type": "assign", "user_id": other_tenant.user_id}]
    result = await _validate(client, tenant, _body(actions=actions))
    assert result == {
        "valid": False,
        "errors": [
            {
                "path": "definition.actions.1.user_id",
                "message": "no active user of this organization has this id",
            }
        ],
    }


async def test_bodies_that_are_not_workflows(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for body in ([1, 2], "text", 7):
        result = await _validate(client, tenant, body)
        assert result["valid"] is False and result["errors"][0]["path"] == ""
    empty = await client.post(PATH, headers=tenant.headers)
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "malformed_json"
    broken = await client.post(
        PATH, headers={**tenant.headers, "Content-Type": "application/json"}, content=b"{nope"
    )
    assert broken.status_code == 400
    assert broken.json()["error"]["code"] == "malformed_json"


async def test_only_workflow_editors_may_validate(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    member = await add_user(client, tenant, "member")
    r = await client.post(PATH, headers=member.headers, json=_body())
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert (await client.post(PATH, json=_body())).status_code == 401


async def test_the_openapi_document_describes_the_body_and_the_answer(
    client: httpx.AsyncClient,
) -> None:
    doc = (await client.get("/openapi.json")).json()
    op = doc["paths"][PATH]["post"]
    body = op["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/WorkflowCreate"}
    answer = op["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/ValidationResult"}
