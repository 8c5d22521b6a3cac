"""What arrived: inbound messages by channel, category, intent and sentiment, per bucket.

A message's instant is when the provider received it (`received_at`), else when it was stored.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, String, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.analytics.schemas import CategoryPoint, IntentPoint, SentimentPoint, VolumePoint
from api.analytics.window import Window
from store.tables import Conversation, Message

TOP_INTENTS = 10
HEADS = ("intent", "category", "sentiment")
AT = func.coalesce(Message.received_at, Message.created_at)


def _head(name: str) -> ColumnElement[str]:
    """The label the classifier stored for one head (null when unclassified). A literal path,
    not bound parameters, so GROUP BY sees the same expression as the SELECT."""
    if name not in HEADS:
        raise ValueError(f"unknown head {name!r}")
    return literal_column(f"messages.classification #>> '{{{name},label}}'", String)


def _inbound(w: Window, *columns: Any) -> Select[Any]:
    return select(*columns).where(
        Message.organization_id == w.org_id, Message.direction == "inbound", w.holds(AT)
    )


async def volume(session: AsyncSession, w: Window) -> list[VolumePoint]:
    bucket = w.bucket(AT).label("bucket")
    stmt = (
        _inbound(w, bucket, Conversation.channel, func.count().label("count"))
        .join(Conversation, Conversation.id == Message.conversation_id)
        .group_by(bucket, Conversation.channel)
        .order_by(bucket, Conversation.channel)
    )
    rows = await session.execute(stmt)
    return [VolumePoint(bucket=r.bucket, channel=r.channel, count=r.count) for r in rows]


async def by_category(session: AsyncSession, w: Window) -> list[CategoryPoint]:
    bucket, category = w.bucket(AT).label("bucket"), _head("category").label("category")
    stmt = (
        _inbound(w, bucket, category, func.count().label("count"))
        .where(category.isnot(None))
        .group_by(bucket, category)
        .order_by(bucket, category)
    )
    rows = await session.execute(stmt)
    return [CategoryPoint(bucket=r.bucket, category=r.category, count=r.count) for r in rows]


async def by_intent(session: AsyncSession, w: Window) -> list[IntentPoint]:
    """Only the range's TOP_INTENTS commonest intents, so the chart stays readable."""
    intent = _head("intent")
    top = (
        _inbound(w, intent.label("intent"))
        .where(intent.isnot(None))
        .group_by(intent)
        .order_by(func.count().desc(), intent)
        .limit(TOP_INTENTS)
        .cte("top_intents")
    )
    bucket = w.bucket(AT).label("bucket")
    stmt = (
        _inbound(w, bucket, intent.label("intent"), func.count().label("count"))
        .where(intent.in_(select(top.c.intent)))
        .group_by(bucket, intent)
        .order_by(bucket, intent)
    )
    rows = await session.execute(stmt)
    return [IntentPoint(bucket=r.bucket, intent=r.intent, count=r.count) for r in rows]


async def sentiment(session: AsyncSession, w: Window) -> list[SentimentPoint]:
    label, bucket = _head("sentiment"), w.bucket(AT).label("bucket")
    counts = [
        func.count().filter(label == name).label(name)
        for name in ("positive", "neutral", "negative")
    ]
    stmt = _inbound(w, bucket, *counts).where(label.isnot(None)).group_by(bucket).order_by(bucket)
    rows = await session.execute(stmt)
    return [
        SentimentPoint(bucket=r.bucket, positive=r.positive, neutral=r.neutral, negative=r.negative)
        for r in rows
    ]
