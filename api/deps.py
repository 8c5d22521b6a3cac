"""Dependency aliases used in every route signature: session, runtime, principal, permission."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from api import principals
from api.principals import Principal
from api.runtime import Runtime
from api.security.permissions import ALL
from store.errors import Forbidden, Unauthorized
from store.tables import User

__all__ = ["Principal"]


# Dependencies are async on purpose: FastAPI runs sync ones in a thread pool (a costly hop).
async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.runtime.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


@dataclass(frozen=True)
class ClientInfo:
    ip: str | None
    user_agent: str | None
    request_id: str | None


async def client_info(request: Request) -> ClientInfo:
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


def _credential(request: Request) -> str:
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    raise Unauthorized("missing credentials: send a Bearer token or X-Api-Key")


async def current_principal(request: Request, session: SessionDep) -> Principal:
    # The runtime straight from app state: one dependency node less on every request.
    runtime: Runtime = request.app.state.runtime
    bucket = "llm" if request.url.path.startswith("/v1/") else "api"
    principal = await principals.resolve(runtime, session, _credential(request), bucket=bucket)
    request.state.org_id = str(principal.org_id)
    if session.in_transaction():
        # A cache miss read the database: hand the connection back now, not after the
        # response (a proxied LLM call can take seconds; connections are scarce).
        await session.commit()
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
