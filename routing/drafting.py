"""Fulfilling a requested draft: claim it, gather what the router needs, route, store.

The claim (`routing/draft_claims.py`) comes before anything is paid for, so a redelivered
request or a second worker never pays twice for one draft. When the budget cannot cover an
LLM call the router degrades to the local provider, and the draft's reason says so.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Literal

from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError, OperationalError

from routing import draft_claims, prompts
from routing.assemble import Lookup
from routing.backend import RouterBackend
from routing.contract import Source, TaskContext
from routing.draft_claims import Claim, Sessions
from routing.draft_context import gather_context
from routing.router import NoRoute, ProviderRejected, Refused, RouteRequest, RouteResult
from store.errors import BudgetExceeded, SwitchboardError
from store.tables import Draft

FINISH_ATTEMPTS = 5  # about 8 s of retries
# Inside the EVENTS stream's duplicate window (2 h): an outcome announced again is stored once.
ANNOUNCE_WINDOW = timedelta(hours=1)
LLM_CONFIDENCE = 0.75  # an external model reports none; a reviewer still reads every draft
DEGRADED_WHY = {
    "budget": "the AI budget is used up",
    "budget_unavailable": "the budget store could not be reached, so no paid call was allowed",
    "providers_failed": "every paid provider failed",
}
# Router errors that retrying the same draft will not fix: the draft fails with the reason.
FINAL_ERRORS = (BudgetExceeded, Refused, ProviderRejected)


@dataclass(frozen=True)
class DraftOutcome:
    """What became of a draft, for the caller to announce."""

    draft_id: uuid.UUID
    organization_id: uuid.UUID
    conversation_id: uuid.UUID
    message_id: uuid.UUID
    status: Literal["ready", "failed"]
    reason: str | None = None
    provider: str | None = None
    cost_usd: float = 0.0

    @property
    def event_kind(self) -> Literal["draft.created", "draft.failed"]:
        return "draft.created" if self.status == "ready" else "draft.failed"


async def fulfil(
    sessions: Sessions,
    router: RouterBackend,
    lookup: Lookup,
    *,
    draft_id: uuid.UUID,
    retry_transient: bool = True,
) -> DraftOutcome | None:
    """Write a requested draft through the router; None when it is not ours to write (done
    already, or gone). A `NoRoute` releases the draft and is re-raised for a later retry while
    `retry_transient`, else the draft fails; `DraftBusy` while another worker holds it."""
    claim = await draft_claims.claim(sessions, draft_id=draft_id)
    if claim is None:
        return None
    try:
        async with draft_claims.held(sessions, draft_id=draft_id):
            context, company = await gather_context(
                sessions,
                lookup,
                organization_id=claim.organization_id,
                conversation_id=claim.conversation_id,
                message_id=claim.message_id,
            )
            result = await router.complete(_request(claim, context, company))
    except NoRoute as exc:
        if not retry_transient:
            return await _fail(sessions, claim, exc)
        await draft_claims.release(sessions, draft_id=draft_id)
        raise
    except FINAL_ERRORS as exc:
        return await _fail(sessions, claim, exc)
    except BaseException:
        # The database or the router is down, or we were cancelled: hand the draft back so
        # the redelivered request can claim it at once instead of after CLAIM_STALE.
        await asyncio.shield(draft_claims.release_quietly(sessions, draft_id=draft_id))
        raise
    return await _ready(sessions, claim, context, result)


def _request(claim: Claim, context: TaskContext, company: str | None) -> RouteRequest:
    return RouteRequest(
        org_id=context.org_id,
        task="draft",
        messages=prompts.draft_messages(context, company=company),
        context=context,
        # One id per draft: the ledger ties every attempt (and any retry) to this draft.
        request_id=f"draft:{claim.draft_id}",
        message_id=str(claim.message_id),
    )


def draft_reason(result: RouteResult) -> str:
    """The router's reason; a degraded draft says first, plainly, why it was not paid for."""
    if result.degraded is None:
        return result.reason
    why = DEGRADED_WHY.get(result.degraded, result.degraded)
    return (
        f"Drafted by the {result.provider} provider because {why} "
        f"(degraded: {result.degraded}). {result.reason}"
    )


def draft_sources(result: RouteResult, context: TaskContext) -> list[Source]:
    """What the provider says it used; an external model reports nothing, so it is credited
    with the knowledge it was given. The local provider's own list is exact, even when empty."""
    if result.completion.sources or result.provider == "local":
        return list(result.completion.sources)
    return [source for source, _ in context.knowledge]


async def _ready(
    sessions: Sessions, claim: Claim, context: TaskContext, result: RouteResult
) -> DraftOutcome:
    confidence = result.completion.confidence
    reason = draft_reason(result)
    values = {
        "status": "ready",
        "text": result.completion.text,
        "provider": result.provider,
        "model": result.model_id,
        "cost_usd": Decimal(str(result.cost_usd)),
        "confidence": LLM_CONFIDENCE if confidence is None else confidence,
        "sources": [s.as_dict() for s in draft_sources(result, context)],
        "reason": reason,
    }
    await _finish(sessions, claim.draft_id, values)
    return DraftOutcome(
        *_ids(claim), "ready", reason, provider=result.provider, cost_usd=result.cost_usd
    )


async def _fail(sessions: Sessions, claim: Claim, error: SwitchboardError) -> DraftOutcome:
    reason = f"{error.code}: {error.message}"
    await _finish(sessions, claim.draft_id, {"status": "failed", "reason": reason})
    return DraftOutcome(*_ids(claim), "failed", reason)


async def _finish(sessions: Sessions, draft_id: uuid.UUID, values: dict[str, object]) -> None:
    """Store the outcome, retrying a database hiccup briefly: the call is paid for already, and
    an outcome lost here would be paid again when the claim is retaken."""
    stmt = update(Draft).where(Draft.id == draft_id, Draft.status == "drafting")
    stmt = stmt.values(**values, updated_at=func.now())
    for attempt in range(FINISH_ATTEMPTS):
        try:
            async with sessions() as session, session.begin():
                await session.execute(stmt)
            return
        except (OperationalError, DBAPIError, OSError):
            if attempt == FINISH_ATTEMPTS - 1:
                raise
            await asyncio.sleep(0.5 * 2**attempt)


def _ids(claim: Claim) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID, uuid.UUID]:
    return claim.draft_id, claim.organization_id, claim.conversation_id, claim.message_id


async def fail_draft(
    sessions: Sessions, *, draft_id: uuid.UUID, reason: str
) -> DraftOutcome | None:
    """Give up on a draft no worker could write (after the worker's last retry); None when it
    was finished, is gone, or another worker holds a live claim on it."""
    stmt = (
        update(Draft)
        .where(Draft.id == draft_id, draft_claims.claimable())
        .values(status="failed", reason=reason, updated_at=func.now())
        .returning(Draft.organization_id, Draft.conversation_id, Draft.message_id)
    )
    async with sessions() as session, session.begin():
        row = (await session.execute(stmt)).first()
    if row is None:
        return None
    claim = Claim(draft_id, row.organization_id, row.conversation_id, row.message_id)
    return DraftOutcome(*_ids(claim), "failed", reason)


async def draft_for_message(
    sessions: Sessions, *, organization_id: uuid.UUID, message_id: uuid.UUID
) -> uuid.UUID | None:
    """The draft requested for a message (at most one), if any."""
    stmt = select(Draft.id).where(
        Draft.organization_id == organization_id, Draft.message_id == message_id
    )
    async with sessions() as session:
        return await session.scalar(stmt)


async def recent_outcome(sessions: Sessions, *, draft_id: uuid.UUID) -> DraftOutcome | None:
    """A draft finished lately (ready or failed), to announce again when the first announcement
    may have been lost; None for an older one, one under review since, or one not finished."""
    stmt = select(Draft).where(
        Draft.id == draft_id,
        Draft.status.in_(("ready", "failed")),
        Draft.updated_at > func.now() - ANNOUNCE_WINDOW,
    )
    async with sessions() as session:
        draft = await session.scalar(stmt)
    if draft is None:
        return None
    ids = (draft.id, draft.organization_id, draft.conversation_id, draft.message_id)
    status: Literal["ready", "failed"] = "ready" if draft.status == "ready" else "failed"
    return DraftOutcome(*ids, status, draft.reason, draft.provider, float(draft.cost_usd))
