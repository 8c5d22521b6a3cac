"""Bearer-token calls for OAuth connectors: a 401 before the recorded expiry refreshes once.

Providers end sessions on their own clock (a Salesforce org's session timeout, a HubSpot token
revoked and re-issued), so the expiry we recorded can be wrong. One refresh and one retry tell
an ended session (recovered, new token persisted) from revoked credentials (`Unauthorized`:
reconnect). Tokens pasted without a refresh token (HubSpot private apps) are used as they are.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import SecretStr

from ingestion.connectors.base import ConnectorSpec
from ingestion.connectors.capabilities import Connection
from ingestion.connectors.oauth import fresh_access_token
from store.errors import Retriable, Unauthorized


def _secret(config: Any, name: str) -> str | None:
    value = getattr(config, name, None)
    return value.get_secret_value() if isinstance(value, SecretStr) else None


def refreshable(config: Any) -> bool:
    """A refresh token and the client credentials to spend it are all configured."""
    return bool(
        _secret(config, "refresh_token")
        and getattr(config, "client_id", None)
        and _secret(config, "client_secret")
    )


async def access_token(spec: ConnectorSpec, conn: Connection) -> str:
    """The token to send: a static one as pasted, else the OAuth token, refreshed when due."""
    static = _secret(conn.config, "access_token")
    if static and not refreshable(conn.config):
        return static
    if not static and not refreshable(conn.config):
        raise Unauthorized(f"{spec.slug}: not connected (no access token); connect it")
    return await fresh_access_token(spec, conn)


async def _send(conn: Connection, provider: str, method: str, url: str, token: str,
                headers: dict[str, str], **kwargs: Any) -> httpx.Response:  # fmt: skip
    try:
        return await conn.client().request(
            method, url, headers={**headers, "Authorization": f"Bearer {token}"}, **kwargs
        )
    except httpx.TransportError as exc:
        raise Retriable(f"{provider}: {type(exc).__name__} talking to the provider") from exc


async def bearer_request(spec: ConnectorSpec, conn: Connection, method: str, url: str, *,
                         headers: dict[str, str] | None = None,
                         **kwargs: Any) -> httpx.Response:  # fmt: skip
    """One call with the current token; on 401, one refresh and one retry when possible."""
    extra = {"Accept": "application/json", **(headers or {})}
    token = await access_token(spec, conn)
    response = await _send(conn, spec.slug, method, url, token, extra, **kwargs)
    if response.status_code != 401 or not refreshable(conn.config):
        return response
    # The provider ended the session: mark the token expired (the base config type has no
    # such field, hence setattr) so the next call refreshes it.
    setattr(conn.config, "token_expires_at", 0)  # noqa: B010
    token = await fresh_access_token(spec, conn)
    return await _send(conn, spec.slug, method, url, token, extra, **kwargs)
