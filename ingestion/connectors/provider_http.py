"""One table from a provider's HTTP status to what the caller should do, for every connector."""

from __future__ import annotations

from typing import Any

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


async def call_json(conn_client: httpx.AsyncClient, provider: str, method: str, url: str,
                    **kwargs: object) -> Any:  # fmt: skip
    """One provider call: transport errors → Retriable, statuses → `raise_for_provider`, the
    JSON body back (None for an empty body). Malformed JSON is Retriable (a proxy's error page)."""
    try:
        response = await conn_client.request(method, url, **kwargs)  # type: ignore[arg-type]
    except httpx.TransportError as exc:
        raise await transport_errors_are_retriable(provider, exc) from exc
    raise_for_provider(response, provider)
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise Retriable(f"{provider}: the provider answered with malformed JSON") from None
