"""Bearer-authenticated calls to an OAuth provider's REST API, with errors named for the caller."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import httpx

from ingestion.connectors.base import ConnectorSpec
from ingestion.connectors.capabilities import Connection
from ingestion.connectors.oauth import fresh_access_token
from ingestion.connectors.provider_http import raise_for_provider
from store.errors import Retriable


async def authorized_request(
    spec: ConnectorSpec,
    conn: Connection,
    method: str,
    url: str,
    *,
    allow: Collection[int] = (),
    **kwargs: Any,
) -> httpx.Response:
    """Send with a fresh access token; statuses in `allow` come back instead of raising.

    A 401 on a token we believed valid (revoked early, clock skew) is retried once after a
    forced refresh; a second 401 means the grant itself is gone: `Unauthorized`."""
    response = await _send(spec, conn, method, url, **kwargs)
    if response.status_code == 401 and getattr(conn.config, "refresh_token", None):
        # Forget the expiry so fresh_access_token asks the token endpoint for a new one.
        conn.config.token_expires_at = 0  # type: ignore[attr-defined]
        response = await _send(spec, conn, method, url, **kwargs)
    if response.status_code not in allow:
        raise_for_provider(response, spec.slug)
    return response


async def _send(
    spec: ConnectorSpec, conn: Connection, method: str, url: str, **kwargs: Any
) -> httpx.Response:
    token = await fresh_access_token(spec, conn)
    headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {token}"}
    try:
        return await conn.client().request(method, url, headers=headers, **kwargs)
    except httpx.TransportError as exc:
        raise Retriable(f"{spec.slug}: {type(exc).__name__} talking to the provider") from exc
