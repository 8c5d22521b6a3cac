"""/api/v1/drafts (and a conversation's drafts): AI replies waiting for an agent's review."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import ClientDep, Principal, RuntimeDep, SessionDep, require
from api.drafts import service
from api.drafts.schemas import DraftApprove, DraftRead, DraftReject, DraftStatus
from api.pagination import Cursor, Limit
from api.runtime import Runtime
from api.schemas import ListResponse
from routing.embedding import EmbedderBackend
from store.errors import Fatal
from store.pagination import Page
from store.tables import Draft

# One router for both paths, so the registry gets one entry.
router = APIRouter(prefix="/api/v1", tags=["drafts"])

CanRead = Annotated[Principal, Depends(require("read:drafts"))]
CanReview = Annotated[Principal, Depends(require("write:drafts"))]


@router.get("/drafts", response_model=ListResponse[DraftRead])
async def list_drafts(
    principal: CanRead,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: DraftStatus | None = None,
    conversation_id: uuid.UUID | None = None,
) -> ListResponse[DraftRead]:
    filters = service.DraftFilters(status=status, conversation_id=conversation_id)
    page = await service.list_drafts(
        session, principal=principal, filters=filters, limit=limit, cursor=cursor
    )
    return await _page(session, principal, page)


@router.get("/conversations/{conversation_id}/drafts", response_model=ListResponse[DraftRead])
async def list_conversation_drafts(
    conversation_id: uuid.UUID,
    principal: CanRead,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ListResponse[DraftRead]:
    page = await service.list_conversation_drafts(
        session, principal=principal, conversation_id=conversation_id, limit=limit, cursor=cursor
    )
    return await _page(session, principal, page)


@router.get("/drafts/{draft_id}", response_model=DraftRead)
async def get_draft(draft_id: uuid.UUID, principal: CanRead, session: SessionDep) -> DraftRead:
    draft = await service.get_draft(session, principal=principal, draft_id=draft_id)
    return (await _read(session, principal, [draft]))[0]


@router.post("/drafts/{draft_id}/approve", response_model=DraftRead)
async def approve_draft(
    draft_id: uuid.UUID,
    principal: CanReview,
    session: SessionDep,
    client: ClientDep,
    runtime: RuntimeDep,
    body: DraftApprove | None = None,
) -> DraftRead:
    """Sends the draft, or the agent's edit of it (`text`), as the conversation's reply."""
    draft, message = await service.approve_draft(
        session,
        principal=principal,
        draft_id=draft_id,
        body=body or DraftApprove(),
        client=client,
        box=runtime.secret_box,
        embedder=_embedder(runtime),
    )
    return _to_read(draft, message.id)


@router.post("/drafts/{draft_id}/reject", response_model=DraftRead)
async def reject_draft(
    draft_id: uuid.UUID,
    principal: CanReview,
    session: SessionDep,
    client: ClientDep,
    body: DraftReject | None = None,
) -> DraftRead:
    draft = await service.reject_draft(
        session, principal=principal, draft_id=draft_id, body=body or DraftReject(), client=client
    )
    return _to_read(draft, None)


async def _page(
    session: AsyncSession, principal: Principal, page: Page[Draft]
) -> ListResponse[DraftRead]:
    return ListResponse(
        items=await _read(session, principal, page.items), next_cursor=page.next_cursor
    )


async def _read(
    session: AsyncSession, principal: Principal, drafts: Sequence[Draft]
) -> list[DraftRead]:
    sent = await service.sent_messages(session, org_id=principal.org_id, drafts=drafts)
    return [_to_read(d, sent.get(d.id)) for d in drafts]


def _embedder(runtime: Runtime) -> EmbedderBackend:
    if runtime.embedder is None:  # create_app always attaches one
        raise Fatal("no embedder is configured for the knowledge base")
    return runtime.embedder


def _to_read(draft: Draft, sent_message_id: uuid.UUID | None) -> DraftRead:
    read = DraftRead.model_validate(draft)
    read.sent_message_id = sent_message_id
    return read
