"""OAuth 2.0 authorization code + refresh for the connectors that use it (authlib's client).

Tokens live in the integration's encrypted secrets (`access_token`, `refresh_token`) with
`token_expires_at` (epoch seconds) beside them; `fresh_access_token` refreshes a minute early.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from authlib.integrations.httpx_client import AsyncOAuth2Client
from pydantic import Field, SecretStr

from ingestion.connectors.base import ConnectorConfig, ConnectorSpec, OAuthEndpoints, Secret
from ingestion.connectors.capabilities import Connection
from store.errors import BadInput, Retriable, Unauthorized

REFRESH_MARGIN_S = 60


class OAuthConfig(ConnectorConfig):
    """Fields every OAuth connector shares. The tokens are written by the OAuth callback."""

    client_id: str | None = Field(default=None, max_length=500)
    client_secret: SecretStr | None = Secret("OAuth client secret", default=None)
    access_token: SecretStr | None = Secret("set by the OAuth callback", default=None)
    refresh_token: SecretStr | None = Secret("set by the OAuth callback", default=None)
    token_expires_at: int | None = Field(default=None, description="epoch seconds")
    oauth_base_url: str | None = Field(
        default=None, max_length=500, description="override of the OAuth host (tests, clouds)"
    )
    api_base_url: str | None = Field(
        default=None, max_length=500, description="override of the API host (tests, clouds)"
    )


def endpoint(url: str, base: str | None) -> str:
    """The provider URL, or the same path on `base` (a local fake or a sovereign cloud)."""
    if not base:
        return url
    target, parts = urlsplit(base), urlsplit(url)
    return urlunsplit((target.scheme, target.netloc, target.path.rstrip("/") + parts.path,
                       parts.query, ""))  # fmt: skip


def _secret(config: Any, name: str) -> str | None:
    value = getattr(config, name, None)
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return value if isinstance(value, str) else None


def _client(spec_oauth: OAuthEndpoints, config: Any, redirect_uri: str | None) -> AsyncOAuth2Client:
    client_id = getattr(config, "client_id", None)
    client_secret = _secret(config, "client_secret")
    if not client_id or not client_secret:
        raise BadInput("set client_id and client_secret before connecting", code="oauth_config")
    return AsyncOAuth2Client(
        client_id=client_id,
        client_secret=client_secret,
        # A connector's config may ask for more than its spec's scopes (an opt-in feature).
        scope=" ".join((*spec_oauth.scopes, *getattr(config, "extra_oauth_scopes", ()))),
        redirect_uri=redirect_uri,
        token_endpoint_auth_method=spec_oauth.token_auth_method,
        timeout=20.0,
    )


def _oauth(spec: ConnectorSpec) -> OAuthEndpoints:
    if spec.oauth is None:
        raise BadInput(f"{spec.slug} does not use OAuth", code="not_oauth")
    return spec.oauth


def authorization_url(spec: ConnectorSpec, config: Any, *, redirect_uri: str, state: str) -> str:
    oauth = _oauth(spec)
    base = getattr(config, "oauth_base_url", None)
    client = _client(oauth, config, redirect_uri)
    url, _ = client.create_authorization_url(
        endpoint(oauth.authorize_url, base), state=state, **dict(oauth.extra_authorize_params)
    )
    return str(url)


def token_secrets(token: dict[str, Any], previous_refresh: str | None = None) -> dict[str, str]:
    """What to store from a token response (a refresh may omit the refresh token: keep the old)."""
    expires_at = token.get("expires_at") or time.time() + float(token.get("expires_in", 3600))
    refresh = token.get("refresh_token") or previous_refresh
    secrets = {"access_token": str(token["access_token"]), "token_expires_at": str(int(expires_at))}
    if refresh:
        secrets["refresh_token"] = str(refresh)
    return secrets


async def exchange_code(
    spec: ConnectorSpec, config: Any, *, code: str, redirect_uri: str
) -> dict[str, str]:
    oauth = _oauth(spec)
    base = getattr(config, "oauth_base_url", None)
    async with _client(oauth, config, redirect_uri) as client:
        try:
            token = await client.fetch_token(endpoint(oauth.token_url, base), code=code)
        except Exception as exc:  # authlib raises OAuthError and httpx errors alike
            raise Unauthorized(f"{spec.slug}: the authorization code was refused") from exc
    return token_secrets(dict(token))


async def fresh_access_token(spec: ConnectorSpec, conn: Connection) -> str:
    """The current access token, refreshed first when it expires within a minute."""
    config = conn.config
    access = _secret(config, "access_token")
    expires_at = float(getattr(config, "token_expires_at", None) or 0)
    if access and expires_at - REFRESH_MARGIN_S > time.time():
        return access
    refresh = _secret(config, "refresh_token")
    if not refresh:
        raise Unauthorized(f"{spec.slug}: not connected (no refresh token); reconnect it")
    oauth = _oauth(spec)
    async with _client(oauth, config, None) as client:
        try:
            token = await client.refresh_token(
                endpoint(oauth.token_url, getattr(config, "oauth_base_url", None)),
                refresh_token=refresh,
            )
        except Exception as exc:
            raise Retriable(f"{spec.slug}: token refresh failed ({type(exc).__name__})") from exc
    secrets = token_secrets(dict(token), previous_refresh=refresh)
    await conn.persist_secrets(secrets)
    hidden = set(config.secret_fields())
    for name, value in secrets.items():
        if name in type(config).model_fields:
            setattr(config, name, SecretStr(value) if name in hidden else int(value))
    return secrets["access_token"]
