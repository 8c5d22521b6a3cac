"""Google Chat app (HTTP endpoint): messages to the app in, replies in the same thread.

Inbound: Google Chat POSTs interaction events with `Authorization: Bearer <JWT>`, RS256-signed by
chat@system.gserviceaccount.com (`iss`), `aud` the Google Cloud project number. We check the
signature against the service account's published keys (`jwks_url`, its JWK form), the issuer,
the audience and exp/nbf. The token does not sign the body (Google's scheme); it proves the
call is Google Chat's, for this project. `MESSAGE` events from people become messages; the
text is `argumentText` (the message without the @mention of the app). The app answers
asynchronously, so Chat shows no synchronous reply. Workspace add-on style endpoints (audience
= the endpoint URL) are not supported.

Outbound: `POST /v1/{space}/messages` with `thread.name` and `messageReplyOption=
REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD`, `requestId` our message id (Chat returns the message
already created for a repeated id). Auth: a service-account key (JWT-bearer grant, scope
chat.bot), or a pasted `access_token` for quick trials (Google tokens expire within an hour).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Self

from pydantic import Field, SecretStr, model_validator

from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    SendResult,
    WebhookReply,
    WebhookRequest,
)
from ingestion.connectors.jwt_auth import (
    bearer_token,
    decode_with_jwks,
    forget_token,
    service_account_token,
)
from ingestion.connectors.oauth import endpoint
from ingestion.connectors.provider_http import call_json
from ingestion.connectors.timestamps import iso_time
from ingestion.contract import MAX_TEXT_CHARS, InboundMessage, Party
from store.errors import BadInput, Fatal, Unauthorized

PROVIDER = "google_chat"
API_URL = "https://chat.googleapis.com"
ISSUER = "chat@system.gserviceaccount.com"
JWKS_URL = f"https://www.googleapis.com/service_accounts/v1/jwk/{ISSUER}"
TOKEN_URL = "https://oauth2.googleapis.com/token"
SCOPE = "https://www.googleapis.com/auth/chat.bot"
MAX_TEXT = 4096


class GoogleChatConfig(ConnectorConfig):
    """One Chat app: its project number (webhook audience) and how it authenticates replies."""

    project_number: str = Field(pattern=r"^\d{6,20}$", description="Google Cloud project number")
    service_account_json: SecretStr | None = Secret(
        "JSON key of the Chat app's service account", default=None
    )
    access_token: SecretStr | None = Secret("a bearer token (expires: trials)", default=None)
    jwks_url: str = Field(default=JWKS_URL, max_length=500, pattern=r"^https?://")
    api_base_url: str | None = Field(
        default=None, max_length=500, description="tests only: replaces the API and token host"
    )

    @model_validator(mode="after")
    def _credentials(self) -> Self:
        if self.service_account_json is None and self.access_token is None:
            raise ValueError("set service_account_json (recommended) or access_token")
        if self.service_account_json is not None:
            _service_account(self.service_account_json)
        return self


class GoogleChatConnector:
    """Stateless: every call is told its app through the Connection."""

    verify_fetches_keys = True  # signing keys or certificates come over HTTP: off the loop

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        config = _config(conn)
        token = bearer_token(request.header("authorization"), PROVIDER)
        decode_with_jwks(
            PROVIDER, token, config.jwks_url, audience=config.project_number, issuer=ISSUER
        )

    def ack(self, conn: Connection, request: WebhookRequest, accepted: int) -> WebhookReply:
        """Chat reads the HTTP answer as the app's reply message: `{}` posts nothing (the agent's
        answer is created later through the API)."""
        return WebhookReply(status=200, body={})

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        event = request.json()
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise BadInput(f"{PROVIDER}: not a Chat interaction event", code="unknown_payload")
        message = event.get("message") or {}
        sender = message.get("sender") or event.get("user") or {}
        if event["type"] != "MESSAGE" or sender.get("type") == "BOT":
            return []  # ADDED_TO_SPACE, REMOVED_FROM_SPACE, CARD_CLICKED, other apps
        if not message.get("name"):
            raise BadInput(f"{PROVIDER}: MESSAGE event without a message", code="no_message")
        return [_message(conn, event, message, sender)]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        thread = (message.thread_key or "").strip()
        space = thread.split("/threads/")[0]
        if not space.startswith("spaces/") or len(message.text) > MAX_TEXT:
            raise BadInput(f"{PROVIDER}: a space/thread and at most {MAX_TEXT} characters")
        body: dict[str, Any] = {"text": message.text}
        if "/threads/" in thread:
            body["thread"] = {"name": thread}
        params = {
            "messageReplyOption": "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD",
            "requestId": str(message.message_id),
        }
        data = await _call(conn, f"/v1/{space}/messages", body, params)
        if not data.get("name"):
            raise BadInput(f"{PROVIDER}: the provider answered without a message name")
        new_thread = (data.get("thread") or {}).get("name") or thread
        return SendResult(
            external_id=str(data["name"]), thread_key=new_thread, sent_at=datetime.now(UTC)
        )


def _message(
    conn: Connection, event: dict[str, Any], message: dict[str, Any], sender: dict[str, Any]
) -> InboundMessage:
    space = (message.get("space") or event.get("space") or {}).get("name")
    thread = (message.get("thread") or {}).get("name") or space
    text = str(message.get("argumentText") or message.get("text") or "").strip()
    return InboundMessage(
        organization_id=conn.organization_id,
        integration_id=conn.integration_id,
        channel=conn.channel,
        external_id=str(message["name"]),
        thread_key=str(thread) if thread else None,
        sender=Party(
            email=sender.get("email") or None,
            name=str(sender.get("displayName") or "")[:200] or None,
            external_id=sender.get("name"),
        ),
        text=text[:MAX_TEXT_CHARS],
        received_at=iso_time(message.get("createTime") or event.get("eventTime")),
        raw_ref=f"{PROVIDER}:{message['name']}",
        metadata={"space": space, "space_type": (event.get("space") or {}).get("type")},
    )


async def _call(
    conn: Connection, path: str, body: dict[str, Any], params: dict[str, str]
) -> dict[str, Any]:
    config = _config(conn)
    token, forget = await _token(conn, config)
    url = (config.api_base_url or API_URL).rstrip("/") + path
    headers = {"Authorization": f"Bearer {token}"}
    try:
        data = await call_json(
            conn.client(), PROVIDER, "POST", url, json=body, params=params, headers=headers
        )
    except Unauthorized:
        forget()  # a revoked or rotated key: mint a new token next time
        raise
    return data if isinstance(data, dict) else {}


async def _token(conn: Connection, config: GoogleChatConfig) -> tuple[str, Callable[[], None]]:
    """A bearer token for the Chat API, and how to drop it from the cache if it is refused."""
    if config.service_account_json is None:
        pasted = config.access_token.get_secret_value() if config.access_token else ""
        return pasted, lambda: None
    email, key, token_uri = _service_account(config.service_account_json)
    token_url = endpoint(token_uri, config.api_base_url)
    token = await service_account_token(conn.client(), PROVIDER, token_url, email, key, SCOPE)
    return token, lambda: forget_token(token_url, email, SCOPE)


def _service_account(raw: SecretStr | None) -> tuple[str, str, str]:
    """(client_email, private_key, token_uri) of a service-account JSON key."""
    try:
        data = json.loads(raw.get_secret_value() if raw else "")
        email, key = str(data["client_email"]), str(data["private_key"])
    except (ValueError, KeyError, TypeError):
        raise ValueError("service_account_json must be a service-account JSON key") from None
    return email, key, str(data.get("token_uri") or TOKEN_URL)


def _config(conn: Connection) -> GoogleChatConfig:
    if not isinstance(conn.config, GoogleChatConfig):
        raise Fatal(f"{PROVIDER}: connection carries another connector's config")
    return conn.config


SPEC = ConnectorSpec(
    slug="google_chat",
    name="Google Chat",
    kind="chat",
    auth_type="api_key",
    config_model=GoogleChatConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description="Google Chat apps (HTTP endpoint): messages to the app in, threaded replies out.",
    factory=GoogleChatConnector,
)
