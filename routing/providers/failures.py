"""Turning a provider's failure into a ProviderError: status tables, Retry-After, redaction.

Each adapter owns its status table (the provider documents its own codes); what to do with a
status the table does not name is the same everywhere: 5xx is retriable, any other 4xx invalid.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime

from routing.providers.base import ErrorKind, ProviderError

StatusKinds = Mapping[int, ErrorKind]
MAX_DETAIL = 300  # characters of the provider's own message kept for the operator
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")  # protobuf Duration in JSON: "37s", "1.5s"


def kind_for_status(status: int, table: StatusKinds) -> ErrorKind:
    if status in table:
        return table[status]
    return "retriable" if status >= 500 else "invalid"


def retry_after_s(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait from `retry-after-ms`, or `Retry-After` as seconds or an HTTP date."""
    if not headers:
        return None
    if (ms := _number(headers.get("retry-after-ms"))) is not None:
        return ms / 1000
    value = headers.get("retry-after")
    if value is None:
        return None
    if (seconds := _number(value)) is not None:
        return seconds
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def duration_s(value: object) -> float | None:
    """A protobuf Duration as Google's JSON writes it ("37s"), in seconds."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    return float(match.group(1)) if match else None


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number >= 0 and number != float("inf") else None


def redact(text: str, secret: str | None) -> str:
    """The provider's message, short, with our key cut out wherever the provider echoed it."""
    if secret:
        text = text.replace(secret, "***")
    return text[:MAX_DETAIL]


def status_error(
    provider: str,
    status: int,
    table: StatusKinds,
    *,
    code: str | None,
    detail: str,
    secret: str | None,
    retry_after: float | None = None,
    kind: ErrorKind | None = None,
) -> ProviderError:
    """One HTTP error answer; `kind` overrides the table when the body says more."""
    message = f"{provider}: HTTP {status}{f' {code}' if code else ''}: {redact(detail, secret)}"
    return ProviderError(
        kind or kind_for_status(status, table), message, status=status, retry_after=retry_after
    )


def transport_error(provider: str, exc: BaseException) -> ProviderError:
    """Timeouts, refused or dropped connections: the request may not have been seen at all."""
    return ProviderError("retriable", f"{provider}: {type(exc).__name__} talking to the provider")


def no_key(provider: str) -> ProviderError:
    return ProviderError("unavailable", f"{provider}: no API key configured")
