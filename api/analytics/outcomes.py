"""What the team and the AI did with it: response and resolution times, drafts, spend."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Float, and_, cast, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.analytics.schemas import AutomationRate, DraftOutcomes, DurationStats, SpendPoint
from api.analytics.traffic import AT
from api.analytics.window import Window
from store.tables import Conversation, Draft, Message, ProviderUsage

PENDING = ("requested", "drafting", "ready")


def _seconds(later: Any, earlier: Any) -> ColumnElement[float]:
    return cast(func.extract("epoch", later - earlier), Float)


async def _stats(session: AsyncSession, seconds: Any) -> DurationStats:
    """Median and p90 of a subquery's `seconds` column, computed by PostgreSQL."""
    stmt = select(
        func.percentile_cont(0.5).within_group(seconds).label("median"),
        func.percentile_cont(0.9).within_group(seconds).label("p90"),
        func.count(seconds).label("count"),
    )
    row = (await session.execute(stmt)).one()
    return DurationStats(median_seconds=row.median, p90_seconds=row.p90, count=row.count)


async def first_response(session: AsyncSession, w: Window) -> DurationStats:
    """Per conversation created in the range: its first inbound message to the first reply
    stored after it. Conversations still unanswered are not counted."""
    first_in = (
        select(Message.conversation_id.label("id"), func.min(AT).label("at"))
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Conversation.organization_id == w.org_id,
            w.holds(Conversation.created_at),
            Message.organization_id == w.org_id,
            Message.direction == "inbound",
        )
        .group_by(Message.conversation_id)
        .subquery("first_in")
    )
    reply = (
        select(func.min(Message.created_at))
        .where(
            Message.organization_id == w.org_id,
            Message.conversation_id == first_in.c.id,
            Message.direction == "outbound",
            Message.created_at >= first_in.c.at,
        )
        .scalar_subquery()
    )
    waits = select(_seconds(reply, first_in.c.at).label("seconds")).subquery("waits")
    return await _stats(session, waits.c.seconds)


async def resolution(session: AsyncSession, w: Window) -> DurationStats:
    """Creation to resolution, for the conversations resolved in the range."""
    spans = (
        select(_seconds(Conversation.resolved_at, Conversation.created_at).label("seconds"))
        .where(Conversation.organization_id == w.org_id, w.holds(Conversation.resolved_at))
        .subquery("spans")
    )
    return await _stats(session, spans.c.seconds)


async def automation_rate(session: AsyncSession, w: Window) -> AutomationRate:
    """Inbound messages answered by an approved AI draft (nothing is sent without approval)."""
    drafted = exists().where(Draft.message_id == Message.id)
    approved = exists().where(Draft.message_id == Message.id, Draft.status == "approved")
    stmt = select(
        func.count().label("inbound"),
        func.count().filter(drafted).label("drafted"),
        func.count().filter(approved).label("approved"),
    ).where(Message.organization_id == w.org_id, Message.direction == "inbound", w.holds(AT))
    row = (await session.execute(stmt)).one()
    rate = row.approved / row.inbound if row.inbound else 0.0
    return AutomationRate(
        rate=round(rate, 4), inbound=row.inbound, drafted=row.drafted, approved=row.approved
    )


async def drafts(session: AsyncSession, w: Window) -> DraftOutcomes:
    approved = Draft.status == "approved"
    counts = {
        "approved_as_is": and_(approved, Draft.edited_text.is_(None)),
        "edited": and_(approved, Draft.edited_text.isnot(None)),
        "rejected": Draft.status == "rejected",
        "pending": Draft.status.in_(PENDING),
        "failed": Draft.status == "failed",
    }
    stmt = select(*(func.count().filter(cond).label(name) for name, cond in counts.items()))
    stmt = stmt.where(Draft.organization_id == w.org_id, w.holds(Draft.created_at))
    row = (await session.execute(stmt)).one()
    return DraftOutcomes(**row._asdict())


async def spend(session: AsyncSession, w: Window) -> list[SpendPoint]:
    bucket = w.bucket(ProviderUsage.created_at).label("bucket")
    stmt = (
        select(bucket, ProviderUsage.provider, func.sum(ProviderUsage.cost_usd).label("usd"))
        .where(ProviderUsage.organization_id == w.org_id, w.holds(ProviderUsage.created_at))
        .group_by(bucket, ProviderUsage.provider)
        .order_by(bucket, ProviderUsage.provider)
    )
    rows = await session.execute(stmt)
    return [
        SpendPoint(bucket=r.bucket, provider=r.provider, cost_usd=round(float(r.usd or 0), 6))
        for r in rows
    ]
