"""/api/v1/integrations and the connector catalogue /api/v1/connectors."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from api.deps import ClientDep, CurrentPrincipal, Principal, RuntimeDep, SessionDep, require
from api.integrations import service
from api.integrations.schemas import (
    ConnectorRead,
    IntegrationCreate,
    IntegrationRead,
    IntegrationTestResult,
    IntegrationUpdate,
)
from api.pagination import Cursor, Limit
from api.schemas import ListResponse
from api.webhooks.routes import forget_integration
from ingestion.connectors.registry import catalogue
from store.pagination import paginate
from store.scoped import get_scoped, scoped
from store.tables import Integration

router = APIRouter(prefix="/api/v1/integrations", tags=["integrations"])
connectors_router = APIRouter(prefix="/api/v1/connectors", tags=["integrations"])

CanRead = Annotated[Principal, Depends(require("read:integrations"))]
CanWrite = Annotated[Principal, Depends(require("write:integrations"))]


@connectors_router.get("", response_model=ListResponse[ConnectorRead])
async def list_connectors(_: CurrentPrincipal) -> ListResponse[ConnectorRead]:
    items = [
        ConnectorRead(
            type=s.slug,
            name=s.name,
            kind=s.kind,
            auth_type=s.auth_type,
            capabilities=sorted(s.capabilities),
            description=s.description,
            config_schema=s.config_schema(),
        )
        for s in catalogue()
    ]
    return ListResponse(items=items)


@router.get("", response_model=ListResponse[IntegrationRead])
async def list_integrations(
    principal: CanRead,
    session: SessionDep,
    runtime: RuntimeDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    type: str | None = Query(default=None, max_length=40),
) -> ListResponse[IntegrationRead]:
    stmt = scoped(Integration, principal.org_id)
    if type:
        stmt = stmt.where(Integration.type == type)
    page = await paginate(
        session,
        stmt,
        sort_col=Integration.created_at,
        id_col=Integration.id,
        limit=limit,
        cursor=cursor,
    )
    return ListResponse(
        items=[service.to_read(r, runtime.secret_box) for r in page.items],
        next_cursor=page.next_cursor,
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=IntegrationRead)
async def create_integration(
    body: IntegrationCreate,
    principal: CanWrite,
    session: SessionDep,
    runtime: RuntimeDep,
    client: ClientDep,
) -> IntegrationRead:
    row = await service.create(
        session, box=runtime.secret_box, principal=principal, body=body, client=client
    )
    return service.to_read(row, runtime.secret_box)


@router.get("/{integration_id}", response_model=IntegrationRead)
async def get_integration(
    integration_id: uuid.UUID, principal: CanRead, session: SessionDep, runtime: RuntimeDep
) -> IntegrationRead:
    row = await get_scoped(session, Integration, principal.org_id, integration_id)
    return service.to_read(row, runtime.secret_box)


@router.patch("/{integration_id}", response_model=IntegrationRead)
async def update_integration(
    integration_id: uuid.UUID,
    body: IntegrationUpdate,
    principal: CanWrite,
    session: SessionDep,
    runtime: RuntimeDep,
    client: ClientDep,
) -> IntegrationRead:
    row = await service.update(
        session,
        box=runtime.secret_box,
        principal=principal,
        integration_id=integration_id,
        body=body,
        client=client,
    )
    forget_integration(integration_id)  # the webhook route's decrypted copy is stale now
    return service.to_read(row, runtime.secret_box)


@router.post("/{integration_id}/test", response_model=IntegrationTestResult)
async def test_integration(
    integration_id: uuid.UUID,
    principal: CanWrite,
    session: SessionDep,
    runtime: RuntimeDep,
    client: ClientDep,
) -> IntegrationTestResult:
    """Checks the integration's config and credentials with its connector (a failed check is
    `ok: false`, not an error) and records the outcome in its `health`."""
    return await service.test_connection(
        session,
        box=runtime.secret_box,
        principal=principal,
        integration_id=integration_id,
        client=client,
    )


@router.delete("/{integration_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_integration(
    integration_id: uuid.UUID, principal: CanWrite, session: SessionDep, client: ClientDep
) -> None:
    await service.delete(session, principal=principal, integration_id=integration_id, client=client)
    forget_integration(integration_id)
