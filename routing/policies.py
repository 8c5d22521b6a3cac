"""Reading and saving organizations' routing policies; provider keys sealed at rest.

`PolicyStore` is what the router asks on every call: a per-process cache, checked against a
version counter in Redis at most every `ttl_s`, so a saved policy applies within that time.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from pydantic import SecretStr, ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from routing.policy import RoutingPolicy, validate_policy
from routing.pricebook import PriceBook
from routing.router import ResolvedPolicy
from store.crypto import SecretBox
from store.errors import BadInput
from store.tables import RoutingPolicy as PolicyRow


def _context(org_id: uuid.UUID | str) -> str:
    return f"routing_policy:{org_id}"


def version_key(org_id: uuid.UUID | str) -> str:
    return f"sb:policy:ver:{org_id}"


async def load(
    session: AsyncSession, *, org_id: uuid.UUID, box: SecretBox
) -> tuple[RoutingPolicy, dict[str, str], int]:
    """The org's policy (the default one if never saved), its decrypted keys, its version."""
    row = await _row(session, org_id)
    if row is None:
        return RoutingPolicy(), {}, 0
    keys = (
        box.decrypt(row.secrets_encrypted, context=_context(org_id))
        if row.secrets_encrypted
        else {}
    )
    return RoutingPolicy.model_validate(row.document), dict(keys), row.version


async def save(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    document: dict[str, Any],
    box: SecretBox,
    user_id: uuid.UUID | None,
    book: PriceBook | None = None,
) -> tuple[RoutingPolicy, dict[str, str], int]:
    """Validate and store. A provider `api_key` omitted keeps the stored one; null clears it."""
    try:
        policy = RoutingPolicy.model_validate(document)
    except ValidationError as exc:
        raise BadInput(
            "the routing policy is invalid", details=_errors(exc), code="invalid_policy"
        ) from None
    validate_policy(policy, book)
    row = await _row(session, org_id, for_update=True)
    keys: dict[str, str] = {}
    if row is not None and row.secrets_encrypted:
        keys = dict(box.decrypt(row.secrets_encrypted, context=_context(org_id)))
    keys = _merge_keys(keys, document, policy)
    stored = policy.model_dump(mode="json", exclude_none=True)
    for settings in stored.get("providers", {}).values():
        settings.pop("api_key", None)
    sealed = box.encrypt(keys, context=_context(org_id)) if keys else None
    if row is None:
        row = PolicyRow(
            organization_id=org_id,
            document=stored,
            secrets_encrypted=sealed,
            version=1,
            updated_by_id=user_id,
        )
        session.add(row)
    else:
        row.document, row.secrets_encrypted = stored, sealed
        row.version, row.updated_by_id = row.version + 1, user_id
    await session.flush()
    return policy, keys, row.version


def view(policy: RoutingPolicy, keys: dict[str, str], version: int) -> dict[str, Any]:
    """The policy as clients read it: keys never returned, only whether one is set."""
    out = policy.model_dump(mode="json")
    providers = out.setdefault("providers", {})
    for name in sorted(set(providers) | set(keys)):
        entry = providers.setdefault(name, {"base_url": None})
        entry["api_key"] = None
        entry["api_key_set"] = name in keys
    out["version"] = version
    return out


def _merge_keys(
    keys: dict[str, str], document: dict[str, Any], policy: RoutingPolicy
) -> dict[str, str]:
    raw = document.get("providers") or {}
    for name, settings in policy.providers.items():
        given = raw.get(name) or {}
        if "api_key" not in given:
            continue  # omitted: keep what is stored
        if settings.api_key is None:
            keys.pop(name, None)  # explicit null clears
        else:
            keys[name] = settings.api_key.get_secret_value()
    return keys


async def _row(
    session: AsyncSession, org_id: uuid.UUID, *, for_update: bool = False
) -> PolicyRow | None:
    stmt = select(PolicyRow).where(PolicyRow.organization_id == org_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


def _errors(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
        for e in exc.errors(include_url=False, include_input=False)
    ]


class PolicyStore:
    """The router's source of policies: cached per process, refreshed when the version moves.

    With `ttl_s=0` (the default) every call reads the version (one Redis GET), so a saved
    policy applies to the very next call in every process."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        redis: Redis,
        box: SecretBox,
        *,
        ttl_s: float = 0.0,
    ) -> None:
        self._sessions, self._redis, self._box, self._ttl = sessions, redis, box, ttl_s
        self._cache: dict[str, tuple[float, str, ResolvedPolicy]] = {}
        self._loading: dict[tuple[str, str], asyncio.Future[ResolvedPolicy]] = {}

    async def get(self, org_id: str) -> ResolvedPolicy:
        now = time.monotonic()
        cached = self._cache.get(org_id)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[2]
        try:
            version = str(await self._redis.get(version_key(org_id)) or "0")
        except (RedisError, OSError):
            version = "unknown"  # reload from the database; the budget fails closed anyway
        if cached is not None and cached[1] == version != "unknown":
            self._cache[org_id] = (now, version, cached[2])
            return cached[2]
        resolved = await self._load_once(org_id, version)
        self._cache[org_id] = (now, version, resolved)
        return resolved

    async def _load_once(self, org_id: str, version: str) -> ResolvedPolicy:
        """Concurrent misses for one org and version share one database read (a burst of
        first calls must not take a connection each)."""
        key = (org_id, version)
        pending = self._loading.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[ResolvedPolicy] = asyncio.get_running_loop().create_future()
        self._loading[key] = future
        try:
            async with self._sessions() as session:
                policy, keys, _ = await load(session, org_id=uuid.UUID(org_id), box=self._box)
            future.set_result(ResolvedPolicy(policy, keys))
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it, nobody logs it as lost
            raise
        finally:
            del self._loading[key]
        return future.result()


async def announce(redis: Redis, org_id: uuid.UUID) -> None:
    """After a save commits: every router process reloads the policy within its ttl."""
    await redis.incr(version_key(org_id))


__all__ = ["PolicyStore", "SecretStr", "announce", "load", "save", "view"]
