"""Dead letters: what the pipeline gave up on, with why; an admin may replay one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from api.audit import record
from api.deps import ClientDep, Principal, RuntimeDep, SessionDep, require
from api.schemas import ListResponse
from ingestion.pipeline.deadletter import list_dead_letters, replay
from store.errors import BadInput

router = APIRouter(prefix="/api/v1/deadletters", tags=["deadletters"])
CanManage = Annotated[Principal, Depends(require("admin:deadletters"))]


class DeadLetterRead(BaseModel):
    id: int
    subject: str
    error: str
    error_type: str
    deliveries: int
    failed_at: str
    message: dict[str, Any] | None


class ReplayResult(BaseModel):
    id: int
    status: str
    subject: str


def _cursor(raw: str | None) -> int:
    if raw is None:
        return 0
    if not raw.isdigit():
        raise BadInput("invalid cursor", code="invalid_cursor")
    return int(raw)


@router.get("", response_model=ListResponse[DeadLetterRead])
async def list_deadletters(
    principal: CanManage,
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> ListResponse[DeadLetterRead]:
    js = await runtime.jetstream()
    found = await list_dead_letters(js, principal.org_id, after_seq=_cursor(cursor), limit=limit)
    items = [DeadLetterRead(id=d.seq, **{k: v for k, v in vars(d).items() if k != "seq"})
             for d in found]  # fmt: skip
    next_cursor = str(found[-1].seq) if len(found) == limit else None
    return ListResponse(items=items, next_cursor=next_cursor)


@router.post("/{seq}/replay", response_model=ReplayResult)
async def replay_deadletter(
    seq: int, principal: CanManage, runtime: RuntimeDep, session: SessionDep, client: ClientDep
) -> ReplayResult:
    js = await runtime.jetstream()
    subject = await replay(js, principal.org_id, seq)
    record(
        session, principal, client, "deadletter.replay", details={"seq": seq, "subject": subject}
    )
    await session.commit()
    return ReplayResult(id=seq, status="replayed", subject=subject)
