"""Engine and session factories. One async engine per process, built from the settings."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from store.settings import Settings

SYNC_DRIVERS = {"postgres", "postgresql", "postgresql+psycopg2", "postgresql+psycopg"}


def async_url(url: str) -> str:
    """Any PostgreSQL URL, for asyncpg (the fastest async driver; migrations use psycopg)."""
    parsed = make_url(url)
    if parsed.drivername in SYNC_DRIVERS:
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


def create_engine_from(settings: Settings) -> AsyncEngine:
    return create_async_engine(
        async_url(settings.require("database_url")),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        # No pre-ping round trip per checkout: a dropped connection fails one request and
        # SQLAlchemy invalidates the pool, instead of every request paying for the check.
        pool_recycle=1800,
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
