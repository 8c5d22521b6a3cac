"""Connecting an OAuth integration: start (an authorization URL) and the provider's callback.

`state` is a short-lived JWT naming the organization and integration, signed with our secret,
so the unauthenticated callback can only complete a flow an admin of that organization began.
Tokens land in the integration's encrypted secrets; they are never returned.
"""

from __future__ import annotations

import time
import uuid
from typing import Annotated

import jwt
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from api.audit import record
from api.deps import ClientDep, Principal, RuntimeDep, SessionDep, require
from api.runtime import Runtime
from api.schemas import RequestModel
from ingestion.connections import apply_config_updates, config_of, spec_of
from ingestion.connectors import oauth
from store.errors import BadInput, Unauthorized
from store.scoped import get_scoped
from store.tables import Integration

router = APIRouter(prefix="/api/v1", tags=["integrations"])
CanWrite = Annotated[Principal, Depends(require("write:integrations"))]
STATE_TTL_S = 600
AUDIENCE = "switchboard:oauth-state"


class OAuthStart(RequestModel):
    redirect_uri: str | None = Field(
        default=None, max_length=1000, description="defaults to PUBLIC_URL + /api/v1/oauth/callback"
    )


class OAuthStarted(BaseModel):
    authorize_url: str
    state_expires_in: int = STATE_TTL_S


class OAuthConnected(BaseModel):
    integration_id: uuid.UUID
    status: str = "connected"
    token_expires_at: int | None


def _redirect_uri(runtime: Runtime, given: str | None) -> str:
    if given:
        return given
    base = runtime.settings.public_url or f"http://{runtime.settings.host}:{runtime.settings.port}"
    return f"{base.rstrip('/')}/api/v1/oauth/callback"


def _state(runtime: Runtime, principal: Principal, integration_id: uuid.UUID, redirect: str) -> str:
    claims = {
        "aud": AUDIENCE,
        "org": str(principal.org_id),
        "iid": str(integration_id),
        "uri": redirect,
        "exp": int(time.time()) + STATE_TTL_S,
    }
    return jwt.encode(claims, runtime.settings.jwt_secret.get_secret_value(), algorithm="HS256")


@router.post("/integrations/{integration_id}/oauth/start", response_model=OAuthStarted)
async def start(
    integration_id: uuid.UUID,
    body: OAuthStart,
    principal: CanWrite,
    runtime: RuntimeDep,
    session: SessionDep,
) -> OAuthStarted:
    row = await get_scoped(session, Integration, principal.org_id, integration_id)
    spec = spec_of(row)
    if spec.oauth is None:
        raise BadInput(f"{spec.slug} integrations do not use OAuth", code="not_oauth")
    redirect = _redirect_uri(runtime, body.redirect_uri)
    url = oauth.authorization_url(
        spec,
        config_of(row, runtime.secret_box),
        redirect_uri=redirect,
        state=_state(runtime, principal, integration_id, redirect),
    )
    return OAuthStarted(authorize_url=url)


@router.get("/oauth/callback", response_model=OAuthConnected)
async def callback(
    code: Annotated[str, Query(min_length=1, max_length=4096)],
    state: Annotated[str, Query(min_length=1, max_length=4096)],
    runtime: RuntimeDep,
    session: SessionDep,
    client: ClientDep,
) -> OAuthConnected:
    try:
        claims = jwt.decode(
            state,
            runtime.settings.jwt_secret.get_secret_value(),
            algorithms=["HS256"],
            audience=AUDIENCE,
        )
    except jwt.PyJWTError:
        raise Unauthorized("invalid or expired OAuth state; start the connection again") from None
    org_id, integration_id = uuid.UUID(claims["org"]), uuid.UUID(claims["iid"])
    row = await get_scoped(session, Integration, org_id, integration_id, for_update=True)
    tokens = await oauth.exchange_code(
        spec_of(row), config_of(row, runtime.secret_box), code=code, redirect_uri=claims["uri"]
    )
    apply_config_updates(row, tokens, runtime.secret_box)
    row.health = {**row.health, "connected_at": int(time.time()), "last_error": None}
    principal = Principal(org_id=org_id, permissions=frozenset())
    record(session, principal, client, "integration.oauth_connected", row, details={})
    await session.commit()
    return OAuthConnected(
        integration_id=integration_id,
        token_expires_at=int(tokens.get("token_expires_at", 0)) or None,
    )
