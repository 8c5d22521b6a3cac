"""Analytics overview: every figure aggregated by PostgreSQL over one organization's range."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from store.tables import Conversation, Draft, Message, ProviderUsage
from tests.conftest import Tenant

D1 = datetime(2026, 3, 2, tzinfo=UTC)
D2 = D1 + timedelta(days=1)
RANGE = {"from": "2026-03-02", "to": "2026-03-03"}


def _at(day: datetime, hours: float) -> datetime:
    return day + timedelta(hours=hours)


def _classified(intent: str, category: str, sentiment: str) -> dict[str, Any]:
    return {
        "intent": {"label": intent, "confidence": 0.9},
        "category": {"label": category, "confidence": 0.9},
        "sentiment": {"label": sentiment, "score": 0.0, "confidence": 0.9},
    }


class Seed:
    """Rows of one organization, written as the pipeline and the router write them."""

    def __init__(self, session: AsyncSession, t: Tenant) -> None:
        self.session, self.org = session, uuid.UUID(t.org_id)

    def conversation(
        self, channel: str, created: datetime, resolved: datetime | None = None
    ) -> Conversation:
        status = "resolved" if resolved else "open"
        row = Conversation(
            organization_id=self.org,
            channel=channel,
            created_at=created,
            last_message_at=created,
            status=status,
            resolved_at=resolved,
        )
        self.session.add(row)
        return row

    def message(
        self, conv: Conversation, at: datetime, direction: str = "inbound", **labels: str
    ) -> Message:
        row = Message(
            id=uuid.uuid4(),
            organization_id=self.org,
            conversation_id=conv.id,
            direction=direction,
            text="hi",
            created_at=at,
            received_at=at if direction == "inbound" else None,
            classification=_classified(**labels) if labels else None,
        )
        self.session.add(row)
        return row

    def draft(self, message: Message, status: str, edited: str | None = None) -> None:
        self.session.add(
            Draft(
                organization_id=self.org,
                conversation_id=message.conversation_id,
                message_id=message.id,
                status=status,
                text="Hello",
                edited_text=edited,
                created_at=message.created_at,
            )
        )

    def spend(self, provider: str, at: datetime, usd: str) -> None:
        self.session.add(
            ProviderUsage(
                organization_id=self.org,
                provider=provider,
                model="m",
                task="draft",
                cost_usd=Decimal(usd),
                created_at=at,
            )
        )


async def _seed(session: AsyncSession, t: Tenant) -> None:
    s = Seed(session, t)
    c1 = s.conversation("email", _at(D1, 10), resolved=_at(D1, 12))  # resolved in 7200 s
    c2 = s.conversation("chat", _at(D1, 12), resolved=_at(D2, 13))  # in 90000 s
    c3 = s.conversation("email", _at(D2, 9))
    old = s.conversation("email", D1 - timedelta(days=10))
    await session.flush()
    m1 = s.message(c1, _at(D1, 10), intent="track_order", category="ORDER", sentiment="negative")
    s.message(c1, _at(D1, 10 + 10 / 60), "outbound")  # answered in 600 s
    m2 = s.message(c2, _at(D1, 12), intent="refund", category="BILLING", sentiment="positive")
    s.message(c2, _at(D1, 13), "outbound")  # answered in 3600 s
    m3 = s.message(c3, _at(D2, 9), intent="track_order", category="ORDER", sentiment="neutral")
    m4 = s.message(c3, _at(D2, 9.5))  # not classified
    s.message(old, old.created_at, intent="refund", category="BILLING", sentiment="negative")
    await session.flush()
    s.draft(m1, "approved")
    s.draft(m2, "approved", edited="Hello there")
    s.draft(m3, "rejected")
    s.draft(m4, "ready")
    s.spend("openai", _at(D1, 10), "0.25")
    s.spend("anthropic", _at(D1, 11), "0.5")
    s.spend("openai", _at(D2, 9), "0.125")
    s.spend("openai", D1 - timedelta(days=10), "9")  # outside the range
    await session.commit()


async def _overview(client: httpx.AsyncClient, t: Tenant, **params: str) -> httpx.Response:
    return await client.get("/api/v1/analytics/overview", headers=t.headers, params=params)


async def test_overview_aggregates_the_organizations_range(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, session: AsyncSession
) -> None:
    await _seed(session, tenant)
    await _seed(session, other_tenant)  # counted for the other organization only
    r = await _overview(client, tenant, **RANGE)
    assert r.status_code == 200, r.text
    o = r.json()
    day1, day2 = "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"
    assert (o["start"], o["end"], o["bucket"]) == (day1, "2026-03-04T00:00:00Z", "day")
    assert o["volume"] == [
        {"bucket": day1, "channel": "chat", "count": 1},
        {"bucket": day1, "channel": "email", "count": 1},
        {"bucket": day2, "channel": "email", "count": 2},
    ]
    assert o["by_category"] == [
        {"bucket": day1, "category": "BILLING", "count": 1},
        {"bucket": day1, "category": "ORDER", "count": 1},
        {"bucket": day2, "category": "ORDER", "count": 1},
    ]
    assert o["by_intent"] == [
        {"bucket": day1, "intent": "refund", "count": 1},
        {"bucket": day1, "intent": "track_order", "count": 1},
        {"bucket": day2, "intent": "track_order", "count": 1},
    ]
    assert o["sentiment"] == [
        {"bucket": day1, "positive": 1, "neutral": 0, "negative": 1},
        {"bucket": day2, "positive": 0, "neutral": 1, "negative": 0},
    ]
    first = o["first_response"]
    assert first["count"] == 2
    assert first["median_seconds"] == pytest.approx(2100)
    assert first["p90_seconds"] == pytest.approx(3300)
    resolution = o["resolution"]
    assert resolution["count"] == 2
    assert resolution["median_seconds"] == pytest.approx(48600)
    assert resolution["p90_seconds"] == pytest.approx(81720)
    assert o["automation_rate"] == {"rate": 0.5, "inbound": 4, "drafted": 4, "approved": 2}
    assert o["drafts"] == {
        "approved_as_is": 1,
        "edited": 1,
        "rejected": 1,
        "pending": 1,
        "failed": 0,
    }
    assert o["spend"] == [
        {"bucket": day1, "provider": "anthropic", "cost_usd": 0.5},
        {"bucket": day1, "provider": "openai", "cost_usd": 0.25},
        {"bucket": day2, "provider": "openai", "cost_usd": 0.125},
    ]
    assert o["total_usd"] == 0.875


async def test_hourly_buckets(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    await _seed(session, tenant)
    o = (await _overview(client, tenant, **RANGE, bucket="hour")).json()
    assert [(p["bucket"], p["channel"], p["count"]) for p in o["volume"]] == [
        ("2026-03-02T10:00:00Z", "email", 1),
        ("2026-03-02T12:00:00Z", "chat", 1),
        ("2026-03-03T09:00:00Z", "email", 2),
    ]
    assert o["bucket"] == "hour"


async def test_an_empty_range_and_the_default_range(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    o = (await _overview(client, tenant)).json()
    start, end = datetime.fromisoformat(o["start"]), datetime.fromisoformat(o["end"])
    assert end - start == timedelta(days=14) and end.date() == datetime.now(UTC).date() + timedelta(
        1
    )
    assert o["volume"] == o["spend"] == o["sentiment"] == []
    assert o["first_response"] == {"median_seconds": None, "p90_seconds": None, "count": 0}
    assert o["automation_rate"] == {"rate": 0.0, "inbound": 0, "drafted": 0, "approved": 0}
    assert o["total_usd"] == 0


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from": "2026-03-05", "to": "2026-03-01"}, "invalid_range"),
        ({"from": "2025-01-01", "to": "2026-01-02"}, "invalid_range"),  # 367 days
        ({"from": "yesterday"}, "validation_error"),
        ({"bucket": "week"}, "validation_error"),
    ],
)
async def test_bad_ranges_are_refused(
    client: httpx.AsyncClient, tenant: Tenant, params: dict[str, str], code: str
) -> None:
    r = await _overview(client, tenant, **params)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == code


async def test_a_year_is_allowed_and_keys_need_the_analytics_scope(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    assert (
        await _overview(client, tenant, **{"from": "2025-01-01", "to": "2026-01-01"})
    ).status_code == 200
    assert (await client.get("/api/v1/analytics/overview")).status_code == 401
    key = await client.post(
        "/api/v1/api-keys", headers=tenant.headers, json={"name": "k", "scopes": ["read:contacts"]}
    )
    assert key.status_code == 201, key.text
    refused = await client.get(
        "/api/v1/analytics/overview", headers={"X-Api-Key": key.json()["key"]}
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"


async def test_resolving_stamps_resolved_at_and_reopening_clears_it(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await client.post("/api/v1/conversations", headers=tenant.headers, json={})
    path = f"/api/v1/conversations/{created.json()['id']}"
    assert created.json()["resolved_at"] is None
    resolved = await client.patch(path, headers=tenant.headers, json={"status": "resolved"})
    stamp = resolved.json()["resolved_at"]
    assert stamp is not None
    again = await client.patch(path, headers=tenant.headers, json={"priority": "high"})
    assert again.json()["resolved_at"] == stamp  # still resolved: the first stamp is kept
    reopened = await client.patch(path, headers=tenant.headers, json={"status": "open"})
    assert reopened.json()["resolved_at"] is None
    o = (await _overview(client, tenant)).json()
    assert o["resolution"]["count"] == 0
