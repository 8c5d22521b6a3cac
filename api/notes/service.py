"""Notes inside the caller's organization: listing a conversation's, adding, deleting."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import record
from api.deps import ClientInfo, Principal
from api.notes.schemas import NoteCreate, NoteRead
from store.errors import Forbidden
from store.pagination import Page, paginate
from store.scoped import get_scoped, scoped
from store.tables import Conversation, Note, User


async def list_notes(
    session: AsyncSession,
    *,
    principal: Principal,
    conversation_id: uuid.UUID,
    limit: int,
    cursor: str | None,
) -> Page[Note]:
    """Oldest first, like the conversation's messages they sit beside."""
    await get_scoped(session, Conversation, principal.org_id, conversation_id)
    stmt = scoped(Note, principal.org_id).where(Note.conversation_id == conversation_id)
    return await paginate(
        session,
        stmt,
        sort_col=Note.created_at,
        id_col=Note.id,
        limit=limit,
        cursor=cursor,
        descending=False,
    )


async def add_note(
    session: AsyncSession,
    *,
    principal: Principal,
    conversation_id: uuid.UUID,
    body: NoteCreate,
    client: ClientInfo,
) -> Note:
    conversation = await get_scoped(session, Conversation, principal.org_id, conversation_id)
    row = Note(
        organization_id=principal.org_id,
        conversation_id=conversation.id,
        author_id=principal.user_id,
        body=body.body,
    )
    session.add(row)
    await session.flush()
    # The text stays out of the audit trail: notes may quote the customer.
    details = {"conversation_id": str(conversation.id), "length": len(body.body)}
    record(session, principal, client, "note.create", row, details=details)
    await session.commit()
    return row


async def delete_note(
    session: AsyncSession, *, principal: Principal, note_id: uuid.UUID, client: ClientInfo
) -> None:
    """Only the note's author or an admin may delete it."""
    row = await get_scoped(session, Note, principal.org_id, note_id, for_update=True)
    is_author = principal.user_id is not None and principal.user_id == row.author_id
    if not is_author and principal.role != "admin":
        raise Forbidden("only the note's author or an admin may delete it")
    await session.delete(row)
    details = {"conversation_id": str(row.conversation_id)}
    record(session, principal, client, "note.delete", row, details=details)
    await session.commit()


async def to_reads(
    session: AsyncSession, org_id: uuid.UUID, notes: Sequence[Note]
) -> list[NoteRead]:
    """The notes with their authors' names, read in one query."""
    names = await _author_names(session, org_id, {n.author_id for n in notes if n.author_id})
    return [
        NoteRead(
            id=n.id,
            conversation_id=n.conversation_id,
            author_id=n.author_id,
            author_name=names.get(n.author_id) if n.author_id else None,
            body=n.body,
            created_at=n.created_at,
        )
        for n in notes
    ]


async def _author_names(
    session: AsyncSession, org_id: uuid.UUID, ids: set[uuid.UUID]
) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    stmt = select(User.id, User.name, User.email).where(
        User.organization_id == org_id, User.id.in_(ids)
    )
    return {row.id: row.name or row.email for row in await session.execute(stmt)}
