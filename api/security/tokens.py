"""JWT access tokens, opaque refresh/invitation tokens and API keys."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from store.errors import Unauthorized
from store.settings import Settings

API_KEY_PREFIX = "sb_"
VERIFIED_CACHE_SIZE = 10_000


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_opaque_token(kind: str) -> str:
    return f"{kind}_{secrets.token_urlsafe(32)}"


@dataclass(frozen=True)
class NewApiKey:
    key: str
    prefix: str
    key_hash: str


def new_api_key() -> NewApiKey:
    """`sb_<prefix>_<secret>`: the prefix finds the row, the SHA-256 of the whole key proves it."""
    prefix = secrets.token_hex(6)
    key = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return NewApiKey(key=key, prefix=prefix, key_hash=sha256_hex(key))


def api_key_prefix(key: str) -> str | None:
    if not key.startswith(API_KEY_PREFIX):
        return None
    prefix, sep, _ = key[len(API_KEY_PREFIX) :].partition("_")
    return prefix if sep and prefix else None


class AccessTokens:
    """Short-lived HS256 JWTs with the customer's payload: sub, org, role, permissions, iat, exp."""

    def __init__(self, settings: Settings) -> None:
        self._secret = settings.jwt_secret.get_secret_value()
        self._algorithm = settings.jwt_algorithm
        self.ttl_s = settings.access_token_ttl_s
        self._verified: dict[str, dict[str, Any]] = {}

    def issue(
        self, *, user_id: uuid.UUID, org_id: uuid.UUID, role: str, permissions: frozenset[str]
    ) -> str:
        now = datetime.now(UTC)
        payload = {
            "sub": str(user_id),
            "org": str(org_id),
            "role": role,
            "permissions": sorted(permissions),
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=self.ttl_s)).timestamp()),
            "jti": uuid.uuid4().hex,
            "typ": "access",
        }
        return jwt.encode(payload, self._secret, algorithm=self._algorithm)

    def decode(self, token: str) -> dict[str, Any]:
        """Verify and return the claims. A token verified before is served from memory until it
        expires: the same bytes always verify the same way, so only `exp` needs re-checking."""
        known = self._verified.get(token)
        if known is not None and known["exp"] > time.time():
            return known
        claims = self._verify(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()  # crude but O(1) amortised; a full cache is rare
        self._verified[token] = claims
        return claims

    def _verify(self, token: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[self._algorithm],
                options={"require": ["sub", "org", "exp", "iat", "jti"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("access token expired", code="token_expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized("invalid access token", code="invalid_token") from exc
        if claims.get("typ") != "access":
            raise Unauthorized("invalid access token", code="invalid_token")
        return claims
