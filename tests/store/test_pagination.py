"""Keyset pagination helpers against the real database."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from api.runtime import Runtime
from store.errors import BadInput
from store.pagination import decode_cursor, encode_cursor, json_row, paginate_json
from store.tables import Conversation


async def test_autocommit_read_path_on_a_fresh_engine_session(runtime: Runtime) -> None:
    stmt = select(json_row([Conversation.id]), Conversation.last_message_at, Conversation.id).where(
        Conversation.organization_id == uuid.uuid4()
    )
    async with runtime.sessions() as session:
        page = await paginate_json(
            session,
            stmt,
            sort_col=Conversation.last_message_at,
            id_col=Conversation.id,
            limit=5,
            cursor=None,
        )
        assert page.items == [] and page.next_cursor is None
        connection = await session.connection()
        # No BEGIN/ROLLBACK round trips around one SELECT.
        assert connection.sync_connection is not None
        assert connection.sync_connection.get_execution_options()["isolation_level"] == "AUTOCOMMIT"


def test_cursor_round_trip_and_garbage() -> None:
    from datetime import UTC, datetime

    at, row_id = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), uuid.uuid4()
    assert decode_cursor(encode_cursor(at, row_id)) == (at, row_id)
    for bad in ("", "!!!", encode_cursor(at, row_id)[:-4]):
        with pytest.raises(BadInput):
            decode_cursor(bad)
