"""Microsoft Teams through the Bot Framework: messages to the bot in, threaded replies out.

Inbound: Bot Framework POSTs an Activity with `Authorization: Bearer <JWT>`, RS256-signed by
one of the keys listed at the `jwks_uri` of its OpenID metadata
(https://login.botframework.com/v1/.well-known/openidconfiguration). We check, as the Bot
Connector authentication spec lists: signature, `iss` https://api.botframework.com, `aud` our
app id, exp/nbf (five minutes of clock skew), the `serviceUrl` claim equal to the Activity's
`serviceUrl`, and the key's `endorsements` naming the Activity's `channelId`. The token does
not sign the body: the `serviceUrl` binding is what keeps a token from carrying another bot's
traffic. Only `message` activities from someone other than the bot become messages; `<at>`
mentions of the bot are stripped from channel messages.

Outbound: an OAuth client-credentials token (scope https://api.botframework.com/.default) from
login.microsoftonline.com (`tenant_id`: botframework.com for multi-tenant bots, the directory id
for single-tenant ones), then `POST {serviceUrl}/v3/conversations/{id}/activities/{replyToId}`.
`thread_key` is `serviceUrl|conversationId|activityId`, so the reply lands in the same thread.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from pydantic import Field, SecretStr

from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    SendResult,
    WebhookRequest,
)
from ingestion.connectors.jwt_auth import (
    bearer_token,
    client_credentials_token,
    decode_with_jwks,
    forget_token,
    jwks_uri,
)
from ingestion.connectors.oauth import endpoint
from ingestion.connectors.provider_http import call_json
from ingestion.connectors.timestamps import iso_time
from ingestion.contract import MAX_TEXT_CHARS, InboundMessage, Party
from store.errors import BadInput, Fatal, Unauthorized

PROVIDER = "microsoft_teams"
ISSUER = "https://api.botframework.com"
METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
TOKEN_URL = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
SCOPE = "https://api.botframework.com/.default"
GUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)


class TeamsConfig(ConnectorConfig):
    """One Azure Bot registration: the Microsoft App ID and a client secret of that app."""

    app_id: str = Field(pattern=GUID, description="Microsoft App ID of the Azure Bot")
    app_password: SecretStr = Secret("a client secret of the bot's app registration")
    tenant_id: str = Field(
        default="botframework.com",
        pattern=r"^[A-Za-z0-9.-]{1,100}$",
        description="botframework.com (multi-tenant) or the directory id (single-tenant bot)",
    )
    openid_metadata_url: str = Field(
        default=METADATA_URL, max_length=500, pattern=r"^https?://", description="tests only"
    )
    api_base_url: str | None = Field(
        default=None, max_length=500, description="tests only: replaces the service/login host"
    )


class TeamsConnector:
    """Stateless: every call is told its bot through the Connection."""

    verify_fetches_keys = True  # signing keys or certificates come over HTTP: off the loop

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        config = _config(conn)
        token = bearer_token(request.header("authorization"), PROVIDER)
        try:
            activity = request.json()
        except BadInput:
            raise Unauthorized(f"{PROVIDER}: the activity cannot be read") from None
        if not isinstance(activity, dict):
            raise Unauthorized(f"{PROVIDER}: the body is not an activity")
        keys = jwks_uri(PROVIDER, config.openid_metadata_url)
        verified = decode_with_jwks(PROVIDER, token, keys, audience=config.app_id, issuer=ISSUER)
        if verified.claims.get("serviceUrl") != activity.get("serviceUrl"):
            raise Unauthorized(f"{PROVIDER}: the token was issued for another serviceUrl")
        if verified.endorsements and activity.get("channelId") not in verified.endorsements:
            raise Unauthorized(f"{PROVIDER}: the signing key is not endorsed for this channel")

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        activity = request.json()
        if not isinstance(activity, dict) or not isinstance(activity.get("type"), str):
            raise BadInput(f"{PROVIDER}: not a Bot Framework activity", code="unknown_payload")
        sender, bot = activity.get("from") or {}, activity.get("recipient") or {}
        if activity["type"] != "message" or not sender.get("id") or sender["id"] == bot.get("id"):
            return []  # conversationUpdate, typing, reactions, our own echo
        conversation = (activity.get("conversation") or {}).get("id")
        if not activity.get("id") or not conversation or not activity.get("serviceUrl"):
            raise BadInput(f"{PROVIDER}: message without id or conversation", code="no_message")
        return [_message(conn, activity, sender, str(conversation))]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        config = _config(conn)
        service_url, conversation, reply_to = _thread(message.thread_key)
        token_url = endpoint(TOKEN_URL.format(tenant=config.tenant_id), config.api_base_url)
        token = await client_credentials_token(
            conn.client(), PROVIDER, token_url, config.app_id, config.app_password, SCOPE
        )
        ids = quote(conversation, safe=""), quote(reply_to, safe="")
        path = f"/v3/conversations/{ids[0]}/activities/{ids[1]}"
        url = endpoint(service_url.rstrip("/") + path, config.api_base_url)
        body = {"type": "message", "text": message.text, "replyToId": reply_to}
        headers = {"Authorization": f"Bearer {token}"}
        try:
            data = await call_json(conn.client(), PROVIDER, "POST", url, json=body, headers=headers)
        except Unauthorized:
            forget_token(token_url, config.app_id, SCOPE)
            raise
        new_id = data.get("id") if isinstance(data, dict) else None
        return SendResult(
            external_id=str(new_id or f"{reply_to}:{message.message_id}"),
            thread_key=message.thread_key,
            sent_at=datetime.now(UTC),
        )


def _message(
    conn: Connection, activity: dict[str, Any], sender: dict[str, Any], conversation: str
) -> InboundMessage:
    text = MENTION.sub("", str(activity.get("text") or "")).strip()
    return InboundMessage(
        organization_id=conn.organization_id,
        integration_id=conn.integration_id,
        channel=conn.channel,
        external_id=str(activity["id"]),
        thread_key=f"{activity['serviceUrl']}|{conversation}|{activity['id']}",
        sender=Party(
            name=str(sender.get("name") or "")[:200] or None,
            external_id=str(sender.get("aadObjectId") or sender["id"]),
        ),
        text=text[:MAX_TEXT_CHARS],
        received_at=iso_time(activity.get("timestamp")),
        raw_ref=f"{PROVIDER}:activity/{activity['id']}",
        metadata={
            "teams_user_id": sender["id"],
            "conversation_type": (activity.get("conversation") or {}).get("conversationType"),
            "tenant_id": (activity.get("conversation") or {}).get("tenantId"),
        },
    )


def _thread(thread_key: str | None) -> tuple[str, str, str]:
    parts = (thread_key or "").split("|")
    if len(parts) != 3 or not all(parts) or not parts[0].startswith("https://"):
        raise BadInput(f"{PROVIDER}: a thread key serviceUrl|conversation|activity is required")
    return parts[0], parts[1], parts[2]


def _config(conn: Connection) -> TeamsConfig:
    if not isinstance(conn.config, TeamsConfig):
        raise Fatal(f"{PROVIDER}: connection carries another connector's config")
    return conn.config


SPEC = ConnectorSpec(
    slug="microsoft_teams",
    name="Microsoft Teams",
    kind="chat",
    auth_type="api_key",
    config_model=TeamsConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description="Microsoft Teams bots (Bot Framework): messages to the bot in, replies out.",
    factory=TeamsConnector,
)
