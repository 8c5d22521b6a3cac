"""/api/v1/messages/{id}/labels and /api/v1/labels: agents' corrections of the classification."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from api.deps import ClientDep, Principal, SessionDep, require
from api.labels import service
from api.labels.schemas import LabelCreate, LabelList, LabelRead
from api.pagination import Cursor, Limit
from api.schemas import ListResponse
from training.export import Head

# One router for both paths, so the registry gets one entry.
router = APIRouter(prefix="/api/v1", tags=["labels"])

CanRead = Annotated[Principal, Depends(require("read:messages"))]
CanLabel = Annotated[Principal, Depends(require("write:labels"))]
Label = Annotated[str | None, Query(min_length=1, max_length=80, description="the new label")]


@router.post(
    "/messages/{message_id}/labels", status_code=status.HTTP_201_CREATED, response_model=LabelRead
)
async def add_label(
    message_id: uuid.UUID,
    body: LabelCreate,
    principal: CanLabel,
    session: SessionDep,
    client: ClientDep,
) -> LabelRead:
    """Correct one head of an inbound message, or confirm it by sending the model's label."""
    row = await service.add_label(
        session, principal=principal, message_id=message_id, body=body, client=client
    )
    return LabelRead.model_validate(row)


@router.get("/messages/{message_id}/labels", response_model=LabelList)
async def list_message_labels(
    message_id: uuid.UUID, principal: CanRead, session: SessionDep
) -> LabelList:
    rows = await service.list_message_labels(session, principal=principal, message_id=message_id)
    return LabelList(items=[LabelRead.model_validate(r) for r in rows])


@router.get("/labels", response_model=ListResponse[LabelRead])
async def list_labels(
    principal: CanRead,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    head: Head | None = None,
    label: Label = None,
) -> ListResponse[LabelRead]:
    filters = service.LabelFilters(head=head, label=label)
    page = await service.list_labels(
        session, principal=principal, filters=filters, limit=limit, cursor=cursor
    )
    return ListResponse(
        items=[LabelRead.model_validate(r) for r in page.items], next_cursor=page.next_cursor
    )
