"""Conversations: filters, text search, cursor pagination, messages, assignment."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from store.tables import Conversation
from tests.conftest import Tenant, add_user


async def _conv(client: httpx.AsyncClient, t: Tenant, **body: object) -> dict[str, object]:
    r = await client.post("/api/v1/conversations", headers=t.headers, json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_filters_and_search(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    member = await add_user(client, tenant, "member")
    a = await _conv(
        client, tenant, subject="Refund for order 17", priority="urgent", channel="email"
    )
    b = await _conv(
        client, tenant, subject="Login problem", status="pending", assignee_id=member.user_id
    )
    await client.patch(
        f"/api/v1/conversations/{a['id']}", headers=tenant.headers, json={"category": "billing"}
    )
    # The pipeline sets a conversation's intent from its latest classified message.
    await session.execute(
        update(Conversation).where(Conversation.id == uuid.UUID(b["id"])).values(intent="login")
    )
    await session.flush()
    h = tenant.headers

    async def ids(query: str, headers: dict[str, str] = h) -> list[object]:
        r = await client.get(f"/api/v1/conversations?{query}", headers=headers)
        assert r.status_code == 200, r.text
        return [c["id"] for c in r.json()["items"]]

    assert await ids("priority=urgent") == [a["id"]]
    assert await ids("status=pending") == [b["id"]]
    assert await ids("channel=email") == [a["id"]]
    assert await ids("category=billing") == [a["id"]]
    assert await ids("intent=login") == [b["id"]]
    assert await ids("intent=refund") == []
    assert await ids("q=REFUND") == [a["id"]]
    assert await ids("q=100%25") == []
    assert await ids(f"assignee={member.user_id}") == [b["id"]]
    assert await ids("assignee=none") == [a["id"]]
    assert await ids("assignee=me", member.headers) == [b["id"]]


async def test_cursor_pagination_walks_everything_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    made = [(await _conv(client, tenant, subject=f"c{i}"))["id"] for i in range(7)]
    seen: list[object] = []
    cursor = None
    while True:
        q = "limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = (await client.get(f"/api/v1/conversations?{q}", headers=tenant.headers)).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(made))


async def test_messages_are_listed_in_order(client: httpx.AsyncClient, tenant: Tenant) -> None:
    conv = await _conv(client, tenant, subject="thread")
    for text in ("first", "second", "third"):
        r = await client.post(
            f"/api/v1/conversations/{conv['id']}/messages",
            headers=tenant.headers,
            json={"text": text},
        )
        assert r.status_code == 201
        assert (
            r.json()["direction"] == "outbound" and r.json()["status"] == "sent"
        )  # no channel: final once stored
    page = (
        await client.get(
            f"/api/v1/conversations/{conv['id']}/messages?limit=2", headers=tenant.headers
        )
    ).json()
    assert [m["text"] for m in page["items"]] == ["first", "second"]
    rest = (
        await client.get(
            f"/api/v1/conversations/{conv['id']}/messages?cursor={page['next_cursor']}",
            headers=tenant.headers,
        )
    ).json()
    assert [m["text"] for m in rest["items"]] == ["third"]
    one = await client.get(f"/api/v1/messages/{rest['items'][0]['id']}", headers=tenant.headers)
    assert one.status_code == 200 and one.json()["text"] == "third"


async def test_update_and_delete(client: httpx.AsyncClient, tenant: Tenant) -> None:
    conv = await _conv(client, tenant, subject="x")
    url = f"/api/v1/conversations/{conv['id']}"
    r = await client.patch(
        url,
        headers=tenant.headers,
        json={"status": "snoozed", "snoozed_until": "2030-01-01T00:00:00Z", "tags": ["vip"]},
    )
    assert r.status_code == 200
    assert r.json()["status"] == "snoozed" and r.json()["tags"] == ["vip"]
    assert (await client.delete(url, headers=tenant.headers)).status_code == 204
    assert (await client.get(url, headers=tenant.headers)).status_code == 404


async def test_contacts_crud_and_search(client: httpx.AsyncClient, tenant: Tenant) -> None:
    h = tenant.headers
    c = (
        await client.post(
            "/api/v1/contacts",
            headers=h,
            json={"name": "Grace", "email": "Grace@Example.com", "phone": "+44 20 7946 0958"},
        )
    ).json()
    assert c["email"] == "grace@example.com"
    assert (await client.post("/api/v1/contacts", headers=h, json={})).status_code == 400
    assert (
        await client.post("/api/v1/contacts", headers=h, json={"phone": "call me maybe"})
    ).status_code == 422
    found = (await client.get("/api/v1/contacts?q=grace", headers=h)).json()["items"]
    assert [x["id"] for x in found] == [c["id"]]
    r = await client.patch(f"/api/v1/contacts/{c['id']}", headers=h, json={"name": "Grace H."})
    assert r.json()["name"] == "Grace H."
    assert (await client.delete(f"/api/v1/contacts/{c['id']}", headers=h)).status_code == 204


async def test_audit_log_records_writes(client: httpx.AsyncClient, tenant: Tenant) -> None:
    conv = await _conv(client, tenant, subject="audited")
    await client.patch(
        f"/api/v1/conversations/{conv['id']}", headers=tenant.headers, json={"status": "resolved"}
    )
    r = await client.get("/api/v1/audit-log", headers=tenant.headers)
    assert r.status_code == 200
    entries = r.json()["items"]
    actions = [e["action"] for e in entries]
    assert actions[:2] == ["conversation.update", "conversation.create"]
    assert "organization.register" in actions
    top = entries[0]
    assert top["actor_user_id"] == tenant.user_id
    assert top["ip"] == "203.0.113.7"
    assert top["target_id"] == conv["id"] and top["request_id"]
    assert top["target_type"] == "conversation"
    only = (
        await client.get("/api/v1/audit-log?action=conversation.create", headers=tenant.headers)
    ).json()["items"]
    assert [e["action"] for e in only] == ["conversation.create"]


async def test_list_rows_have_the_same_shape_as_a_single_read(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    conv = await _conv(client, tenant, subject="Shape check", tags=["a", "b"])
    listed = (await client.get("/api/v1/conversations", headers=tenant.headers)).json()["items"]
    single = (
        await client.get(f"/api/v1/conversations/{conv['id']}", headers=tenant.headers)
    ).json()
    assert set(listed[0]) == set(single)
    for key, value in single.items():
        if key.endswith("_at") and value:
            assert datetime.fromisoformat(listed[0][key]) == datetime.fromisoformat(value)
        else:
            assert listed[0][key] == value, key


async def test_pages_break_timestamp_ties_by_id(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    same = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    org = uuid.UUID(tenant.org_id)
    rows = [
        Conversation(organization_id=org, channel="email", subject=f"tie {i}", last_message_at=same)
        for i in range(5)
    ]
    session.add_all(rows)
    await session.commit()
    seen: list[str] = []
    cursor = None
    while True:
        q = "limit=2&q=tie" + (f"&cursor={cursor}" if cursor else "")
        page = (await client.get(f"/api/v1/conversations?{q}", headers=tenant.headers)).json()
        seen += [c["id"] for c in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert sorted(seen) == sorted(str(r.id) for r in rows) and len(seen) == 5
    assert seen == sorted(seen, reverse=True)  # newest first, then id descending


async def test_search_treats_like_wildcards_literally(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await _conv(client, tenant, subject="50% off_sale")
    await _conv(client, tenant, subject="500 offXsale")
    found = (await client.get("/api/v1/conversations?q=0%25%20off_", headers=tenant.headers)).json()
    assert [c["subject"] for c in found["items"]] == ["50% off_sale"]


async def test_a_reply_can_carry_an_approved_template_and_bad_ones_are_422(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    conv = await _conv(client, tenant, subject="window closed")
    url = f"/api/v1/conversations/{conv['id']}/messages"
    template = {
        "name": "order_update",
        "language": "en_US",
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "1042"}]}],
    }
    r = await client.post(
        url, headers=tenant.headers, json={"text": "Order 1042 update", "template": template}
    )
    assert r.status_code == 201, r.text
    assert r.json()["delivery"] == {"template": template} and r.json()["error"] is None
    for bad in ({**template, "name": "Order Update!"}, {**template, "language": "english"}):
        refused = await client.post(
            url, headers=tenant.headers, json={"text": "x", "template": bad}
        )
        assert refused.status_code == 422, refused.text
    listed = (await client.get(url, headers=tenant.headers)).json()["items"]
    assert [m["delivery"] for m in listed] == [{"template": template}]
