"""Labels: agents correct or confirm a message's classification; each is a training example."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.pipeline import prepare
from store.tables import AuditLog, Message
from tests.conftest import Tenant, add_user
from training.export import export_examples

QUESTION = "Where is my parcel? It was due on Monday."
CLASSIFIED: dict[str, Any] = {
    "intent": {"label": "track_order", "confidence": 0.91},
    "category": {"label": "ORDER", "confidence": 0.97},
    "sentiment": {"label": "neutral", "score": 0.0, "confidence": 0.8},
    "priority": {"label": "normal", "score": 0.3, "reasons": []},
}


async def _message(
    client: httpx.AsyncClient,
    session: AsyncSession,
    t: Tenant,
    *,
    text: str = QUESTION,
    direction: str = "inbound",
    classification: dict[str, Any] | None = CLASSIFIED,
) -> str:
    """A conversation of the tenant's with one message, stored as the pipeline stores it."""
    r = await client.post("/api/v1/conversations", headers=t.headers, json={"subject": "Parcel"})
    assert r.status_code == 201, r.text
    message = Message(
        organization_id=uuid.UUID(t.org_id),
        conversation_id=uuid.UUID(r.json()["id"]),
        direction=direction,
        text=text,
        classification=classification,
    )
    session.add(message)
    await session.commit()
    return str(message.id)


async def _label(
    client: httpx.AsyncClient, t: Tenant, message_id: str, head: str, label: str
) -> httpx.Response:
    return await client.post(
        f"/api/v1/messages/{message_id}/labels",
        headers=t.headers,
        json={"head": head, "label": label},
    )


async def test_correction_records_the_models_label_and_the_agents(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    mid = await _message(client, session, tenant)
    r = await _label(client, tenant, mid, "intent", "  delivery_delay ")
    assert r.status_code == 201, r.text
    body = r.json()
    fields = "id message_id head old_label new_label confirmed user_id created_at"
    assert set(body) == set(fields.split())
    assert body["message_id"] == mid and body["head"] == "intent"
    assert (body["old_label"], body["new_label"]) == ("track_order", "delivery_delay")
    assert body["confirmed"] is False and body["user_id"] == tenant.user_id
    audit = (
        await session.execute(select(AuditLog).where(AuditLog.action == "label.create"))
    ).scalars()
    entry = next(a for a in audit if a.target_id == body["id"])
    assert entry.details["new_label"] == "delivery_delay"


async def test_confirmation_is_recorded_as_a_label_too(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    mid = await _message(client, session, tenant)
    r = await _label(client, tenant, mid, "sentiment", "neutral")
    assert r.status_code == 201, r.text
    assert r.json()["confirmed"] is True and r.json()["old_label"] == "neutral"
    snapshot = await export_examples(session, uuid.UUID(tenant.org_id), "sentiment")
    assert snapshot.examples == [(prepare(QUESTION), "neutral")]
    assert snapshot.counts["confirmations"] == 1


async def test_unclassified_message_has_no_old_label(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    mid = await _message(client, session, tenant, classification=None)
    r = await _label(client, tenant, mid, "category", "BILLING")
    assert r.status_code == 201, r.text
    assert r.json()["old_label"] is None and r.json()["confirmed"] is False


async def test_second_correction_wins_in_the_export(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    mid = await _message(client, session, tenant)
    first = await _label(client, tenant, mid, "intent", "refund_request")
    second = await _label(client, tenant, mid, "intent", "delivery_delay")
    assert first.status_code == second.status_code == 201

    r = await client.get(f"/api/v1/messages/{mid}/labels", headers=tenant.headers)
    assert r.status_code == 200, r.text
    assert [x["id"] for x in r.json()["items"]] == [second.json()["id"], first.json()["id"]]

    snapshot = await export_examples(session, uuid.UUID(tenant.org_id))
    assert snapshot.examples == [(prepare(QUESTION), "delivery_delay")]
    assert snapshot.counts == {"examples": 1, "labels": 1, "corrections": 1, "confirmations": 0}


async def test_list_filters_by_head_and_label_newest_first_in_pages(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    mid = await _message(client, session, tenant)
    ids = [
        (await _label(client, tenant, mid, head, label)).json()["id"]
        for head, label in [("intent", "a"), ("category", "ORDER"), ("intent", "b")]
    ]
    h = tenant.headers

    async def listed(query: str) -> dict[str, Any]:
        r = await client.get(f"/api/v1/labels?{query}", headers=h)
        assert r.status_code == 200, r.text
        return dict(r.json())

    assert [x["id"] for x in (await listed(""))["items"]] == ids[::-1]
    assert [x["id"] for x in (await listed("head=intent"))["items"]] == [ids[2], ids[0]]
    assert [x["id"] for x in (await listed("label=ORDER"))["items"]] == [ids[1]]
    page = await listed("limit=2")
    assert [x["id"] for x in page["items"]] == [ids[2], ids[1]] and page["next_cursor"]
    rest = await listed(f"limit=2&cursor={page['next_cursor']}")
    assert [x["id"] for x in rest["items"]] == [ids[0]] and rest["next_cursor"] is None
    assert (await client.get("/api/v1/labels?head=language", headers=h)).status_code == 422


async def test_another_organizations_message_is_404(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, session: AsyncSession
) -> None:
    mid = await _message(client, session, tenant)
    assert (await _label(client, tenant, mid, "intent", "mine")).status_code == 201
    r = await _label(client, other_tenant, mid, "intent", "theirs")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    listed = await client.get(f"/api/v1/messages/{mid}/labels", headers=other_tenant.headers)
    assert listed.status_code == 404
    everything = await client.get("/api/v1/labels", headers=other_tenant.headers)
    assert everything.json()["items"] == []
    missing = await _label(client, tenant, str(uuid.uuid4()), "intent", "x")
    assert missing.status_code == 404  # the same answer as for a message that does not exist
    assert missing.json()["error"]["message"] == r.json()["error"]["message"]


async def test_viewer_reads_labels_but_cannot_write_them(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    mid = await _message(client, session, tenant)
    viewer = await add_user(client, tenant, "viewer")
    r = await _label(client, viewer, mid, "intent", "refund_request")
    assert r.status_code == 403 and r.json()["error"]["details"] == {"required": "write:labels"}
    assert (
        await client.get(f"/api/v1/messages/{mid}/labels", headers=viewer.headers)
    ).status_code == 200
    assert (await client.get("/api/v1/labels", headers=viewer.headers)).status_code == 200
    member = await add_user(client, tenant, "member")
    ok = await _label(client, member, mid, "intent", "refund_request")
    assert ok.status_code == 201 and ok.json()["user_id"] == member.user_id


@pytest.mark.parametrize(
    "body",
    [
        {"head": "language", "label": "en"},
        {"head": "intent", "label": "   "},
        {"head": "intent", "label": ""},
        {"head": "intent", "label": "x" * 81},
        {"head": "intent", "label": "track\norder"},
        {"head": "intent", "label": "track\x00order"},
        {"head": "sentiment", "label": "furious"},
        {"head": "priority", "label": "asap"},
        {"head": "intent"},
        {"head": "intent", "label": "a", "note": "unknown field"},
    ],
)
async def test_bad_bodies_are_422(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession, body: dict[str, Any]
) -> None:
    mid = await _message(client, session, tenant)
    r = await client.post(f"/api/v1/messages/{mid}/labels", headers=tenant.headers, json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize(
    ("direction", "text", "words"),
    [("outbound", "Your parcel left today.", "inbound"), ("inbound", "  \n ", "no text")],
)
async def test_only_inbound_messages_with_text_are_labellable(
    client: httpx.AsyncClient,
    tenant: Tenant,
    session: AsyncSession,
    direction: str,
    text: str,
    words: str,
) -> None:
    mid = await _message(client, session, tenant, direction=direction, text=text)
    r = await _label(client, tenant, mid, "intent", "track_order")
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "not_labellable"
    assert words in r.json()["error"]["message"]
