"""/api/v1/conversations (with their messages) and /api/v1/messages/{id}."""

from __future__ import annotations

import uuid
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Query, Response, status

from api.audit import record
from api.conversations import service
from api.conversations.schemas import (
    ConversationCreate,
    ConversationRead,
    ConversationUpdate,
    MessageCreate,
    MessageRead,
    Priority,
    Status,
)
from api.deps import ClientDep, Principal, RuntimeDep, SessionDep, require
from api.pagination import Cursor, Limit, Search
from api.schemas import ListResponse
from store.scoped import get_scoped
from store.tables import Conversation, Message

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])
messages_router = APIRouter(prefix="/api/v1/messages", tags=["conversations"])

CanRead = Annotated[Principal, Depends(require("read:conversations"))]
CanWrite = Annotated[Principal, Depends(require("write:conversations"))]
CanReadMessages = Annotated[Principal, Depends(require("read:messages"))]
CanWriteMessages = Annotated[Principal, Depends(require("write:messages"))]
CanErase = Annotated[Principal, Depends(require("write:organization"))]
Assignee = Annotated[
    str | None,
    Query(pattern=r"^(me|none|[0-9a-fA-F-]{36})$", description="a user id, 'me' or 'none'"),
]
Label = Annotated[str | None, Query(max_length=80)]


@router.get("", response_model=ListResponse[ConversationRead])
async def list_conversations(
    principal: CanRead,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    q: Search = None,
    status: Status | None = None,
    priority: Priority | None = None,
    category: Label = None,
    intent: Label = None,
    channel: Label = None,
    assignee: Assignee = None,
    contact_id: uuid.UUID | None = None,
) -> Response:
    filters = service.ConversationFilters(
        status=status,
        priority=priority,
        category=category,
        intent=intent,
        channel=channel,
        assignee=assignee,
        contact_id=contact_id,
        q=q,
    )
    page = await service.list_conversations(
        session, principal=principal, filters=filters, limit=limit, cursor=cursor
    )
    # The inbox's hottest read: PostgreSQL renders each row as JSON text (listing.py), spliced
    # here with no ORM or model round trip.
    body = '{"items":[' + ",".join(page.items) + '],"next_cursor":'
    body += orjson.dumps(page.next_cursor).decode() + "}"
    return Response(body, media_type="application/json")


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ConversationRead)
async def create_conversation(
    body: ConversationCreate, principal: CanWrite, session: SessionDep, client: ClientDep
) -> ConversationRead:
    row = await service.create_conversation(session, principal=principal, body=body, client=client)
    return ConversationRead.model_validate(row)


@router.get("/{conversation_id}", response_model=ConversationRead)
async def get_conversation(
    conversation_id: uuid.UUID, principal: CanRead, session: SessionDep
) -> ConversationRead:
    row = await get_scoped(session, Conversation, principal.org_id, conversation_id)
    return ConversationRead.model_validate(row)


@router.patch("/{conversation_id}", response_model=ConversationRead)
async def update_conversation(
    conversation_id: uuid.UUID,
    body: ConversationUpdate,
    principal: CanWrite,
    session: SessionDep,
    client: ClientDep,
) -> ConversationRead:
    row = await service.update_conversation(
        session, principal=principal, conversation_id=conversation_id, body=body, client=client
    )
    return ConversationRead.model_validate(row)


@router.delete("/{conversation_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_conversation(
    conversation_id: uuid.UUID, principal: CanErase, session: SessionDep, client: ClientDep
) -> None:
    """Admins only: erases the conversation and its messages (e.g. a data-subject request)."""
    row = await get_scoped(session, Conversation, principal.org_id, conversation_id)
    await session.delete(row)
    record(session, principal, client, "conversation.delete", row)
    await session.commit()


@router.get("/{conversation_id}/messages", response_model=ListResponse[MessageRead])
async def list_messages(
    conversation_id: uuid.UUID,
    principal: CanReadMessages,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ListResponse[MessageRead]:
    page = await service.list_messages(
        session, principal=principal, conversation_id=conversation_id, limit=limit, cursor=cursor
    )
    return ListResponse(
        items=[MessageRead.model_validate(m) for m in page.items], next_cursor=page.next_cursor
    )


@router.post(
    "/{conversation_id}/messages", status_code=status.HTTP_201_CREATED, response_model=MessageRead
)
async def add_message(
    conversation_id: uuid.UUID,
    body: MessageCreate,
    principal: CanWriteMessages,
    session: SessionDep,
    client: ClientDep,
    runtime: RuntimeDep,
) -> MessageRead:
    message = await service.add_outbound(
        session,
        principal=principal,
        conversation_id=conversation_id,
        body=body,
        client=client,
        box=runtime.secret_box,
    )
    return MessageRead.model_validate(message)


@messages_router.get("/{message_id}", response_model=MessageRead)
async def get_message(
    message_id: uuid.UUID, principal: CanReadMessages, session: SessionDep
) -> MessageRead:
    return MessageRead.model_validate(
        await get_scoped(session, Message, principal.org_id, message_id)
    )
