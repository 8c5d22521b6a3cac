"""The time range an analytics request asks about, checked, and its bucket expression."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal_column

from api.analytics.schemas import Bucket
from store.base import utcnow
from store.errors import BadInput

DEFAULT_DAYS = 14
MAX_DAYS = 366


class BadRange(BadInput):
    """The range is inverted or too long to aggregate."""

    code = "invalid_range"
    status = 422


@dataclass(frozen=True)
class Window:
    """[start, end) in UTC inside one organization, aggregated by `unit`."""

    org_id: uuid.UUID
    start: datetime
    end: datetime
    unit: Bucket

    def bucket(self, column: Any) -> ColumnElement[datetime]:
        """The bucket's start in UTC, whatever the session's time zone is. The unit is a
        literal (one of two), so GROUP BY sees the same expression as the SELECT."""
        unit: ColumnElement[str] = literal_column("'hour'" if self.unit == "hour" else "'day'")
        return func.date_trunc(unit, column, literal_column("'UTC'"))

    def holds(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.start, column < self.end)


def window(org_id: uuid.UUID, first: date | None, last: date | None, unit: Bucket) -> Window:
    """`first` and `last` are whole UTC days, both included; by default the last 14 days."""
    last = last or utcnow().date()
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise BadRange("'from' is after 'to'", details={"from": str(first), "to": str(last)})
    if (last - first).days + 1 > MAX_DAYS:
        raise BadRange(
            f"the range is longer than {MAX_DAYS} days",
            details={"from": str(first), "to": str(last), "max_days": MAX_DAYS},
        )
    start = datetime.combine(first, time.min, tzinfo=UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC)
    return Window(org_id=org_id, start=start, end=end, unit=unit)
