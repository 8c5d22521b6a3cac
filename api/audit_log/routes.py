"""/api/v1/audit-log: admins read who did what, when and from where."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.deps import Principal, SessionDep, require
from api.pagination import Cursor, Limit
from api.schemas import ListResponse, ReadModel
from store.pagination import paginate
from store.scoped import scoped
from store.tables import AuditLog

router = APIRouter(prefix="/api/v1/audit-log", tags=["audit"])

CanRead = Annotated[Principal, Depends(require("read:audit"))]


class AuditEntryRead(ReadModel):
    id: uuid.UUID
    actor_user_id: uuid.UUID | None
    actor_api_key_id: uuid.UUID | None
    action: str
    target_type: str | None
    target_id: str | None
    details: dict[str, Any]
    ip: str | None
    user_agent: str | None
    request_id: str | None
    created_at: datetime


@router.get("", response_model=ListResponse[AuditEntryRead])
async def list_audit(
    principal: CanRead,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    action: str | None = Query(default=None, max_length=80),
    actor_user_id: uuid.UUID | None = None,
) -> ListResponse[AuditEntryRead]:
    stmt = scoped(AuditLog, principal.org_id)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    if actor_user_id:
        stmt = stmt.where(AuditLog.actor_user_id == actor_user_id)
    page = await paginate(
        session, stmt, sort_col=AuditLog.created_at, id_col=AuditLog.id, limit=limit, cursor=cursor
    )
    return ListResponse(
        items=[AuditEntryRead.model_validate(a) for a in page.items], next_cursor=page.next_cursor
    )
