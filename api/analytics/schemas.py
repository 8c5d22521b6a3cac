"""Analytics bodies: the dashboard's overview of one time range, bucketed by day or hour.

Every series lists only the buckets that have data; `bucket` is the bucket's start, in UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Bucket = Literal["day", "hour"]


class VolumePoint(BaseModel):
    bucket: datetime
    channel: str
    count: int


class CategoryPoint(BaseModel):
    bucket: datetime
    category: str
    count: int


class IntentPoint(BaseModel):
    bucket: datetime
    intent: str
    count: int


class SentimentPoint(BaseModel):
    bucket: datetime
    positive: int
    neutral: int
    negative: int


class DurationStats(BaseModel):
    median_seconds: float | None = Field(description="null when count is 0")
    p90_seconds: float | None = Field(description="null when count is 0")
    count: int = Field(description="how many conversations the figures are computed over")


class AutomationRate(BaseModel):
    rate: float = Field(description="approved / inbound (0 when there was no inbound message)")
    inbound: int = Field(description="inbound messages in the range")
    drafted: int = Field(description="of those, how many got an AI draft")
    approved: int = Field(description="of those, how many had their draft approved and sent")


class DraftOutcomes(BaseModel):
    """Drafts created in the range, by what became of them."""

    approved_as_is: int
    edited: int = Field(description="approved after the agent edited the text")
    rejected: int
    pending: int = Field(description="requested, being written, or waiting for review")
    failed: int


class SpendPoint(BaseModel):
    bucket: datetime
    provider: str
    cost_usd: float


class AnalyticsOverview(BaseModel):
    start: datetime = Field(description="the range's first instant (UTC, inclusive)")
    end: datetime = Field(description="the range's end (UTC, exclusive)")
    bucket: Bucket
    volume: list[VolumePoint] = Field(description="inbound messages by channel")
    by_category: list[CategoryPoint] = Field(description="classified inbound messages")
    by_intent: list[IntentPoint] = Field(description="the range's 10 commonest intents")
    sentiment: list[SentimentPoint]
    first_response: DurationStats = Field(
        description="first inbound message to first reply, conversations created in the range"
    )
    resolution: DurationStats = Field(
        description="creation to resolution, conversations resolved in the range"
    )
    automation_rate: AutomationRate
    drafts: DraftOutcomes
    spend: list[SpendPoint] = Field(description="external provider spend (USD) by provider")
    total_usd: float = Field(description="total provider spend in the range")
