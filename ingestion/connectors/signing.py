"""The signature arithmetic providers use for webhooks, shared by every connector.

Each connector states its provider's scheme with these pieces (what is signed, the algorithm,
the encoding, the header, the replay window); nothing here knows a provider. Comparisons are
constant-time; every failure raises `Unauthorized` with a reason that names no secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Literal

from pydantic import SecretStr

from store.errors import Unauthorized

Algorithm = Literal["sha1", "sha256", "sha512"]
Encoding = Literal["hex", "base64"]


def secret_bytes(secret: SecretStr | str | bytes | None, provider: str) -> bytes:
    if secret is None:
        raise Unauthorized(f"{provider}: no webhook secret is configured")
    if isinstance(secret, SecretStr):
        secret = secret.get_secret_value()
    value = secret.encode() if isinstance(secret, str) else secret
    if not value:
        raise Unauthorized(f"{provider}: no webhook secret is configured")
    return value


def digest(key: bytes, message: bytes, algorithm: Algorithm = "sha256",
           encoding: Encoding = "hex") -> str:  # fmt: skip
    mac = hmac.new(key, message, getattr(hashlib, algorithm)).digest()
    return mac.hex() if encoding == "hex" else base64.b64encode(mac).decode()


def same(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


def require_header(value: str | None, provider: str, name: str) -> str:
    if not value:
        raise Unauthorized(f"{provider}: the {name} header is missing")
    return value


def check_hmac(provider: str, *, key: bytes, message: bytes, given: str | None,
               algorithm: Algorithm = "sha256", encoding: Encoding = "hex",
               prefix: str = "", header: str = "signature") -> None:  # fmt: skip
    """Refuse unless `given` is `prefix + digest(key, message)` (e.g. `sha256=<hex>`)."""
    value = require_header(given, provider, header)
    expected = prefix + digest(key, message, algorithm, encoding)
    if encoding == "hex":
        value, expected = value.lower(), expected.lower()
    if not same(expected, value):
        raise Unauthorized(f"{provider}: webhook signature does not match")


def check_any_hmac(provider: str, *, key: bytes, message: bytes, candidates: list[str],
                   algorithm: Algorithm = "sha256",
                   encoding: Encoding = "hex") -> None:  # fmt: skip
    """Refuse unless one of `candidates` matches (providers that send v1 signatures for each
    active secret during a rotation, as Stripe does)."""
    expected = digest(key, message, algorithm, encoding)
    if not any(same(expected, c.lower() if encoding == "hex" else c) for c in candidates):
        raise Unauthorized(f"{provider}: webhook signature does not match")


def check_token(provider: str, *, expected: SecretStr | str | None, given: str | None,
                what: str = "token") -> None:  # fmt: skip
    """Shared-secret schemes (Telegram's secret_token, custom auth headers)."""
    want = secret_bytes(expected, provider).decode()
    if not same(want, given):
        raise Unauthorized(f"{provider}: the webhook {what} does not match")


def check_fresh(provider: str, timestamp: str | float | int | None, window_s: int,
                *, millis: bool = False) -> float:  # fmt: skip
    """Refuse a signed timestamp older (or further ahead) than `window_s`: a replayed call."""
    if timestamp is None or timestamp == "":
        raise Unauthorized(f"{provider}: the signed timestamp is missing")
    try:
        stamp = float(timestamp)
    except (TypeError, ValueError):
        raise Unauthorized(f"{provider}: the signed timestamp is malformed") from None
    if millis:
        stamp /= 1000.0
    if abs(time.time() - stamp) > window_s:
        raise Unauthorized(f"{provider}: the signed timestamp is outside {window_s} s (replay?)")
    return stamp


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(user, password) from an `Authorization: Basic` header, else None."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return user, password


def check_basic(provider: str, header: str | None, user: str,
                password: SecretStr | str | None) -> None:  # fmt: skip
    """Providers that call with HTTP Basic credentials we chose (Postmark, Pipedrive...)."""
    found = basic_credentials(header)
    want = secret_bytes(password, provider).decode()
    if found is None or not (same(user, found[0]) and same(want, found[1])):
        raise Unauthorized(f"{provider}: the webhook's basic credentials do not match")
