"""POST /api/v1/inbound/{integration_id}: the generic API channel. 202 once JetStream has it."""

from __future__ import annotations

import time
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status
from sqlalchemy import select

from api.deps import Principal, RuntimeDep, SessionDep, require
from api.inbound.schemas import InboundAccepted, InboundCreate
from ingestion.contract import InboundMessage, Party
from ingestion.streams import publish
from store.errors import BadInput, NotFound
from store.tables import Integration

router = APIRouter(prefix="/api/v1/inbound", tags=["inbound"])
CanPostInbound = Annotated[Principal, Depends(require("inbound"))]
CACHE_TTL_S = 10.0
_INTEGRATIONS: dict[uuid.UUID, tuple[float, uuid.UUID, str, str]] = {}


async def _check_integration(
    session: SessionDep, org_id: uuid.UUID, integration_id: uuid.UUID
) -> None:
    cached = _INTEGRATIONS.get(integration_id)
    if cached is None or time.monotonic() - cached[0] > CACHE_TTL_S:
        row = (
            await session.execute(
                select(Integration.organization_id, Integration.type, Integration.status).where(
                    Integration.id == integration_id
                )
            )
        ).first()
        if row is None:
            raise NotFound("integration not found")
        cached = (time.monotonic(), row[0], row[1], row[2])
        _INTEGRATIONS[integration_id] = cached
    _, owner, kind, state = cached
    if owner != org_id:
        raise NotFound("integration not found")
    if kind != "api":
        raise BadInput(f"integration is of type {kind!r}; only 'api' integrations accept posts")
    if state != "active":
        raise BadInput("integration is paused", code="integration_paused")


@router.post(
    "/{integration_id}",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=InboundAccepted,
    summary="Post one inbound message; answered once it is durably queued",
)
async def post_inbound(
    integration_id: uuid.UUID,
    body: InboundCreate,
    principal: CanPostInbound,
    runtime: RuntimeDep,
    session: SessionDep,
) -> InboundAccepted:
    await _check_integration(session, principal.org_id, integration_id)
    message = InboundMessage(
        organization_id=principal.org_id,
        integration_id=integration_id,
        channel="api",
        external_id=body.external_id,
        thread_key=body.thread_id,
        sender=Party(email=body.from_.email, phone=body.from_.phone, name=body.from_.name),
        subject=body.subject,
        text=body.text,
        html=body.html,
        metadata=body.metadata,
        **({"received_at": body.received_at} if body.received_at else {}),
    )
    js = await runtime.jetstream()
    await publish(js, message.subject_name(), message.model_dump_json().encode(),
                  msg_id=message.nats_msg_id())  # fmt: skip
    return InboundAccepted(external_id=body.external_id)
