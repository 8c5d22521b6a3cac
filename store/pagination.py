"""Keyset (cursor) pagination: stable under inserts, O(limit) at any depth."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import orjson
from sqlalchemy import Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from store.errors import BadInput

T = TypeVar("T")
MAX_LIMIT = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(sort_value: datetime, row_id: uuid.UUID) -> str:
    raw = orjson.dumps([sort_value.isoformat(), str(row_id)])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        sort_raw, id_raw = orjson.loads(raw)
        return datetime.fromisoformat(sort_raw), uuid.UUID(id_raw)
    except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
        raise BadInput("invalid cursor", code="invalid_cursor") from exc


async def paginate(
    session: AsyncSession,
    stmt: Select[Any],
    *,
    sort_col: InstrumentedAttribute[Any],
    id_col: InstrumentedAttribute[Any],
    limit: int,
    cursor: str | None,
    descending: bool = True,
) -> Page[Any]:
    """Ordered by (sort_col, id), newest first by default; the cursor is the last row's pair."""
    if cursor:
        sort_value, row_id = decode_cursor(cursor)
        if descending:
            after = or_(sort_col < sort_value, and_(sort_col == sort_value, id_col < row_id))
        else:
            after = or_(sort_col > sort_value, and_(sort_col == sort_value, id_col > row_id))
        stmt = stmt.where(after)
    order = (sort_col.desc(), id_col.desc()) if descending else (sort_col.asc(), id_col.asc())
    stmt = stmt.order_by(*order).limit(limit + 1)
    rows: list[Any] = list((await session.execute(stmt)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = encode_cursor(getattr(last, sort_col.key), getattr(last, id_col.key))
    return Page(items=rows, next_cursor=next_cursor)


async def read_connection(session: AsyncSession) -> AsyncConnection:
    """A connection for one read-only statement. A session that has not begun a transaction
    reads in autocommit: no BEGIN and ROLLBACK round trips around a single SELECT. (A session
    already in a transaction, or bound to an outer one as in the tests, reads inside it.)"""
    if isinstance(session.bind, AsyncEngine) and not session.in_transaction():
        return await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    return await session.connection()
