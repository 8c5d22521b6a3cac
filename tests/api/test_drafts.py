"""Drafts: listing, approval (sent once, possibly edited, kept as a past reply) and rejection."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.tables import AuditLog, Draft, KbArticle, Message
from tests.conftest import Tenant, add_user, register

SOURCES = [{"id": str(uuid.uuid4()), "kind": "article", "title": "Refunds", "score": 0.82}]


async def _conversation(client: httpx.AsyncClient, t: Tenant, **body: Any) -> str:
    r = await client.post(
        "/api/v1/conversations", headers=t.headers, json={"subject": "Refund?", **body}
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _draft(
    client: httpx.AsyncClient,
    session: AsyncSession,
    t: Tenant,
    *,
    status: str = "ready",
    conversation_id: str | None = None,
    question: str = "Where is my refund for order 17?",
) -> Draft:
    """A conversation (unless given), its inbound message, and a draft of a reply to it."""
    cid = uuid.UUID(conversation_id or await _conversation(client, t))
    org = uuid.UUID(t.org_id)
    inbound = Message(organization_id=org, conversation_id=cid, direction="inbound", text=question)
    session.add(inbound)
    await session.flush()
    ready = status == "ready"
    draft = Draft(
        organization_id=org,
        conversation_id=cid,
        message_id=inbound.id,
        status=status,
        text="Your refund was issued today." if ready else None,
        provider="local" if ready else None,
        model="drafter-small" if ready else None,
        cost_usd=Decimal("0.000420"),
        confidence=0.9 if ready else None,
        sources=SOURCES if ready else [],
    )
    session.add(draft)
    await session.commit()
    return draft


async def _outbound(session: AsyncSession, conversation_id: uuid.UUID) -> list[Message]:
    stmt = select(Message).where(
        Message.conversation_id == conversation_id, Message.direction == "outbound"
    )
    return list((await session.execute(stmt.execution_options(populate_existing=True))).scalars())


async def test_list_get_and_filter(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    ready = await _draft(client, session, tenant)
    waiting = await _draft(client, session, tenant, status="requested")
    h = tenant.headers

    async def ids(query: str = "") -> list[str]:
        r = await client.get(f"/api/v1/drafts?{query}", headers=h)
        assert r.status_code == 200, r.text
        return [d["id"] for d in r.json()["items"]]

    assert await ids() == [str(waiting.id), str(ready.id)]  # newest first
    assert await ids("status=ready") == [str(ready.id)]
    assert await ids("status=requested") == [str(waiting.id)]
    assert await ids(f"conversation_id={ready.conversation_id}") == [str(ready.id)]
    r = await client.get(f"/api/v1/conversations/{waiting.conversation_id}/drafts", headers=h)
    assert [d["id"] for d in r.json()["items"]] == [str(waiting.id)]

    one = (await client.get(f"/api/v1/drafts/{ready.id}", headers=h)).json()
    assert one["status"] == "ready" and one["text"] == "Your refund was issued today."
    assert one["cost_usd"] == 0.00042 and one["confidence"] == 0.9
    assert one["sources"] == SOURCES and one["message_id"] == str(ready.message_id)
    assert one["sent_message_id"] is None and one["edited_text"] is None


async def test_cursor_pagination_walks_every_draft_once(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    cid = await _conversation(client, tenant)
    made = [str((await _draft(client, session, tenant, conversation_id=cid)).id) for _ in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        q = "limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = (await client.get(f"/api/v1/drafts?{q}", headers=tenant.headers)).json()
        seen += [d["id"] for d in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == list(reversed(made))


async def test_approve_sends_the_draft_in_its_conversation(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    draft = await _draft(client, session, tenant)
    r = await client.post(f"/api/v1/drafts/{draft.id}/approve", headers=tenant.headers, json={})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "approved" and body["edited_text"] is None
    assert body["reviewed_by_id"] == tenant.user_id and body["reviewed_at"]
    (sent,) = await _outbound(session, draft.conversation_id)
    assert body["sent_message_id"] == str(sent.id)
    assert sent.text == "Your refund was issued today."
    assert sent.status == "sent"  # no integration: final once stored
    assert str(sent.author_id) == tenant.user_id
    again = (await client.get(f"/api/v1/drafts/{draft.id}", headers=tenant.headers)).json()
    assert again["sent_message_id"] == str(sent.id)
    listed = (await client.get("/api/v1/drafts?status=approved", headers=tenant.headers)).json()
    assert [d["sent_message_id"] for d in listed["items"]] == [str(sent.id)]


async def test_approve_with_an_edit_sends_the_edit_and_keeps_it(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    draft = await _draft(client, session, tenant)
    edit = "Your refund of $20 was issued today; allow 3 days."
    r = await client.post(
        f"/api/v1/drafts/{draft.id}/approve", headers=tenant.headers, json={"text": edit}
    )
    assert r.status_code == 200, r.text
    assert r.json()["edited_text"] == edit and r.json()["text"] == "Your refund was issued today."
    (sent,) = await _outbound(session, draft.conversation_id)
    assert sent.text == edit and r.json()["sent_message_id"] == str(sent.id)


async def test_approving_unchanged_text_is_not_an_edit(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    draft = await _draft(client, session, tenant)
    r = await client.post(
        f"/api/v1/drafts/{draft.id}/approve",
        headers=tenant.headers,
        json={"text": "Your refund was issued today."},
    )
    assert r.status_code == 200 and r.json()["edited_text"] is None


async def test_approve_queues_the_reply_for_a_channel_that_delivers(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    config = {"callback_url": "https://client.example.com/hook", "callback_secret": "s" * 24}
    r = await client.post(
        "/api/v1/integrations",
        headers=tenant.headers,
        json={"name": "api channel", "type": "api", "config": config},
    )
    assert r.status_code == 201, r.text
    integration_id = r.json()["id"]
    cid = await _conversation(client, tenant, integration_id=integration_id)
    draft = await _draft(client, session, tenant, conversation_id=cid)
    r = await client.post(f"/api/v1/drafts/{draft.id}/approve", headers=tenant.headers)
    assert r.status_code == 200, r.text
    (queued,) = await _outbound(session, draft.conversation_id)
    assert queued.status == "queued" and str(queued.integration_id) == integration_id
    assert r.json()["sent_message_id"] == str(queued.id)


async def test_double_approve_conflicts_and_sends_once(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    draft = await _draft(client, session, tenant)
    url = f"/api/v1/drafts/{draft.id}/approve"
    assert (await client.post(url, headers=tenant.headers, json={})).status_code == 200
    second = await client.post(url, headers=tenant.headers, json={"text": "another"})
    assert second.status_code == 409
    error = second.json()["error"]
    assert error["code"] == "draft_not_ready" and "approved" in error["message"]
    assert len(await _outbound(session, draft.conversation_id)) == 1


async def test_only_ready_drafts_can_be_reviewed(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    for status in ("requested", "failed"):
        draft = await _draft(client, session, tenant, status=status)
        for action in ("approve", "reject"):
            r = await client.post(f"/api/v1/drafts/{draft.id}/{action}", headers=tenant.headers)
            assert r.status_code == 409, r.text
            assert r.json()["error"]["details"] == {"status": status}
        assert await _outbound(session, draft.conversation_id) == []


async def test_reject_records_the_reason_and_sends_nothing(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    draft = await _draft(client, session, tenant)
    url = f"/api/v1/drafts/{draft.id}/reject"
    r = await client.post(url, headers=tenant.headers, json={"reason": "wrong order number"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "rejected" and body["rejection_reason"] == "wrong order number"
    assert body["reviewed_by_id"] == tenant.user_id and body["sent_message_id"] is None
    assert await _outbound(session, draft.conversation_id) == []
    assert (await client.post(url, headers=tenant.headers)).status_code == 409
    approve = await client.post(f"/api/v1/drafts/{draft.id}/approve", headers=tenant.headers)
    assert approve.status_code == 409


async def test_reviews_are_audited(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    approved = await _draft(client, session, tenant)
    rejected = await _draft(client, session, tenant)
    await client.post(f"/api/v1/drafts/{approved.id}/approve", headers=tenant.headers)
    await client.post(f"/api/v1/drafts/{rejected.id}/reject", headers=tenant.headers)
    rows = (
        await session.execute(
            select(AuditLog.action, AuditLog.target_id).where(
                AuditLog.organization_id == uuid.UUID(tenant.org_id),
                AuditLog.action.like("draft.%"),
            )
        )
    ).all()
    assert sorted(rows) == [("draft.approve", str(approved.id)), ("draft.reject", str(rejected.id))]


async def test_the_approved_answer_joins_the_knowledge_base(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    draft = await _draft(client, session, tenant, question="Where is my refund for order 17?")
    edit = "Refunds for order 17 went out today."
    r = await client.post(
        f"/api/v1/drafts/{draft.id}/approve", headers=tenant.headers, json={"text": edit}
    )
    assert r.status_code == 200, r.text
    (entry,) = (
        await session.execute(select(KbArticle).where(KbArticle.source_draft_id == draft.id))
    ).scalars()
    assert entry.kind == "reply" and entry.body == edit
    assert str(entry.organization_id) == tenant.org_id
    assert "refund" in entry.title.lower() and entry.embedding


async def test_another_orgs_draft_is_not_found(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    draft = await _draft(client, session, tenant)
    other = await register(client)
    h = other.headers
    assert (await client.get(f"/api/v1/drafts/{draft.id}", headers=h)).status_code == 404
    for action in ("approve", "reject"):
        r = await client.post(f"/api/v1/drafts/{draft.id}/{action}", headers=h)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert (await client.get("/api/v1/drafts", headers=h)).json()["items"] == []
    r = await client.get(f"/api/v1/conversations/{draft.conversation_id}/drafts", headers=h)
    assert r.status_code == 404
    assert await _outbound(session, draft.conversation_id) == []


async def test_viewers_read_but_cannot_review(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    draft = await _draft(client, session, tenant)
    viewer = await add_user(client, tenant, "viewer")
    assert (await client.get("/api/v1/drafts", headers=viewer.headers)).status_code == 200
    for action in ("approve", "reject"):
        r = await client.post(f"/api/v1/drafts/{draft.id}/{action}", headers=viewer.headers)
        assert r.status_code == 403 and r.json()["error"]["details"] == {"required": "write:drafts"}
    member = await add_user(client, tenant, "member")
    r = await client.post(f"/api/v1/drafts/{draft.id}/approve", headers=member.headers)
    assert r.status_code == 200 and r.json()["reviewed_by_id"] == member.user_id


async def test_bad_input_is_a_422_in_the_house_shape(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    draft = await _draft(client, session, tenant)
    h = tenant.headers
    bad = [
        ("approve", {"text": ""}),
        ("approve", {"text": "x" * 20_001}),
        ("approve", {"txt": "typo"}),
        ("reject", {"reason": "x" * 501}),
    ]
    for action, body in bad:
        r = await client.post(f"/api/v1/drafts/{draft.id}/{action}", headers=h, json=body)
        assert r.status_code == 422, (action, body, r.text)
        assert r.json()["error"]["code"] == "validation_error"
    for query in ("status=sent", "conversation_id=nope", "cursor=%25%25", "limit=0"):
        r = await client.get(f"/api/v1/drafts?{query}", headers=h)
        assert r.status_code in (400, 422) and "error" in r.json(), query
    assert (await client.get("/api/v1/drafts/not-a-uuid", headers=h)).status_code == 422
    count = select(func.count()).select_from(Draft).where(Draft.id == draft.id)
    assert await session.scalar(count) == 1
    assert await _outbound(session, draft.conversation_id) == []
