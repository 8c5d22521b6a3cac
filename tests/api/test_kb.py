"""The knowledge base over the API: CRUD, search, tenancy, permissions, validation, audit."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import Tenant, add_user

ARTICLE = {
    "title": "Refunds and returns",
    "body": "Refunds for order {order_number} reach your card within 5 business days.",
    "tags": ["refunds"],
}


async def create(client: httpx.AsyncClient, tenant: Tenant, **fields: object) -> dict[str, object]:
    r = await client.post("/api/v1/kb/articles", headers=tenant.headers, json={**ARTICLE, **fields})
    assert r.status_code == 201, r.text
    body: dict[str, object] = r.json()
    return body


async def test_articles_are_created_listed_read_updated_and_deleted(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    made = await create(client, tenant)
    assert made["kind"] == "article" and made["created_by_id"] == tenant.user_id
    assert made["embedding_model"] and "embedding" not in made
    aid = made["id"]
    listed = (await client.get("/api/v1/kb/articles", headers=tenant.headers)).json()
    assert [a["id"] for a in listed["items"]] == [aid] and listed["next_cursor"] is None
    found = await client.get("/api/v1/kb/articles?q=business%20DAYS", headers=tenant.headers)
    assert [a["id"] for a in found.json()["items"]] == [aid]
    missing = await client.get("/api/v1/kb/articles?q=gift", headers=tenant.headers)
    assert missing.json()["items"] == []
    changed = await client.patch(
        f"/api/v1/kb/articles/{aid}", headers=tenant.headers, json={"title": "Refunds", "tags": []}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["title"] == "Refunds" and changed.json()["body"] == ARTICLE["body"]
    assert changed.json()["tags"] == []
    one = await client.get(f"/api/v1/kb/articles/{aid}", headers=tenant.headers)
    assert one.json()["title"] == "Refunds"
    gone = await client.delete(f"/api/v1/kb/articles/{aid}", headers=tenant.headers)
    assert gone.status_code == 204
    after = await client.get(f"/api/v1/kb/articles/{aid}", headers=tenant.headers)
    assert after.status_code == 404 and after.json()["error"]["code"] == "not_found"


async def test_lists_page_with_a_cursor(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for n in range(3):
        await create(client, tenant, title=f"Article {n}")
    first = (await client.get("/api/v1/kb/articles?limit=2", headers=tenant.headers)).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = await client.get(
        f"/api/v1/kb/articles?limit=2&cursor={first['next_cursor']}", headers=tenant.headers
    )
    assert len(second.json()["items"]) == 1 and second.json()["next_cursor"] is None


async def test_another_organizations_article_is_404(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    aid = (await create(client, tenant))["id"]
    url = f"/api/v1/kb/articles/{aid}"
    assert (await client.get(url, headers=other_tenant.headers)).status_code == 404
    assert (
        await client.patch(url, headers=other_tenant.headers, json={"title": "x"})
    ).status_code == 404
    assert (await client.delete(url, headers=other_tenant.headers)).status_code == 404
    listed = await client.get("/api/v1/kb/articles", headers=other_tenant.headers)
    assert listed.json()["items"] == []
    hits = await client.post(
        "/api/v1/kb/search",
        headers=other_tenant.headers,
        json={"text": "when is my refund coming?"},
    )
    assert hits.json()["hits"] == []
    unknown = await client.get(f"/api/v1/kb/articles/{uuid.uuid4()}", headers=tenant.headers)
    assert unknown.status_code == 404


async def test_viewers_read_but_cannot_write_and_members_can(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    aid = (await create(client, tenant))["id"]
    viewer = await add_user(client, tenant, "viewer")
    assert (await client.get("/api/v1/kb/articles", headers=viewer.headers)).status_code == 200
    refused = await client.post("/api/v1/kb/articles", headers=viewer.headers, json=ARTICLE)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    url = f"/api/v1/kb/articles/{aid}"
    assert (await client.patch(url, headers=viewer.headers, json={"title": "x"})).status_code == 403
    assert (await client.delete(url, headers=viewer.headers)).status_code == 403
    member = await add_user(client, tenant, "member")
    await create(client, member, title="Written by a member")
    assert (await client.get("/api/v1/kb/articles")).status_code == 401


async def test_bad_input_is_a_clear_4xx(client: httpx.AsyncClient, tenant: Tenant) -> None:
    bad = [
        {**ARTICLE, "title": ""},
        {**ARTICLE, "title": "   "},
        {**ARTICLE, "title": "t" * 301},
        {**ARTICLE, "body": ""},
        {**ARTICLE, "body": "b" * 50_001},
        {**ARTICLE, "tags": ["t" * 41]},
        {**ARTICLE, "tags": [f"t{i}" for i in range(21)]},
        {**ARTICLE, "colour": "blue"},
        {"title": "no body"},
    ]
    for body in bad:
        r = await client.post("/api/v1/kb/articles", headers=tenant.headers, json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"]["code"] == "validation_error" and r.json()["error"]["details"]
    aid = (await create(client, tenant))["id"]
    nulled = await client.patch(
        f"/api/v1/kb/articles/{aid}", headers=tenant.headers, json={"body": None}
    )
    assert nulled.status_code == 422 and "null" in nulled.text
    malformed = await client.post(
        "/api/v1/kb/articles",
        headers=tenant.headers,
        content=b"{not json",
    )
    assert malformed.status_code in (400, 422)
    cursor = await client.get("/api/v1/kb/articles?cursor=nope", headers=tenant.headers)
    assert cursor.status_code == 400
    assert (
        await client.post("/api/v1/kb/search", headers=tenant.headers, json={"text": "", "k": 3})
    ).status_code == 422
    assert (
        await client.post("/api/v1/kb/search", headers=tenant.headers, json={"text": "a", "k": 0})
    ).status_code == 422


async def test_search_answers_hits_with_scores_best_first(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    refund = await create(client, tenant)
    await create(
        client,
        tenant,
        title="Changing your password",
        body="Use the Forgot password link on the sign-in page.",
        tags=[],
    )
    r = await client.post(
        "/api/v1/kb/search",
        headers=tenant.headers,
        json={"text": "I returned my shoes, where is my money?", "k": 2},
    )
    assert r.status_code == 200, r.text
    hits = r.json()["hits"]
    assert hits[0]["id"] == refund["id"] and hits[0]["body"] == ARTICLE["body"]
    assert hits[0]["score"] >= r.json()["draft_min_score"]
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


async def test_writes_are_audited(client: httpx.AsyncClient, tenant: Tenant) -> None:
    aid = (await create(client, tenant))["id"]
    await client.patch(f"/api/v1/kb/articles/{aid}", headers=tenant.headers, json={"tags": ["a"]})
    await client.delete(f"/api/v1/kb/articles/{aid}", headers=tenant.headers)
    r = await client.get("/api/v1/audit-log", headers=tenant.headers)
    actions = {e["action"] for e in r.json()["items"] if e.get("target_id") == aid}
    assert actions == {"kb_article.create", "kb_article.update", "kb_article.delete"}
