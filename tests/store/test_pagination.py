"""Keyset pagination helpers against the real database."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from api.runtime import Runtime
from store.errors import BadInput
from store.pagination import decode_cursor, encode_cursor, read_connection


async def test_single_reads_on_a_fresh_session_run_in_autocommit(runtime: Runtime) -> None:
    async with runtime.sessions() as session:
        connection = await read_connection(session)
        # No BEGIN/ROLLBACK round trips around one SELECT.
        assert connection.sync_connection is not None
        assert connection.sync_connection.get_execution_options()["isolation_level"] == "AUTOCOMMIT"
        assert (await connection.execute(select(1))).scalar() == 1


def test_cursor_round_trip_and_garbage() -> None:
    from datetime import UTC, datetime

    at, row_id = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), uuid.uuid4()
    assert decode_cursor(encode_cursor(at, row_id)) == (at, row_id)
    for bad in ("", "!!!", encode_cursor(at, row_id)[:-4]):
        with pytest.raises(BadInput):
            decode_cursor(bad)
