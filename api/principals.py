"""Who is calling, resolved with one Redis round trip on the hot path.

A request's credential check, revocation check, rate-limit hit and (usually) the principal itself
come from one pipelined Redis exchange; PostgreSQL is asked only on a cache miss. Writes that
change a principal (role, grants, deactivation, key revocation) drop its cache entry, and entries
live at most CACHE_TTL_S anyway.
"""

from __future__ import annotations

import hmac
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from redis.asyncio import Redis
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.runtime import Runtime
from api.security.permissions import ALL, effective_permissions
from api.security.tokens import api_key_prefix, sha256_hex
from store.errors import Unauthorized
from store.tables import ApiKey, User

CACHE_TTL_S = 30
TOUCH_INTERVAL_S = 60
_TOUCHED: dict[uuid.UUID, float] = {}  # key id -> when this process last asked Redis to touch it


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


def _user_key(user_id: uuid.UUID | str) -> str:
    return f"principal:user:{user_id}"


def _api_key_key(prefix: str) -> str:
    return f"principal:key:{prefix}"


async def forget_user(redis: Redis, user_id: uuid.UUID) -> None:
    await redis.delete(_user_key(user_id))


async def forget_api_key(redis: Redis, prefix: str) -> None:
    await redis.delete(_api_key_key(prefix))


async def resolve(
    runtime: Runtime, session: AsyncSession, credential: str, *, bucket: str = "api"
) -> Principal:
    """Authenticate `credential` (a JWT or an `sb_` API key) and count it against the limit of
    `bucket`: `api` (RATE_LIMIT_API) or `llm` (RATE_LIMIT_LLM, the OpenAI-compatible routes,
    whose spend the budgets already bound)."""
    if credential.startswith("sb_"):
        return await _api_key(runtime, session, credential, bucket)
    return await _jwt(runtime, session, credential, bucket)


async def _exchange(
    runtime: Runtime, subject: str, cache_key: str, revoked_key: str | None, bucket: str
) -> tuple[Any, bool]:
    """One pipelined round trip: the cached principal, whether `revoked_key` exists, and the
    rate-limit hit."""
    pipe = runtime.redis.pipeline(transaction=True)  # MULTI: the window's SET NX + INCR atomic
    pipe.get(cache_key)
    if revoked_key:
        pipe.exists(revoked_key)
    rate = runtime.settings.rate_limit_llm if bucket == "llm" else runtime.settings.rate_limit_api
    limit = runtime.limiter.stage(pipe, rate, bucket, subject)
    results = await pipe.execute()
    if limit is not None:
        limit.check(results[-1])
    return results[0], bool(revoked_key) and bool(results[1])


async def _jwt(runtime: Runtime, session: AsyncSession, token: str, bucket: str) -> Principal:
    claims = runtime.tokens.decode(token)
    try:
        user_id, org_id = uuid.UUID(claims["sub"]), uuid.UUID(claims["org"])
    except ValueError as exc:
        raise Unauthorized("invalid access token", code="invalid_token") from exc
    cached, revoked = await _exchange(
        runtime, str(user_id), _user_key(user_id), f"revoked:jti:{claims['jti']}", bucket
    )
    if revoked:
        raise Unauthorized("access token revoked", code="token_revoked")
    data = orjson.loads(cached) if cached else await _load_user(runtime, session, user_id)
    if data is None or data["org"] != str(org_id) or not data["active"]:
        raise Unauthorized("user is inactive or gone", code="invalid_token")
    # The database, not the token, is authoritative: role changes apply on the next request.
    perms = effective_permissions(data["role"], data["extra"])
    return Principal(org_id=org_id, permissions=perms, user_id=user_id, role=data["role"])


async def _load_user(
    runtime: Runtime, session: AsyncSession, user_id: uuid.UUID
) -> dict[str, Any] | None:
    stmt = select(User.organization_id, User.role, User.extra_permissions, User.is_active).where(
        User.id == user_id
    )
    row = (await session.execute(stmt)).first()
    if row is None:
        return None
    data = {
        "org": str(row.organization_id),
        "role": row.role,
        "extra": list(row.extra_permissions),
        "active": row.is_active,
    }
    await runtime.redis.set(_user_key(user_id), orjson.dumps(data), ex=CACHE_TTL_S)
    return data


async def _api_key(runtime: Runtime, session: AsyncSession, key: str, bucket: str) -> Principal:
    prefix = api_key_prefix(key)
    if prefix is None:
        raise Unauthorized("invalid API key", code="invalid_api_key")
    cached, _ = await _exchange(runtime, f"key:{prefix}", _api_key_key(prefix), None, bucket)
    data = orjson.loads(cached) if cached else await _load_api_key(runtime, session, prefix)
    if data is None or not hmac.compare_digest(data["hash"], sha256_hex(key)):
        raise Unauthorized("invalid API key", code="invalid_api_key")
    now = datetime.now(UTC)
    expires = datetime.fromisoformat(data["expires"]) if data["expires"] else None
    if data["revoked"] or (expires is not None and expires <= now):
        raise Unauthorized("API key revoked or expired", code="invalid_api_key")
    key_id = uuid.UUID(data["id"])
    await _touch(runtime, session, key_id, now)
    return Principal(
        org_id=uuid.UUID(data["org"]),
        permissions=frozenset(data["scopes"]) & ALL,
        api_key_id=key_id,
    )


async def _load_api_key(
    runtime: Runtime, session: AsyncSession, prefix: str
) -> dict[str, Any] | None:
    row = (
        await session.execute(select(ApiKey).where(ApiKey.prefix == prefix))
    ).scalar_one_or_none()
    if row is None:
        return None
    data = {
        "id": str(row.id),
        "org": str(row.organization_id),
        "hash": row.key_hash,
        "scopes": list(row.scopes),
        "revoked": row.revoked_at is not None,
        "expires": row.expires_at.isoformat() if row.expires_at else None,
    }
    await runtime.redis.set(_api_key_key(prefix), orjson.dumps(data), ex=CACHE_TTL_S)
    return data


async def _touch(runtime: Runtime, session: AsyncSession, key_id: uuid.UUID, now: datetime) -> None:
    """Record `last_used_at` at most once a minute per key, whichever replica sees it first.
    Each process asks Redis at most once a minute per key, not on every request."""
    clock = time.monotonic()
    if clock - _TOUCHED.get(key_id, -TOUCH_INTERVAL_S) < TOUCH_INTERVAL_S:
        return
    _TOUCHED[key_id] = clock
    if await runtime.redis.set(f"touch:key:{key_id}", "1", nx=True, ex=TOUCH_INTERVAL_S):
        await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))
        await session.commit()
