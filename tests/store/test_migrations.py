"""Migrations build the schema from empty, match the models exactly, and downgrade to empty."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from store import migrate
from store.db import sync_url
from store.tables import Base
from tests.conftest import drop_database, recreate_database


@pytest.fixture
def fresh_db() -> str:  # type: ignore[misc]
    name = f"sb_migr_{uuid.uuid4().hex[:8]}"
    url = recreate_database(name)
    yield url
    drop_database(name)


def test_upgrade_matches_models_and_downgrade_empties(fresh_db: str) -> None:
    migrate.upgrade(fresh_db)
    engine = create_engine(sync_url(fresh_db))
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
            assert diff == [], diff
            tables = set(inspect(conn).get_table_names())
        assert {
            "organizations",
            "users",
            "integrations",
            "conversations",
            "messages",
            "ai_models",
            "workflows",
            "analytics_events",
            "contacts",
            "drafts",
            "api_keys",
            "refresh_tokens",
            "audit_log",
            "label_corrections",
            "provider_usage",
        } <= tables
        migrate.downgrade(fresh_db, "base")
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(fresh_db)  # and back up again: downgrade left nothing behind
        with engine.connect() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert version == migrate.head_revision()
    finally:
        engine.dispose()


def test_messages_are_unique_per_integration_and_external_id(fresh_db: str) -> None:
    migrate.upgrade(fresh_db)
    engine = create_engine(sync_url(fresh_db))
    try:
        with engine.connect() as conn:
            uniques = inspect(conn).get_unique_constraints("messages")
        assert any(u["column_names"] == ["integration_id", "external_id"] for u in uniques)
    finally:
        engine.dispose()


def test_database_urls_get_the_driver_each_side_needs() -> None:
    from store.db import async_url

    for url in (
        "postgres://u:p@h:5/d",
        "postgresql://u:p@h:5/d",
        "postgresql+psycopg2://u:p@h:5/d",
    ):
        assert sync_url(url) == "postgresql+psycopg://u:p@h:5/d"
        assert async_url(url) == "postgresql+asyncpg://u:p@h:5/d"
