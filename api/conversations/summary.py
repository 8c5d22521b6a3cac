"""POST /api/v1/conversations/{id}/summary: a hand-over summary written by the router's
`summarize` task (the local provider's extractive summary when no paid model may answer)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlalchemy import select

from api.deps import Principal, RuntimeDep, SessionDep, require
from routing import prompts
from routing.contract import ChatMessage, TaskContext
from routing.router import RouteRequest
from store.errors import BadInput, Retriable
from store.scoped import get_scoped
from store.tables import Conversation, Message

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])
CanRead = Annotated[Principal, Depends(require("read:conversations"))]
MAX_MESSAGES = 40


@router.post("/{conversation_id}/summary")
async def summarize_conversation(
    conversation_id: uuid.UUID, principal: CanRead, session: SessionDep, runtime: RuntimeDep
) -> dict[str, Any]:
    """The conversation's last messages summarized for an agent taking it over. The call is
    routed, budgeted and written to the spend ledger like any other."""
    await get_scoped(session, Conversation, principal.org_id, conversation_id)
    rows = await session.execute(
        select(Message.direction, Message.text)
        .where(Message.organization_id == principal.org_id,
               Message.conversation_id == conversation_id)
        .order_by(Message.created_at.desc())
        .limit(MAX_MESSAGES)
    )  # fmt: skip
    history = [
        ChatMessage("user" if direction == "inbound" else "assistant", text)
        for direction, text in reversed(rows.all())
        if text
    ]
    if not history:
        raise BadInput("the conversation has no messages to summarize", code="empty_conversation")
    await session.commit()  # hand the connection back before the (possibly slow) model call
    if runtime.router is None:
        raise Retriable("the router is not running", retry_after=5)
    org = str(principal.org_id)
    context = TaskContext(org, "summarize", text=prompts.transcript(history, turns=MAX_MESSAGES))
    result = await runtime.router.complete(
        RouteRequest(org, "summarize", prompts.summarize_messages(context), context=context)
    )
    return {
        "conversation_id": str(conversation_id),
        "summary": result.completion.text,
        "provider": result.provider,
        "model": result.model_id,
        "cost_usd": result.cost_usd,
        "degraded": result.degraded,
        "reason": result.reason,
    }
