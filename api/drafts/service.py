"""Drafts inside the caller's organization: listing, and an agent's approval or rejection.

Approval is one transaction: the draft is locked (FOR UPDATE) and must be `ready`, the reply is
stored for its channel exactly as an agent's own reply is (api/conversations), the answer joins
the knowledge base as a past reply, and the audit entries are written; a second approval waits
for the lock, then finds the draft `approved` and answers 409, so nothing is sent twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import record
from api.conversations.schemas import MessageCreate
from api.conversations.service import stage_outbound
from api.deps import ClientInfo, Principal
from api.drafts.schemas import DraftApprove, DraftReject, DraftStatus
from routing import knowledge
from routing.embedding import EmbedderBackend
from store.base import utcnow
from store.crypto import SecretBox
from store.errors import BadInput, Conflict
from store.pagination import Page, paginate
from store.scoped import get_scoped, scoped
from store.tables import Conversation, Draft, Message


@dataclass(frozen=True)
class DraftFilters:
    status: DraftStatus | None = None
    conversation_id: uuid.UUID | None = None


async def list_drafts(
    session: AsyncSession,
    *,
    principal: Principal,
    filters: DraftFilters,
    limit: int,
    cursor: str | None,
) -> Page[Draft]:
    """Newest first; a conversation filter naming another org's conversation finds nothing."""
    stmt = scoped(Draft, principal.org_id)
    if filters.status is not None:
        stmt = stmt.where(Draft.status == filters.status.value)
    if filters.conversation_id is not None:
        stmt = stmt.where(Draft.conversation_id == filters.conversation_id)
    return await paginate(
        session, stmt, sort_col=Draft.created_at, id_col=Draft.id, limit=limit, cursor=cursor
    )


async def list_conversation_drafts(
    session: AsyncSession,
    *,
    principal: Principal,
    conversation_id: uuid.UUID,
    limit: int,
    cursor: str | None,
) -> Page[Draft]:
    await get_scoped(session, Conversation, principal.org_id, conversation_id)
    filters = DraftFilters(conversation_id=conversation_id)
    return await list_drafts(
        session, principal=principal, filters=filters, limit=limit, cursor=cursor
    )


async def get_draft(session: AsyncSession, *, principal: Principal, draft_id: uuid.UUID) -> Draft:
    return await get_scoped(session, Draft, principal.org_id, draft_id)


async def sent_messages(
    session: AsyncSession, *, org_id: uuid.UUID, drafts: Sequence[Draft]
) -> dict[uuid.UUID, uuid.UUID]:
    """Draft id -> the reply it was sent as. Approval stamps the draft's `reviewed_at` with the
    reply's `created_at`, so (conversation, instant, text) finds it without a link column."""
    approved = [d for d in drafts if d.status == DraftStatus.APPROVED and d.reviewed_at]
    if not approved:
        return {}
    keys = [(d.conversation_id, d.reviewed_at) for d in approved]
    stmt = scoped(Message, org_id).where(
        Message.direction == "outbound",
        tuple_(Message.conversation_id, Message.created_at).in_(keys),
    )
    replies = list((await session.execute(stmt)).scalars())
    found: dict[uuid.UUID, uuid.UUID] = {}
    for draft in approved:
        for reply in replies:
            same = (reply.conversation_id, reply.created_at) == (
                draft.conversation_id,
                draft.reviewed_at,
            )
            if same and reply.text == _final_text(draft):
                found[draft.id] = reply.id
    return found


async def approve_draft(
    session: AsyncSession,
    *,
    principal: Principal,
    draft_id: uuid.UUID,
    body: DraftApprove,
    client: ClientInfo,
    box: SecretBox,
    embedder: EmbedderBackend,
) -> tuple[Draft, Message]:
    """Send the draft (or the agent's edit of it) as the conversation's reply; see the module."""
    draft = await _lock_ready(session, principal, draft_id, "approved")
    if body.text is not None and body.text != draft.text:
        draft.edited_text = body.text
    if not _final_text(draft):
        raise BadInput("this draft has no text: approve it with the text to send")
    reply = MessageCreate(text=_final_text(draft))
    message = await stage_outbound(
        session, principal=principal, conversation_id=draft.conversation_id, body=reply, box=box
    )
    _mark_reviewed(draft, principal, DraftStatus.APPROVED, at=message.created_at)
    await _learn(session, principal.org_id, draft, embedder)
    details = {"conversation_id": str(draft.conversation_id), "message_id": str(message.id)}
    record(session, principal, client, "message.create", message, details=details)
    record(
        session,
        principal,
        client,
        "draft.approve",
        draft,
        details={**details, "edited": draft.edited_text is not None},
    )
    await session.commit()
    return draft, message


async def reject_draft(
    session: AsyncSession,
    *,
    principal: Principal,
    draft_id: uuid.UUID,
    body: DraftReject,
    client: ClientInfo,
) -> Draft:
    draft = await _lock_ready(session, principal, draft_id, "rejected")
    draft.rejection_reason = body.reason
    _mark_reviewed(draft, principal, DraftStatus.REJECTED, at=utcnow())
    record(
        session,
        principal,
        client,
        "draft.reject",
        draft,
        details={"conversation_id": str(draft.conversation_id)},
    )
    await session.commit()
    return draft


async def _lock_ready(
    session: AsyncSession, principal: Principal, draft_id: uuid.UUID, verb: str
) -> Draft:
    """The draft, locked until commit; only a `ready` one may be reviewed."""
    draft = await get_scoped(session, Draft, principal.org_id, draft_id, for_update=True)
    if draft.status != DraftStatus.READY:
        raise Conflict(
            f"only a ready draft can be {verb}; this draft is {draft.status}",
            code="draft_not_ready",
            details={"status": draft.status},
        )
    return draft


async def _learn(
    session: AsyncSession, org_id: uuid.UUID, draft: Draft, embedder: EmbedderBackend
) -> None:
    """The approved answer joins the knowledge base as a past reply to the customer's question.
    In the approval's transaction: a reply is never sent without being kept, nor kept unsent."""
    question = await get_scoped(session, Message, org_id, draft.message_id)
    await knowledge.add_reply(
        session,
        org_id=org_id,
        draft_id=draft.id,
        question=question.text,
        answer=_final_text(draft),
        embedder=embedder,
    )


def _final_text(draft: Draft) -> str:
    """What the customer receives: the agent's edit, else the draft as written."""
    return draft.edited_text if draft.edited_text is not None else (draft.text or "")


def _mark_reviewed(
    draft: Draft, principal: Principal, status: DraftStatus, *, at: datetime
) -> None:
    draft.status = status.value
    draft.reviewed_by_id = principal.user_id
    draft.reviewed_at = at
