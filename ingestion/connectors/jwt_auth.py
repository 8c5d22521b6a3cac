"""JSON Web Tokens for chat connectors: the ones providers put on webhooks, the ones we mint.

Verification: HMAC-signed tokens (Vonage, MessageBird) are checked against the shared secret;
RSA-signed ones (Bot Framework, Google Chat) against the provider's published JWKS, fetched
with PyJWT's `PyJWKClient` and cached per URL (webhook verification runs off the event loop,
so the blocking fetch is acceptable; a key rotation is picked up on the first unknown `kid`).
Lifetimes are checked here rather than by PyJWT so a test can pin "now" to a provider's
reference vectors. Minting: OAuth client credentials and the service-account JWT-bearer grant,
each token cached in process until a minute before it expires.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from jwt import PyJWKClient
from jwt.exceptions import PyJWKClientConnectionError, PyJWKClientError
from pydantic import SecretStr

from ingestion.connectors.provider_http import call_json
from ingestion.connectors.signing import same
from store.errors import Retriable, Unauthorized

KEYS_LIFESPAN_S = 3600
METADATA_LIFESPAN_S = 24 * 3600
TOKEN_MARGIN_S = 60


def bearer_token(header: str | None, provider: str) -> str:
    """The token of an `Authorization: Bearer <jwt>` header."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(f"{provider}: the webhook carries no bearer token")
    return token.strip()


def sha256_hex(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def check_hash_claim(provider: str, claims: dict[str, Any], name: str, data: bytes | str) -> None:
    """Refuse unless claim `name` is the SHA-256 (hex) of `data` (a body, a URL)."""
    if not same(sha256_hex(data), str(claims.get(name) or "").lower()):
        raise Unauthorized(f"{provider}: the token's {name} does not match the request")


def decode_hmac(provider: str, token: str, secret: SecretStr | None, *,
                algorithms: tuple[str, ...] = ("HS256",), issuer: str | None = None,
                max_age_s: int | None = None, leeway_s: int = 5,
                now: float | None = None) -> dict[str, Any]:  # fmt: skip
    """Claims of a token signed with the shared `secret`; exp/nbf (and iat within `max_age_s`)
    checked against `now`."""
    if secret is None or not secret.get_secret_value():
        raise Unauthorized(f"{provider}: no webhook signing secret is configured")
    claims = _decode(provider, token, secret.get_secret_value().encode(), algorithms, issuer, None)
    check_lifetime(provider, claims, max_age_s=max_age_s, leeway_s=leeway_s, now=now)
    return claims


def check_lifetime(provider: str, claims: dict[str, Any], *, max_age_s: int | None = None,
                   leeway_s: int = 5, now: float | None = None) -> None:  # fmt: skip
    moment = time.time() if now is None else now
    exp, nbf, iat = (_number(claims.get(k)) for k in ("exp", "nbf", "iat"))
    if exp is not None and moment > exp + leeway_s:
        raise Unauthorized(f"{provider}: the webhook token has expired (replay?)")
    if nbf is not None and moment < nbf - leeway_s:
        raise Unauthorized(f"{provider}: the webhook token is not valid yet")
    if max_age_s is not None and (iat is None or abs(moment - iat) > max_age_s):
        raise Unauthorized(f"{provider}: the webhook token is older than {max_age_s} s (replay?)")


@dataclass(frozen=True)
class VerifiedKey:
    claims: dict[str, Any]
    endorsements: tuple[str, ...]  # Bot Framework: the channels a key may sign for


def decode_with_jwks(provider: str, token: str, jwks_url: str, *, audience: str, issuer: str,
                     leeway_s: int = 300) -> VerifiedKey:  # fmt: skip
    """Claims of an RS256 token signed by one of the keys published at `jwks_url`."""
    client = _jwks_client(jwks_url)
    try:
        key = client.get_signing_key_from_jwt(token)
    except PyJWKClientConnectionError as exc:
        raise Retriable(f"{provider}: the provider's signing keys are unreachable") from exc
    except (PyJWKClientError, jwt.InvalidTokenError):
        raise Unauthorized(f"{provider}: the webhook token names no known signing key") from None
    claims = _decode(provider, token, key.key, ("RS256",), issuer, audience)
    check_lifetime(provider, claims, leeway_s=leeway_s)
    return VerifiedKey(claims, client.endorsements.get(str(key.key_id), ()))


def jwks_uri(provider: str, metadata_url: str) -> str:
    """The `jwks_uri` of an OpenID configuration document (cached for a day)."""
    with _LOCK:
        cached = _METADATA.get(metadata_url)
        if cached and cached[1] > time.monotonic():
            return cached[0]
    try:
        response = httpx.get(metadata_url, timeout=10.0)
        response.raise_for_status()
        uri = str(response.json()["jwks_uri"])
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        raise Retriable(f"{provider}: the provider's OpenID metadata is unavailable") from exc
    with _LOCK:
        _METADATA[metadata_url] = (uri, time.monotonic() + METADATA_LIFESPAN_S)
    return uri


async def client_credentials_token(client: httpx.AsyncClient, provider: str, token_url: str,
                                   client_id: str, client_secret: SecretStr,
                                   scope: str) -> str:  # fmt: skip
    """An OAuth 2.0 client-credentials access token (Bot Framework, Azure AD)."""
    form = {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": client_secret.get_secret_value(),
        "scope": scope,
    }
    return await _cached_token(client, provider, token_url, (client_id, scope), form)


async def service_account_token(client: httpx.AsyncClient, provider: str, token_url: str,
                                client_email: str, private_key: str,
                                scope: str) -> str:  # fmt: skip
    """A Google service-account access token: an RS256 assertion exchanged at `token_url`."""
    now = int(time.time())
    claims = {"iss": client_email, "scope": scope, "aud": token_url, "iat": now, "exp": now + 3600}
    try:
        assertion = jwt.encode(claims, private_key, algorithm="RS256")
    except (ValueError, TypeError, jwt.PyJWTError):
        raise Unauthorized(f"{provider}: the service account's private key is unusable") from None
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}
    return await _cached_token(client, provider, token_url, (client_email, scope), form)


def forget_token(token_url: str, who: str, scope: str) -> None:
    """Drop a cached token the provider refused (revoked, secret rotated): the next call mints."""
    with _LOCK:
        _TOKENS.pop((token_url, who, scope), None)


class _JwksClient(PyJWKClient):
    """PyJWKClient that also remembers each key's `endorsements` (a Bot Framework extension)."""

    def __init__(self, uri: str) -> None:
        super().__init__(uri, lifespan=KEYS_LIFESPAN_S, timeout=10)
        self.endorsements: dict[str, tuple[str, ...]] = {}

    def fetch_data(self) -> Any:
        data = super().fetch_data()
        self.endorsements = {
            str(key.get("kid")): tuple(str(e) for e in key.get("endorsements") or ())
            for key in data.get("keys") or []
            if isinstance(key, dict)
        }
        return data


def _decode(provider: str, token: str, key: Any, algorithms: tuple[str, ...],
            issuer: str | None, audience: str | None) -> dict[str, Any]:  # fmt: skip
    options = {"verify_exp": False, "verify_nbf": False, "verify_iat": False,
               "verify_aud": audience is not None}  # fmt: skip
    try:
        claims = jwt.decode(token, key, algorithms=list(algorithms), options=options,  # type: ignore[arg-type]
                            issuer=issuer, audience=audience)  # fmt: skip
    except jwt.InvalidTokenError as exc:
        raise Unauthorized(
            f"{provider}: the webhook token is invalid ({type(exc).__name__})"
        ) from None
    return dict(claims)


def _jwks_client(url: str) -> _JwksClient:
    with _LOCK:
        if url not in _CLIENTS:
            _CLIENTS[url] = _JwksClient(url)
        return _CLIENTS[url]


async def _cached_token(client: httpx.AsyncClient, provider: str, token_url: str,
                        who: tuple[str, str], form: dict[str, str]) -> str:  # fmt: skip
    key = (token_url, *who)
    with _LOCK:
        cached = _TOKENS.get(key)
        if cached and cached[1] > time.time():
            return cached[0]
    data = await call_json(client, provider, "POST", token_url, data=form)
    token = (data or {}).get("access_token") if isinstance(data, dict) else None
    if not token:
        raise Unauthorized(f"{provider}: the token endpoint answered without an access token")
    lifetime = _number(data.get("expires_in")) or 3600
    with _LOCK:
        _TOKENS[key] = (str(token), time.time() + lifetime - TOKEN_MARGIN_S)
    return str(token)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


_LOCK = threading.Lock()
_CLIENTS: dict[str, _JwksClient] = {}
_METADATA: dict[str, tuple[str, float]] = {}
_TOKENS: dict[tuple[str, ...], tuple[str, float]] = {}
