"""/api/v1/conversations/{id}/notes and /api/v1/notes/{id}: agents' internal notes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status

from api.deps import ClientDep, Principal, SessionDep, require
from api.notes import service
from api.notes.schemas import NoteCreate, NoteRead
from api.pagination import Cursor, Limit
from api.schemas import ListResponse

# One router for both paths, so the registry gets one entry.
router = APIRouter(prefix="/api/v1", tags=["notes"])

CanRead = Annotated[Principal, Depends(require("read:conversations"))]
CanWrite = Annotated[Principal, Depends(require("write:conversations"))]


@router.get("/conversations/{conversation_id}/notes", response_model=ListResponse[NoteRead])
async def list_notes(
    conversation_id: uuid.UUID,
    principal: CanRead,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ListResponse[NoteRead]:
    """Oldest first."""
    page = await service.list_notes(
        session, principal=principal, conversation_id=conversation_id, limit=limit, cursor=cursor
    )
    items = await service.to_reads(session, principal.org_id, page.items)
    return ListResponse(items=items, next_cursor=page.next_cursor)


@router.post(
    "/conversations/{conversation_id}/notes",
    status_code=status.HTTP_201_CREATED,
    response_model=NoteRead,
)
async def add_note(
    conversation_id: uuid.UUID,
    body: NoteCreate,
    principal: CanWrite,
    session: SessionDep,
    client: ClientDep,
) -> NoteRead:
    """An internal note: visible to the organization's agents, never sent to the customer."""
    row = await service.add_note(
        session, principal=principal, conversation_id=conversation_id, body=body, client=client
    )
    return (await service.to_reads(session, principal.org_id, [row]))[0]


@router.delete("/notes/{note_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_note(
    note_id: uuid.UUID, principal: CanWrite, session: SessionDep, client: ClientDep
) -> None:
    """The note's author or an admin only."""
    await service.delete_note(session, principal=principal, note_id=note_id, client=client)
