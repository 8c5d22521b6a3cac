"""The spend summary: ledger totals by day, provider, model and task, plus budget use."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.runtime import Runtime
from routing import policies
from routing.budget import Budget
from store.tables import ProviderUsage


async def summary(
    session: AsyncSession, runtime: Runtime, *, org_id: uuid.UUID, since: date
) -> dict[str, Any]:
    start = datetime.combine(since, time.min, tzinfo=UTC)
    scope = (ProviderUsage.organization_id == org_id, ProviderUsage.created_at >= start)
    day = func.date_trunc("day", ProviderUsage.created_at).label("day")
    out: dict[str, Any] = {"since": since.isoformat()}
    out["by_day"] = {
        row.day.date().isoformat(): _usd(row.usd)
        for row in await session.execute(
            select(day, func.sum(ProviderUsage.cost_usd).label("usd"))
            .where(*scope)
            .group_by(day)
            .order_by(day)
        )
    }
    for name, column in (
        ("by_provider", ProviderUsage.provider),
        ("by_model", ProviderUsage.model),
        ("by_task", ProviderUsage.task),
    ):
        rows = await session.execute(
            select(column.label("key"), func.sum(ProviderUsage.cost_usd).label("usd"))
            .where(*scope)
            .group_by(column)
        )
        out[name] = {row.key: _usd(row.usd) for row in rows}
    counts = await session.execute(
        select(ProviderUsage.status, func.count()).where(*scope).group_by(ProviderUsage.status)
    )
    out["calls"] = {status: n for status, n in counts}
    out["total_usd"] = round(sum(out["by_day"].values()), 6)
    out["budget"] = await _budget(session, runtime, org_id)
    return out


async def _budget(session: AsyncSession, runtime: Runtime, org_id: uuid.UUID) -> dict[str, Any]:
    policy, _, _ = await policies.load(session, org_id=org_id, box=runtime.secret_box)
    used = await Budget(runtime.redis).usage(str(org_id))
    b = policy.budgets
    return {
        "daily_usd": b.daily_usd,
        "monthly_usd": b.monthly_usd,
        "soft_ratio": b.soft_ratio,
        "today_spent_usd": used["day_spent"] / 1e6,
        "today_reserved_usd": used["day_held"] / 1e6,
        "month_spent_usd": used["month_spent"] / 1e6,
        "month_reserved_usd": used["month_held"] / 1e6,
    }


def _usd(value: Decimal | None) -> float:
    return round(float(value or 0), 6)
