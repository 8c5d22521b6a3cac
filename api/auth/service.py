"""Registration, login, rotating refresh tokens with reuse detection, invitations, logout."""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import Actor, record
from api.auth.schemas import RegisterRequest, TokenPair
from api.deps import ClientInfo
from api.runtime import Runtime
from api.security.permissions import Role, effective_permissions
from api.security.tokens import new_opaque_token, sha256_hex
from store.errors import Conflict, Unauthorized
from store.tables import Invitation, Organization, RefreshToken, User
from workflows.defaults import default_workflows


def slugify(name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "org"
    return f"{base}-{secrets.token_hex(3)}"


async def email_taken(session: AsyncSession, email: str) -> bool:
    stmt = select(User.id).where(func.lower(User.email) == email.lower()).limit(1)
    return (await session.execute(stmt)).first() is not None


async def register(
    session: AsyncSession, *, runtime: Runtime, body: RegisterRequest, client: ClientInfo
) -> tuple[User, Organization, TokenPair]:
    if await email_taken(session, body.email):
        raise Conflict("an account with this email already exists", code="email_taken")
    org = Organization(name=body.organization_name, slug=slugify(body.organization_name))
    session.add(org)
    await session.flush()
    user = User(
        organization_id=org.id,
        email=body.email.lower(),
        name=body.name,
        password_hash=await runtime.passwords.hash_async(body.password),
        role=Role.ADMIN,
        last_login_at=datetime.now(UTC),
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent registration won the unique index
        raise Conflict("an account with this email already exists", code="email_taken") from exc
    session.add_all(default_workflows(org.id, user.id))
    pair = await _issue(session, runtime=runtime, user=user, client=client, family=uuid.uuid4())
    record(session, Actor(org.id, user.id), client, "organization.register", org)
    await session.commit()
    return user, org, pair


async def login(
    session: AsyncSession, *, runtime: Runtime, email: str, password: str, client: ClientInfo
) -> TokenPair:
    stmt = select(User).where(func.lower(User.email) == email.lower().strip())
    user = (await session.execute(stmt)).scalar_one_or_none()
    ok = await runtime.passwords.verify_async(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        raise Unauthorized("invalid email or password", code="invalid_credentials")
    user.last_login_at = datetime.now(UTC)
    pair = await _issue(session, runtime=runtime, user=user, client=client, family=uuid.uuid4())
    record(session, Actor(user.organization_id, user.id), client, "auth.login", user)
    await session.commit()
    return pair


async def refresh(
    session: AsyncSession, *, runtime: Runtime, token: str, client: ClientInfo
) -> TokenPair:
    """Rotate: the presented token dies; presenting a dead one revokes its whole family."""
    stmt = (
        select(RefreshToken).where(RefreshToken.token_hash == sha256_hex(token)).with_for_update()
    )
    row = (await session.execute(stmt)).scalar_one_or_none()
    now = datetime.now(UTC)
    if row is None:
        raise Unauthorized("invalid refresh token", code="invalid_refresh_token")
    user = await session.get(User, row.user_id)
    if row.rotated_at is not None or row.revoked_at is not None:
        await revoke_family(session, row.family_id, now)
        record(
            session,
            Actor(row.organization_id, row.user_id),
            client,
            "auth.refresh_reuse_detected",
            user,
        )
        await session.commit()
        raise Unauthorized("refresh token reuse detected; sign in again", code="token_reused")
    if row.expires_at <= now or user is None or not user.is_active:
        raise Unauthorized("refresh token expired", code="invalid_refresh_token")
    row.rotated_at = now
    pair = await _issue(session, runtime=runtime, user=user, client=client, family=row.family_id)
    await session.commit()
    return pair


async def revoke_family(session: AsyncSession, family_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def logout(
    session: AsyncSession,
    *,
    runtime: Runtime,
    user: User,
    claims_jti: str | None,
    refresh_token: str | None,
    client: ClientInfo,
) -> None:
    now = datetime.now(UTC)
    if refresh_token:
        stmt = select(RefreshToken).where(RefreshToken.token_hash == sha256_hex(refresh_token))
        row = (await session.execute(stmt)).scalar_one_or_none()
        if row is not None and row.user_id == user.id:
            await revoke_family(session, row.family_id, now)
    if claims_jti:
        await runtime.redis.set(f"revoked:jti:{claims_jti}", "1", ex=runtime.tokens.ttl_s + 60)
    record(session, Actor(user.organization_id, user.id), client, "auth.logout", user)
    await session.commit()


async def accept_invitation(
    session: AsyncSession,
    *,
    runtime: Runtime,
    token: str,
    password: str,
    name: str | None,
    client: ClientInfo,
) -> tuple[User, TokenPair]:
    stmt = select(Invitation).where(Invitation.token_hash == sha256_hex(token)).with_for_update()
    invitation = (await session.execute(stmt)).scalar_one_or_none()
    now = datetime.now(UTC)
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= now:
        raise Unauthorized("invitation is invalid, used or expired", code="invalid_invitation")
    user = await session.get(User, invitation.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("invitation is invalid, used or expired", code="invalid_invitation")
    user.password_hash = await runtime.passwords.hash_async(password)
    user.name = name or user.name
    user.last_login_at = now
    invitation.accepted_at = now
    pair = await _issue(session, runtime=runtime, user=user, client=client, family=uuid.uuid4())
    record(session, Actor(user.organization_id, user.id), client, "user.accept_invitation", user)
    await session.commit()
    return user, pair


async def create_invitation(
    session: AsyncSession, *, runtime: Runtime, user: User, created_by: uuid.UUID | None
) -> str:
    token = new_opaque_token("inv")
    session.add(
        Invitation(
            organization_id=user.organization_id,
            user_id=user.id,
            token_hash=sha256_hex(token),
            expires_at=datetime.now(UTC) + timedelta(seconds=runtime.settings.invitation_ttl_s),
            created_by_id=created_by,
        )
    )
    return token


async def _issue(
    session: AsyncSession, *, runtime: Runtime, user: User, client: ClientInfo, family: uuid.UUID
) -> TokenPair:
    refresh_token = new_opaque_token("rt")
    session.add(
        RefreshToken(
            organization_id=user.organization_id,
            user_id=user.id,
            family_id=family,
            token_hash=sha256_hex(refresh_token),
            expires_at=datetime.now(UTC) + timedelta(seconds=runtime.settings.refresh_token_ttl_s),
            ip=client.ip,
            user_agent=client.user_agent,
        )
    )
    access = runtime.tokens.issue(
        user_id=user.id,
        org_id=user.organization_id,
        role=user.role,
        permissions=effective_permissions(user.role, user.extra_permissions),
    )
    return TokenPair(
        access_token=access, refresh_token=refresh_token, expires_in=runtime.tokens.ttl_s
    )
