"""/api/v1/auth: register, token, refresh, logout, accept-invitation; and /api/v1/me."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from api.auth import service
from api.auth.schemas import (
    AcceptInvitationRequest,
    LogoutRequest,
    MeResponse,
    RefreshRequest,
    RegisterRequest,
    RegisterResponse,
    TokenPair,
)
from api.deps import ClientDep, CurrentPrincipal, CurrentUser, RuntimeDep, SessionDep
from api.organizations.schemas import OrganizationRead
from api.users.schemas import UserRead
from store.errors import BadInput
from store.tables import Organization

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
me_router = APIRouter(prefix="/api/v1", tags=["auth"])

PasswordForm = Annotated[OAuth2PasswordRequestForm, Depends()]


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=RegisterResponse)
async def register(
    body: RegisterRequest, session: SessionDep, runtime: RuntimeDep, client: ClientDep
) -> RegisterResponse:
    await runtime.limiter.hit(runtime.settings.rate_limit_register, "register", client.ip or "-")
    user, org, pair = await service.register(session, runtime=runtime, body=body, client=client)
    return RegisterResponse(
        user=UserRead.model_validate(user),
        organization=OrganizationRead.model_validate(org),
        **pair.model_dump(),
    )


@router.post("/token", response_model=TokenPair)
async def token(
    form: PasswordForm, session: SessionDep, runtime: RuntimeDep, client: ClientDep
) -> TokenPair:
    """OAuth2 password grant: `username` is the email."""
    if not form.username or not form.password or len(form.password) > 256:
        raise BadInput("username and password are required", code="invalid_request")
    limits = runtime.settings
    await runtime.limiter.hit(limits.rate_limit_login_ip, "login-ip", client.ip or "-")
    await runtime.limiter.hit(
        limits.rate_limit_login, "login", client.ip or "-", form.username.lower()
    )
    return await service.login(
        session, runtime=runtime, email=form.username, password=form.password, client=client
    )


@router.post("/refresh", response_model=TokenPair)
async def refresh(
    body: RefreshRequest, session: SessionDep, runtime: RuntimeDep, client: ClientDep
) -> TokenPair:
    await runtime.limiter.hit(runtime.settings.rate_limit_login_ip, "refresh", client.ip or "-")
    return await service.refresh(session, runtime=runtime, token=body.refresh_token, client=client)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    runtime: RuntimeDep,
    client: ClientDep,
    body: LogoutRequest | None = None,
) -> None:
    bearer = request.headers.get("authorization", "").partition(" ")[2].strip()
    jti = (
        runtime.tokens.decode(bearer).get("jti")
        if bearer and not bearer.startswith("sb_")
        else None
    )
    await service.logout(
        session,
        runtime=runtime,
        user=user,
        claims_jti=jti,
        refresh_token=body.refresh_token if body else None,
        client=client,
    )


@router.post("/accept-invitation", response_model=RegisterResponse)
async def accept_invitation(
    body: AcceptInvitationRequest, session: SessionDep, runtime: RuntimeDep, client: ClientDep
) -> RegisterResponse:
    await runtime.limiter.hit(runtime.settings.rate_limit_login_ip, "invite", client.ip or "-")
    user, pair = await service.accept_invitation(
        session,
        runtime=runtime,
        token=body.token,
        password=body.password,
        name=body.name,
        client=client,
    )
    org = await session.get(Organization, user.organization_id)
    return RegisterResponse(
        user=UserRead.model_validate(user),
        organization=OrganizationRead.model_validate(org),
        **pair.model_dump(),
    )


@me_router.get("/me", response_model=MeResponse)
async def me(user: CurrentUser, principal: CurrentPrincipal, session: SessionDep) -> MeResponse:
    org = await session.get(Organization, user.organization_id)
    return MeResponse(
        user=UserRead.model_validate(user),
        organization=OrganizationRead.model_validate(org),
        permissions=sorted(principal.permissions),
    )
