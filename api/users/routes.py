"""/api/v1/users: admins manage the people of their organization."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status

from api.deps import ClientDep, Principal, RuntimeDep, SessionDep, require
from api.pagination import Cursor, Limit, Search
from api.schemas import ListResponse
from api.users import service
from api.users.schemas import UserCreate, UserCreated, UserRead, UserUpdate
from store.scoped import get_scoped
from store.tables import User

router = APIRouter(prefix="/api/v1/users", tags=["users"])

CanRead = Annotated[Principal, Depends(require("read:users"))]
CanWrite = Annotated[Principal, Depends(require("write:users"))]


@router.get("", response_model=ListResponse[UserRead])
async def list_users(
    principal: CanRead,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    q: Search = None,
) -> ListResponse[UserRead]:
    page = await service.list_users(
        session, org_id=principal.org_id, q=q, limit=limit, cursor=cursor
    )
    return ListResponse(
        items=[UserRead.model_validate(u) for u in page.items], next_cursor=page.next_cursor
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=UserCreated)
async def create_user(
    body: UserCreate,
    principal: CanWrite,
    session: SessionDep,
    runtime: RuntimeDep,
    client: ClientDep,
) -> UserCreated:
    """Without a password the user gets an invitation token to set one."""
    user, token = await service.create_user(
        session, runtime=runtime, principal=principal, body=body, client=client
    )
    created = UserCreated.model_validate(user)
    if token:
        base = (
            runtime.settings.public_url or f"http://{runtime.settings.host}:{runtime.settings.port}"
        )
        created.invitation_token = token
        created.invitation_url = f"{base}/accept-invitation?token={token}"
    return created


@router.get("/{user_id}", response_model=UserRead)
async def get_user(user_id: uuid.UUID, principal: CanRead, session: SessionDep) -> UserRead:
    return UserRead.model_validate(await get_scoped(session, User, principal.org_id, user_id))


@router.patch("/{user_id}", response_model=UserRead)
async def update_user(
    user_id: uuid.UUID,
    body: UserUpdate,
    principal: CanWrite,
    session: SessionDep,
    runtime: RuntimeDep,
    client: ClientDep,
) -> UserRead:
    user = await service.update_user(
        session, redis=runtime.redis, principal=principal, user_id=user_id, body=body, client=client
    )
    return UserRead.model_validate(user)


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def deactivate_user(
    user_id: uuid.UUID,
    principal: CanWrite,
    session: SessionDep,
    runtime: RuntimeDep,
    client: ClientDep,
) -> None:
    """Users are deactivated, not erased: their history and audit trail stay."""
    await service.deactivate_user(
        session, redis=runtime.redis, principal=principal, user_id=user_id, client=client
    )
