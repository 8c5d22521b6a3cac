"""Dependency aliases used in every route signature: session, runtime, principal, permission."""

from __future__ import annotations

import hmac
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.runtime import Runtime
from api.security.permissions import ALL, effective_permissions
from api.security.tokens import api_key_prefix, sha256_hex
from store.errors import Forbidden, Unauthorized
from store.tables import ApiKey, User

API_KEY_TOUCH_INTERVAL = timedelta(minutes=1)


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    async with runtime.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


@dataclass(frozen=True)
class ClientInfo:
    ip: str | None
    user_agent: str | None
    request_id: str | None


def client_info(request: Request) -> ClientInfo:
    ip = request.client.host if request.client else None
    trusted = request.app.state.runtime.settings.trusted_proxies
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded and ip in trusted:
        ip = forwarded.split(",")[0].strip()
    agent = request.headers.get("user-agent")
    return ClientInfo(
        ip=ip,
        user_agent=agent[:400] if agent else None,
        request_id=getattr(request.state, "request_id", None),
    )


ClientDep = Annotated[ClientInfo, Depends(client_info)]


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user (JWT) or a machine client (API key), always inside one org."""

    org_id: uuid.UUID
    permissions: frozenset[str]
    user_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    role: str | None = None

    def can(self, permission: str) -> bool:
        return permission in self.permissions


def _credential(request: Request) -> str:
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    raise Unauthorized("missing credentials: send a Bearer token or X-Api-Key")


async def _from_api_key(session: AsyncSession, key: str) -> Principal:
    prefix = api_key_prefix(key)
    row = None
    if prefix:
        row = (
            await session.execute(select(ApiKey).where(ApiKey.prefix == prefix))
        ).scalar_one_or_none()
    if row is None or not hmac.compare_digest(row.key_hash, sha256_hex(key)):
        raise Unauthorized("invalid API key", code="invalid_api_key")
    now = datetime.now(UTC)
    if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        raise Unauthorized("API key revoked or expired", code="invalid_api_key")
    if row.last_used_at is None or now - row.last_used_at > API_KEY_TOUCH_INTERVAL:
        await session.execute(update(ApiKey).where(ApiKey.id == row.id).values(last_used_at=now))
        await session.commit()
    return Principal(
        org_id=row.organization_id, permissions=frozenset(row.scopes) & ALL, api_key_id=row.id
    )


async def _from_jwt(runtime: Runtime, session: AsyncSession, token: str) -> Principal:
    claims = runtime.tokens.decode(token)
    if await runtime.redis.exists(f"revoked:jti:{claims['jti']}"):
        raise Unauthorized("access token revoked", code="token_revoked")
    try:
        user_id, org_id = uuid.UUID(claims["sub"]), uuid.UUID(claims["org"])
    except ValueError as exc:
        raise Unauthorized("invalid access token", code="invalid_token") from exc
    stmt = select(User.role, User.extra_permissions).where(
        User.id == user_id, User.organization_id == org_id, User.is_active.is_(True)
    )
    row = (await session.execute(stmt)).first()
    if row is None:
        raise Unauthorized("user is inactive or gone", code="invalid_token")
    # The database, not the token, is authoritative: role changes apply at once.
    perms = effective_permissions(row.role, row.extra_permissions)
    return Principal(org_id=org_id, permissions=perms, user_id=user_id, role=row.role)


async def current_principal(
    request: Request, runtime: RuntimeDep, session: SessionDep
) -> Principal:
    credential = _credential(request)
    if credential.startswith("sb_"):
        principal = await _from_api_key(session, credential)
    else:
        principal = await _from_jwt(runtime, session, credential)
    subject = str(principal.api_key_id or principal.user_id)
    await runtime.limiter.hit(runtime.settings.rate_limit_api, "api", subject)
    request.state.org_id = str(principal.org_id)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(permission: str) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency that admits only principals holding `permission`."""
    if permission not in ALL:
        raise ValueError(f"unknown permission {permission!r}")

    async def check(principal: CurrentPrincipal) -> Principal:
        if not principal.can(permission):
            raise Forbidden(f"missing permission {permission}", details={"required": permission})
        return principal

    check.__name__ = f"require_{permission.replace(':', '_')}"
    return check


async def current_user(principal: CurrentPrincipal, session: SessionDep) -> User:
    if principal.user_id is None:
        raise Forbidden("this endpoint needs a user, not an API key")
    user = await session.get(User, principal.user_id)
    if user is None:
        raise Unauthorized("user is gone")
    return user


CurrentUser = Annotated[User, Depends(current_user)]
