"""AWS Signature Version 4 for the few AWS calls connectors make (SES v2 SendEmail) without
pulling in botocore: the algorithm AWS documents, over hashlib and hmac.

    canonical request = method, URI, query, headers, signed header names, SHA-256(payload)
    string to sign    = "AWS4-HMAC-SHA256", time, scope (date/region/service/aws4_request),
                        SHA-256(canonical request)
    signing key       = HMAC chain "AWS4"+secret -> date -> region -> service -> "aws4_request"
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from urllib.parse import parse_qsl, quote, urlsplit

ALGORITHM = "AWS4-HMAC-SHA256"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = _hmac(f"AWS4{secret}".encode(), date)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    return key


def canonical_request(
    method: str, url: str, headers: dict[str, str], body: bytes
) -> tuple[str, str]:
    """(canonical request, signed header names) for `headers` (all of them are signed)."""
    parts = urlsplit(url)
    query = sorted(parse_qsl(parts.query, keep_blank_values=True))
    canonical_query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in query)
    named = sorted((k.lower().strip(), " ".join(v.split())) for k, v in headers.items())
    signed = ";".join(name for name, _ in named)
    lines = [
        method.upper(),
        quote(parts.path or "/", safe="/-_.~"),
        canonical_query,
        "".join(f"{name}:{value}\n" for name, value in named),
        signed,
        hashlib.sha256(body).hexdigest(),
    ]
    return "\n".join(lines), signed


def sign(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    *,
    access_key: str,
    secret_key: str,
    region: str,
    service: str,
    now: datetime,
    session_token: str | None = None,
) -> dict[str, str]:
    """`headers` plus Host, X-Amz-Date (and the session token) and the Authorization header.
    `now` must be UTC."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    signed_headers = {**headers, "Host": urlsplit(url).netloc, "X-Amz-Date": stamp}
    if session_token:
        signed_headers["X-Amz-Security-Token"] = session_token
    request, names = canonical_request(method, url, signed_headers, body)
    scope = f"{stamp[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join([ALGORITHM, stamp, scope, hashlib.sha256(request.encode()).hexdigest()])
    key = signing_key(secret_key, stamp[:8], region, service)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    authorization = (
        f"{ALGORITHM} Credential={access_key}/{scope}, SignedHeaders={names}, Signature={signature}"
    )
    return {**signed_headers, "Authorization": authorization}
