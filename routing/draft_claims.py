"""Who is writing a draft: an atomic claim (`requested` → `drafting`) taken before anything is
paid for, kept fresh by a heartbeat while the router works, released when the work stops early.

A claim left by a crashed worker stops beating, goes stale after `CLAIM_STALE`, and is retaken.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.errors import Retriable
from store.tables import Draft

log = logging.getLogger(__name__)
Sessions = async_sessionmaker[AsyncSession]

CLAIM_STALE = timedelta(minutes=5)
HEARTBEAT_S = 60.0  # well inside CLAIM_STALE: a live worker's claim never looks abandoned


class DraftBusy(Retriable):
    """Another worker holds a live claim on the draft: ask again once it could have gone stale
    (it will be finished by then, or retaken)."""

    code = "draft_busy"


@dataclass(frozen=True)
class Claim:
    """A draft this worker holds, with the ids its outcome is announced under."""

    draft_id: uuid.UUID
    organization_id: uuid.UUID
    conversation_id: uuid.UUID
    message_id: uuid.UUID


def claimable() -> ColumnElement[bool]:
    """Requested, or claimed by a worker that stopped beating (crashed)."""
    stale = and_(Draft.status == "drafting", Draft.updated_at < func.now() - CLAIM_STALE)
    return or_(Draft.status == "requested", stale)


async def claim(sessions: Sessions, *, draft_id: uuid.UUID) -> Claim | None:
    """The draft, now ours; None when it is finished or gone; `DraftBusy` when another worker
    holds a live claim on it."""
    stmt = (
        update(Draft)
        .where(Draft.id == draft_id, claimable())
        .values(status="drafting", updated_at=func.now())
        .returning(Draft.organization_id, Draft.conversation_id, Draft.message_id)
    )
    async with sessions() as session, session.begin():
        row = (await session.execute(stmt)).first()
        if row is not None:
            return Claim(draft_id, row.organization_id, row.conversation_id, row.message_id)
        status = await session.scalar(select(Draft.status).where(Draft.id == draft_id))
    if status == "drafting":
        raise DraftBusy("another worker is writing this draft", retry_after=60)
    return None


@contextlib.asynccontextmanager
async def held(sessions: Sessions, *, draft_id: uuid.UUID) -> AsyncIterator[None]:
    """Beat every `HEARTBEAT_S` while the body runs (a slow provider must not look crashed)."""

    async def beat() -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            try:
                await _touch(sessions, draft_id)
            except Exception as exc:  # a missed beat only shortens the claim; the call goes on
                log.warning("draft claim heartbeat failed: %s", type(exc).__name__)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _touch(sessions: Sessions, draft_id: uuid.UUID) -> None:
    stmt = update(Draft).where(Draft.id == draft_id, Draft.status == "drafting")
    async with sessions() as session, session.begin():
        await session.execute(stmt.values(updated_at=func.now()))


async def release(sessions: Sessions, *, draft_id: uuid.UUID) -> None:
    """Back to `requested`, so the next delivery claims it at once."""
    stmt = update(Draft).where(Draft.id == draft_id, Draft.status == "drafting")
    async with sessions() as session, session.begin():
        await session.execute(stmt.values(status="requested", updated_at=func.now()))


async def release_quietly(sessions: Sessions, *, draft_id: uuid.UUID) -> None:
    """`release`, when the caller is already failing for another reason."""
    try:
        await release(sessions, draft_id=draft_id)
    except Exception as exc:  # the database is down: the claim goes stale and is retaken
        log.warning("could not release draft %s: %s", draft_id, type(exc).__name__)
