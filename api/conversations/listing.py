"""The inbox list query, in plain SQL on the driver: the product's hottest read.

Under bench/api.py load, building the SQLAlchemy statement and processing its result took 23% of
an API replica's CPU. Here the SQL text is fixed per combination of filters (so asyncpg reuses its
prepared statement), PostgreSQL renders each row as JSON text (ConversationRead's fields), and the
caller splices the texts into its response. Values are always bound parameters.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.conversations.schemas import ConversationRead
from store.pagination import Page, decode_cursor, encode_cursor, read_connection

COLUMNS = tuple(ConversationRead.model_fields)
ROW_JSON = "json_build_object(" + ", ".join(f"'{c}', {c}" for c in COLUMNS) + ")::text"
EQUALITY_FILTERS = ("status", "priority", "category", "intent", "channel", "contact_id")


class _Query:
    """WHERE clauses with numbered parameters ($1, $2, ...), in the order they were added."""

    def __init__(self, org_id: uuid.UUID) -> None:
        self.where = ["organization_id = $1"]
        self.args: list[Any] = [org_id]

    def add(self, template: str, *values: Any) -> None:
        first = len(self.args) + 1
        self.args += values
        self.where.append(template.format(*(f"${first + i}" for i in range(len(values)))))

    def sql(self, limit: int) -> str:
        self.args.append(limit)
        return (
            f"SELECT {ROW_JSON}, last_message_at, id FROM conversations "  # noqa: S608 - fixed names
            f"WHERE {' AND '.join(self.where)} "
            f"ORDER BY last_message_at DESC, id DESC LIMIT ${len(self.args)}"
        )


def _like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def build(
    *, org_id: uuid.UUID, user_id: uuid.UUID | None, filters: Any, limit: int, cursor: str | None
) -> tuple[str, list[Any]]:
    """SQL text and parameters for one page (limit + 1 rows, to know whether more follow)."""
    query = _Query(org_id)
    for name in EQUALITY_FILTERS:
        value = getattr(filters, name)
        if value is not None:
            query.add(f"{name} = {{}}", str(value) if name != "contact_id" else value)
    if filters.assignee == "none":
        query.where.append("assignee_id IS NULL")
    elif filters.assignee:
        target = user_id if filters.assignee == "me" else uuid.UUID(filters.assignee)
        query.add("assignee_id = {}", target)
    if filters.q:
        query.add("lower(subject) LIKE {} ESCAPE '\\'", _like_pattern(filters.q))
    if cursor:
        query.add("(last_message_at, id) < ({}, {})", *decode_cursor(cursor))
    sql = query.sql(limit + 1)
    return sql, query.args


async def fetch_page(session: AsyncSession, sql: str, args: list[Any], limit: int) -> Page[str]:
    connection = await read_connection(session)
    raw = await connection.get_raw_connection()
    rows = await raw.driver_connection.fetch(sql, *args)  # type: ignore[union-attr]
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1][1], rows[-1][2])
    return Page(items=[row[0] for row in rows], next_cursor=next_cursor)
