"""The analytics overview: every figure is one SQL aggregate, computed by PostgreSQL."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from api.analytics import outcomes, traffic
from api.analytics.schemas import AnalyticsOverview
from api.analytics.window import Window


async def overview(session: AsyncSession, w: Window) -> AnalyticsOverview:
    # One session runs one statement at a time: the aggregates run one after another.
    spend = await outcomes.spend(session, w)
    return AnalyticsOverview(
        start=w.start,
        end=w.end,
        bucket=w.unit,
        volume=await traffic.volume(session, w),
        by_category=await traffic.by_category(session, w),
        by_intent=await traffic.by_intent(session, w),
        sentiment=await traffic.sentiment(session, w),
        first_response=await outcomes.first_response(session, w),
        resolution=await outcomes.resolution(session, w),
        automation_rate=await outcomes.automation_rate(session, w),
        drafts=await outcomes.drafts(session, w),
        spend=spend,
        total_usd=round(sum(p.cost_usd for p in spend), 6),
    )
