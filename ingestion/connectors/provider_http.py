"""One table from a provider's HTTP status to what the caller should do, for every connector."""

from __future__ import annotations

import httpx

from store.errors import BadInput, Fatal, Retriable, SwitchboardError, Unauthorized

# status → (error class, operator-facing reason). Anything 5xx not listed is Retriable.
STATUS_ACTIONS: dict[int, tuple[type[SwitchboardError], str]] = {
    400: (BadInput, "the provider refused the request as malformed"),
    401: (Unauthorized, "the provider refused our credentials (reconnect the integration)"),
    403: (Fatal, "the provider denied access (missing scope or permission)"),
    404: (BadInput, "the provider does not know this object"),
    409: (BadInput, "the provider reports a conflict"),
    422: (BadInput, "the provider refused the content"),
    408: (Retriable, "the provider timed out"),
    425: (Retriable, "the provider asked us to retry"),
    429: (Retriable, "the provider is rate limiting us"),
}


def raise_for_provider(response: httpx.Response, provider: str) -> None:
    """Raise the error named for the caller's action; the body is not echoed (it may hold PII)."""
    if response.is_success:
        return
    status = response.status_code
    error, reason = STATUS_ACTIONS.get(
        status,
        (Retriable, "the provider is unavailable")
        if status >= 500
        else (BadInput, "the provider refused the request"),
    )
    message = f"{provider}: {reason} (HTTP {status})"
    if error is Retriable:
        raise Retriable(message, retry_after=_retry_after(response))
    raise error(message, details={"provider": provider, "status": status})


def _retry_after(response: httpx.Response) -> int:
    value = response.headers.get("retry-after", "")
    return int(value) if value.isdigit() else 5


async def transport_errors_are_retriable(provider: str, exc: httpx.TransportError) -> Retriable:
    return Retriable(f"{provider}: {type(exc).__name__} talking to the provider")
