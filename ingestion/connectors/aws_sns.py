"""Amazon SNS HTTP(S) message signatures, verified as AWS documents them.

The signed string is `Name\\nValue\\n` for, in this order, Message, MessageId, Subject (only when
present), Timestamp, TopicArn, Type of a Notification; Message, MessageId, SubscribeURL,
Timestamp, Token, TopicArn, Type of a (Un)SubscriptionConfirmation. SignatureVersion 1 is
SHA1withRSA, 2 is SHA256withRSA, base64 in `Signature`, with the key of the X.509 certificate at
`SigningCertURL`. That URL is only fetched when it lies under `https://sns.<region>.amazonaws.com/`
(the topic's region) and ends in `.pem`; certificates are cached per process.
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from store.errors import Retriable, Unauthorized

P = "amazon sns"
NOTIFICATION_KEYS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
CONFIRMATION_KEYS = (
    "Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type",
)  # fmt: skip
HASHES: dict[str, type[hashes.HashAlgorithm]] = {"1": hashes.SHA1, "2": hashes.SHA256}
CERT_TTL_S = 24 * 3600


def canonical(message: Mapping[str, Any]) -> bytes:
    keys = NOTIFICATION_KEYS if message.get("Type") == "Notification" else CONFIRMATION_KEYS
    return "".join(f"{k}\n{message[k]}\n" for k in keys if message.get(k) is not None).encode()


def sns_base(topic_arn: str) -> str:
    """Where the topic's region serves certificates (and subscription confirmations)."""
    partition, region = topic_arn.split(":")[1], topic_arn.split(":")[3]
    suffix = ".amazonaws.com.cn" if partition == "aws-cn" else ".amazonaws.com"
    return f"https://sns.{region}{suffix}/"


def under(url: str, base: str) -> bool:
    """`url` has `base`'s scheme and exact host, and a path below it (no credentials, no port
    games: `netloc` must be equal)."""
    target, root = urlsplit(url), urlsplit(base)
    return (
        target.scheme == root.scheme
        and target.netloc == root.netloc
        and target.path.startswith(root.path or "/")
    )


class CertCache:
    """Public keys of SNS signing certificates by URL, fetched at most once a day each."""

    def __init__(self) -> None:
        self._keys: dict[str, tuple[rsa.RSAPublicKey, float]] = {}
        self._lock = threading.Lock()

    def key(self, url: str) -> rsa.RSAPublicKey:
        with self._lock:
            found = self._keys.get(url)
        if found and found[1] > time.time():
            return found[0]
        key = _download(url)
        with self._lock:
            if len(self._keys) > 64:
                self._keys.clear()
            self._keys[url] = (key, time.time() + CERT_TTL_S)
        return key


CERTS = CertCache()


def _download(url: str) -> rsa.RSAPublicKey:
    # verify() runs in a worker thread (the webhook route): a blocking fetch is fine here.
    try:
        response = httpx.get(url, timeout=5.0, follow_redirects=False)
    except httpx.TransportError as exc:
        raise Retriable(f"{P}: {type(exc).__name__} fetching the signing certificate") from exc
    if response.status_code != 200:
        raise Retriable(f"{P}: the signing certificate answered HTTP {response.status_code}")
    try:
        cert = x509.load_pem_x509_certificate(response.content)
    except ValueError:
        raise Unauthorized(f"{P}: the signing certificate is not a PEM certificate") from None
    now = datetime.now(UTC)
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise Unauthorized(f"{P}: the signing certificate is expired or not yet valid")
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise Unauthorized(f"{P}: the signing certificate does not hold an RSA key")
    return key


def verify_message(message: Mapping[str, Any], *, cert_base: str, cache: CertCache = CERTS) -> None:
    """Raise `Unauthorized` unless `message` carries a valid SNS signature from `cert_base`."""
    algorithm = HASHES.get(str(message.get("SignatureVersion")))
    if algorithm is None:
        raise Unauthorized(f"{P}: unknown SignatureVersion")
    url = str(message.get("SigningCertURL") or "")
    if not under(url, cert_base) or not urlsplit(url).path.endswith(".pem"):
        raise Unauthorized(f"{P}: the signing certificate is not served by SNS")
    try:
        signature = base64.b64decode(str(message.get("Signature") or ""), validate=True)
        cache.key(url).verify(signature, canonical(message), padding.PKCS1v15(), algorithm())
    except (InvalidSignature, binascii.Error, ValueError):
        raise Unauthorized(f"{P}: message signature does not match") from None


def timestamp(message: Mapping[str, Any]) -> float:
    """The signed `Timestamp` (ISO 8601, UTC) in epoch seconds."""
    try:
        parsed = datetime.fromisoformat(str(message.get("Timestamp")).replace("Z", "+00:00"))
    except ValueError:
        raise Unauthorized(f"{P}: the signed Timestamp is malformed") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()
