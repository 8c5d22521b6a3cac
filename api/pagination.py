"""Query parameters shared by every list route."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from store.pagination import MAX_LIMIT

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size (at most 200)")]
Cursor = Annotated[str | None, Query(max_length=200, description="next_cursor of the last page")]
Search = Annotated[str | None, Query(max_length=200, description="text search")]
