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


def with_driver(url: str, driver: str) -> str:
    """Any PostgreSQL URL (`postgres://`, `postgresql+...://`) with SQLAlchemy's `driver`."""
    return (
        make_url(url).set(drivername=f"postgresql+{driver}").render_as_string(hide_password=False)
    )


def async_url(url: str) -> str:
    """For the API: asyncpg, the fastest async driver."""
    return with_driver(url, "asyncpg")


def sync_url(url: str) -> str:
    """For migrations, scripts and tests: psycopg 3."""
    return with_driver(url, "psycopg")


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
