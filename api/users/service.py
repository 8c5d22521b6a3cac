"""Users of an organization: add (with password or invitation), update roles, deactivate."""

from __future__ import annotations

import uuid

from redis.asyncio import Redis
from sqlalchemy import func, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import record
from api.auth.service import create_invitation, email_taken
from api.deps import ClientInfo, Principal
from api.principals import forget_user
from api.runtime import Runtime
from api.security.permissions import Role
from api.users.schemas import UserCreate, UserUpdate, check_grants
from store.base import utcnow
from store.errors import BadInput, Conflict
from store.pagination import Page, paginate
from store.scoped import get_scoped, scoped
from store.tables import RefreshToken, User


async def list_users(
    session: AsyncSession, *, org_id: uuid.UUID, q: str | None, limit: int, cursor: str | None
) -> Page[User]:
    stmt = scoped(User, org_id)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(func.lower(User.email).like(like), func.lower(User.name).like(like)))
    return await paginate(
        session, stmt, sort_col=User.created_at, id_col=User.id, limit=limit, cursor=cursor
    )


async def create_user(
    session: AsyncSession,
    *,
    runtime: Runtime,
    principal: Principal,
    body: UserCreate,
    client: ClientInfo,
) -> tuple[User, str | None]:
    if await email_taken(session, body.email):
        raise Conflict("a user with this email already exists", code="email_taken")
    user = User(
        organization_id=principal.org_id,
        email=body.email.lower(),
        name=body.name,
        role=body.role,
        extra_permissions=check_grants(body.extra_permissions),
        password_hash=await runtime.passwords.hash_async(body.password) if body.password else None,
    )
    session.add(user)
    await session.flush()
    invitation = None
    if body.password is None:
        invitation = await create_invitation(
            session, runtime=runtime, user=user, created_by=principal.user_id
        )
    record(
        session,
        principal,
        client,
        "user.create",
        user,
        details={"role": body.role, "email": user.email},
    )
    await session.commit()
    return user, invitation


async def update_user(
    session: AsyncSession,
    *,
    redis: Redis,
    principal: Principal,
    user_id: uuid.UUID,
    body: UserUpdate,
    client: ClientInfo,
) -> User:
    user = await get_scoped(session, User, principal.org_id, user_id, for_update=True)
    changes = body.model_dump(exclude_unset=True)
    if user.id == principal.user_id and (
        changes.get("role", Role.ADMIN) != Role.ADMIN or changes.get("is_active") is False
    ):
        raise BadInput("you cannot demote or deactivate yourself", code="self_lockout")
    if "extra_permissions" in changes:
        changes["extra_permissions"] = check_grants(changes["extra_permissions"] or [])
    for field, value in changes.items():
        setattr(user, field, value)
    if changes.get("is_active") is False:
        await _revoke_sessions(session, user.id)
    record(session, principal, client, "user.update", user, details={"fields": sorted(changes)})
    await session.commit()
    await forget_user(redis, user.id)
    return user


async def deactivate_user(
    session: AsyncSession,
    *,
    redis: Redis,
    principal: Principal,
    user_id: uuid.UUID,
    client: ClientInfo,
) -> None:
    user = await get_scoped(session, User, principal.org_id, user_id, for_update=True)
    if user.id == principal.user_id:
        raise BadInput("you cannot deactivate yourself", code="self_lockout")
    user.is_active = False
    await _revoke_sessions(session, user.id)
    record(session, principal, client, "user.deactivate", user)
    await session.commit()
    await forget_user(redis, user.id)


async def _revoke_sessions(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
