"""/api/v1/analytics: aggregates for the dashboard's charts."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.analytics import service
from api.analytics.schemas import AnalyticsOverview, Bucket
from api.analytics.window import window
from api.deps import Principal, SessionDep, require

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])

CanRead = Annotated[Principal, Depends(require("read:analytics"))]
From = Annotated[
    date | None, Query(alias="from", description="first UTC day, YYYY-MM-DD (default: 13 days ago)")
]
To = Annotated[
    date | None, Query(alias="to", description="last UTC day, included (default: today)")
]


@router.get("/overview", response_model=AnalyticsOverview)
async def overview(
    principal: CanRead,
    session: SessionDep,
    first: From = None,
    last: To = None,
    bucket: Bucket = "day",
) -> AnalyticsOverview:
    """Volume, sentiment, response and resolution times, draft outcomes and provider spend
    from `from` to `to` (both included; default the last 14 days, at most 366)."""
    w = window(principal.org_id, first, last, bucket)
    return await service.overview(session, w)
