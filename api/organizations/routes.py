"""/api/v1/organization: the caller's own organization."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.audit import record
from api.deps import ClientDep, CurrentPrincipal, Principal, SessionDep, require
from api.organizations.schemas import OrganizationRead, OrganizationUpdate
from store.tables import Organization

router = APIRouter(prefix="/api/v1/organization", tags=["organization"])

CanWrite = Annotated[Principal, Depends(require("write:organization"))]


@router.get("", response_model=OrganizationRead)
async def get_organization(principal: CurrentPrincipal, session: SessionDep) -> OrganizationRead:
    return OrganizationRead.model_validate(await session.get(Organization, principal.org_id))


@router.patch("", response_model=OrganizationRead)
async def update_organization(
    body: OrganizationUpdate, principal: CanWrite, session: SessionDep, client: ClientDep
) -> OrganizationRead:
    org = await session.get(Organization, principal.org_id, with_for_update=True)
    assert org is not None
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if "settings" in changes:
        changes["settings"] = {**org.settings, **changes["settings"]}
    for field, value in changes.items():
        setattr(org, field, value)
    record(
        session, principal, client, "organization.update", org, details={"fields": sorted(changes)}
    )
    await session.commit()
    return OrganizationRead.model_validate(org)
