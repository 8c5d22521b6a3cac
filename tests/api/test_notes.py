"""Notes: agents' internal remarks on a conversation, listed beside it, never sent out."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.tables import AuditLog
from tests.conftest import Tenant, add_user


async def _conversation(client: httpx.AsyncClient, t: Tenant) -> str:
    r = await client.post("/api/v1/conversations", headers=t.headers, json={"subject": "Refund"})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _note(client: httpx.AsyncClient, t: Tenant, cid: str, body: str) -> httpx.Response:
    return await client.post(
        f"/api/v1/conversations/{cid}/notes", headers=t.headers, json={"body": body}
    )


async def test_notes_are_listed_oldest_first_with_their_authors_name(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    cid = await _conversation(client, tenant)
    first = await _note(client, tenant, cid, "  Customer called, VIP.  ")
    assert first.status_code == 201, first.text
    body = first.json()
    assert set(body) == {"id", "conversation_id", "author_id", "author_name", "body", "created_at"}
    assert body["body"] == "Customer called, VIP."
    assert (body["conversation_id"], body["author_id"]) == (cid, tenant.user_id)
    assert body["author_name"] == "Ada Admin"
    assert (await _note(client, tenant, cid, "Refund approved by finance")).status_code == 201

    listed = await client.get(f"/api/v1/conversations/{cid}/notes", headers=tenant.headers)
    assert listed.status_code == 200, listed.text
    page = listed.json()
    assert [n["body"] for n in page["items"]] == [
        "Customer called, VIP.",
        "Refund approved by finance",
    ]
    assert page["next_cursor"] is None

    one = await client.get(f"/api/v1/conversations/{cid}/notes?limit=1", headers=tenant.headers)
    cursor = one.json()["next_cursor"]
    assert [n["id"] for n in one.json()["items"]] == [body["id"]] and cursor
    rest = await client.get(
        f"/api/v1/conversations/{cid}/notes", headers=tenant.headers, params={"cursor": cursor}
    )
    assert [n["body"] for n in rest.json()["items"]] == ["Refund approved by finance"]

    # A note is not a message: nothing is queued for the customer.
    messages = await client.get(f"/api/v1/conversations/{cid}/messages", headers=tenant.headers)
    assert messages.json()["items"] == []
    audit = (
        await session.execute(select(AuditLog).where(AuditLog.action == "note.create"))
    ).scalars()
    entry = next(a for a in audit if a.target_id == body["id"])
    assert entry.target_type == "note" and entry.details["conversation_id"] == cid
    assert "VIP" not in str(entry.details)


async def test_a_note_body_must_have_1_to_10000_characters(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    cid = await _conversation(client, tenant)
    for bad in ({"body": ""}, {"body": "   "}, {"body": "x" * 10_001}, {}, {"body": "a", "x": 1}):
        r = await client.post(
            f"/api/v1/conversations/{cid}/notes", headers=tenant.headers, json=bad
        )
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["error"]["code"] == "validation_error"
    assert (await _note(client, tenant, cid, "x" * 10_000)).status_code == 201
    bad_cursor = await client.get(
        f"/api/v1/conversations/{cid}/notes", headers=tenant.headers, params={"cursor": "zz"}
    )
    assert bad_cursor.status_code == 400
    assert bad_cursor.json()["error"]["code"] == "invalid_cursor"


async def test_another_organizations_notes_and_conversations_are_not_found(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    cid = await _conversation(client, tenant)
    note = (await _note(client, tenant, cid, "internal")).json()
    path = f"/api/v1/conversations/{cid}/notes"
    assert (await client.get(path, headers=other_tenant.headers)).status_code == 404
    assert (await _note(client, other_tenant, cid, "sneaky")).status_code == 404
    gone = await client.delete(f"/api/v1/notes/{note['id']}", headers=other_tenant.headers)
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "not_found"
    missing = "00000000-0000-0000-0000-000000000000"
    assert (await _note(client, tenant, missing, "x")).status_code == 404
    listed = await client.get(path, headers=tenant.headers)
    assert [n["body"] for n in listed.json()["items"]] == ["internal"]


async def test_only_the_author_or_an_admin_deletes_a_note_and_viewers_only_read(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    cid = await _conversation(client, tenant)
    author, colleague = (
        await add_user(client, tenant, "member"),
        await add_user(client, tenant, "member"),
    )
    viewer = await add_user(client, tenant, "viewer")
    first = (await _note(client, author, cid, "mine")).json()
    second = (await _note(client, author, cid, "mine too")).json()
    assert first["author_name"] == "Member"

    refused = await client.delete(f"/api/v1/notes/{first['id']}", headers=colleague.headers)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert (await _note(client, viewer, cid, "hello")).status_code == 403
    assert (
        await client.delete(f"/api/v1/notes/{first['id']}", headers=viewer.headers)
    ).status_code == 403
    seen = await client.get(f"/api/v1/conversations/{cid}/notes", headers=viewer.headers)
    assert len(seen.json()["items"]) == 2

    assert (
        await client.delete(f"/api/v1/notes/{first['id']}", headers=author.headers)
    ).status_code == 204
    assert (
        await client.delete(f"/api/v1/notes/{second['id']}", headers=tenant.headers)
    ).status_code == 204
    assert (
        await client.delete(f"/api/v1/notes/{second['id']}", headers=tenant.headers)
    ).status_code == 404
    left = await client.get(f"/api/v1/conversations/{cid}/notes", headers=tenant.headers)
    assert left.json()["items"] == []
    deleted = (
        await session.execute(select(AuditLog).where(AuditLog.action == "note.delete"))
    ).scalars()
    assert {a.target_id for a in deleted} >= {first["id"], second["id"]}


async def test_notes_go_with_their_conversation(client: httpx.AsyncClient, tenant: Tenant) -> None:
    cid = await _conversation(client, tenant)
    note = (await _note(client, tenant, cid, "bye")).json()
    assert (
        await client.delete(f"/api/v1/conversations/{cid}", headers=tenant.headers)
    ).status_code == 204
    assert (
        await client.delete(f"/api/v1/notes/{note['id']}", headers=tenant.headers)
    ).status_code == 404
