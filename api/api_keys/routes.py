"""/api/v1/api-keys: machine credentials of an organization, stored as SHA-256 hashes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status

from api.api_keys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from api.audit import record
from api.deps import ClientDep, Principal, RuntimeDep, SessionDep, require
from api.pagination import Cursor, Limit
from api.principals import forget_api_key
from api.schemas import ListResponse
from api.security.permissions import ALL
from api.security.tokens import new_api_key
from store.base import utcnow
from store.errors import BadInput, Forbidden
from store.pagination import paginate
from store.scoped import get_scoped, scoped
from store.tables import ApiKey

router = APIRouter(prefix="/api/v1/api-keys", tags=["api keys"])

CanRead = Annotated[Principal, Depends(require("read:api_keys"))]
CanWrite = Annotated[Principal, Depends(require("write:api_keys"))]


def _check_scopes(principal: Principal, scopes: list[str]) -> list[str]:
    unknown = sorted(set(scopes) - ALL)
    if unknown:
        raise BadInput(f"unknown scopes: {', '.join(unknown)}", details={"known": sorted(ALL)})
    beyond = sorted(set(scopes) - principal.permissions)
    if beyond:
        raise Forbidden(f"cannot grant scopes you do not hold: {', '.join(beyond)}")
    return sorted(set(scopes))


@router.get("", response_model=ListResponse[ApiKeyRead])
async def list_keys(
    principal: CanRead, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> ListResponse[ApiKeyRead]:
    page = await paginate(
        session,
        scoped(ApiKey, principal.org_id),
        sort_col=ApiKey.created_at,
        id_col=ApiKey.id,
        limit=limit,
        cursor=cursor,
    )
    return ListResponse(
        items=[ApiKeyRead.model_validate(k) for k in page.items], next_cursor=page.next_cursor
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ApiKeyCreated)
async def create_key(
    body: ApiKeyCreate, principal: CanWrite, session: SessionDep, client: ClientDep
) -> ApiKeyCreated:
    scopes = _check_scopes(principal, body.scopes)
    fresh = new_api_key()
    row = ApiKey(
        organization_id=principal.org_id,
        name=body.name,
        prefix=fresh.prefix,
        key_hash=fresh.key_hash,
        scopes=scopes,
        expires_at=body.expires_at,
        created_by_id=principal.user_id,
        created_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    record(
        session,
        principal,
        client,
        "api_key.create",
        row,
        details={"name": body.name, "scopes": scopes, "prefix": fresh.prefix},
    )
    await session.commit()
    return ApiKeyCreated(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        key=fresh.key,
        scopes=scopes,
        created_at=row.created_at,
    )


@router.get("/{key_id}", response_model=ApiKeyRead)
async def get_key(key_id: uuid.UUID, principal: CanRead, session: SessionDep) -> ApiKeyRead:
    return ApiKeyRead.model_validate(await get_scoped(session, ApiKey, principal.org_id, key_id))


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_key(
    key_id: uuid.UUID,
    principal: CanWrite,
    session: SessionDep,
    runtime: RuntimeDep,
    client: ClientDep,
) -> None:
    row = await get_scoped(session, ApiKey, principal.org_id, key_id, for_update=True)
    row.revoked_at = row.revoked_at or utcnow()
    record(session, principal, client, "api_key.revoke", row)
    await session.commit()
    await forget_api_key(runtime.redis, row.prefix)
