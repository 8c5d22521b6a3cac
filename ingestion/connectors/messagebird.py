"""MessageBird (Bird) Programmable Conversations: customer messages in, replies in the thread.

Inbound: conversation webhooks (`message.created`, `message.updated`, `conversation.*`) signed
with `MessageBird-Signature-JWT`: an HS256 token (the account's signing key) with `iss:
MessageBird`, `nbf`/`exp` a minute apart, a `jti`, `url_hash` (SHA-256 hex of the URL called,
query included) and `payload_hash` (SHA-256 hex of the body, absent for an empty body). All are
checked as MessageBird's SDKs do, with five seconds of clock tolerance. Behind a proxy that
rewrites the host or scheme, set `public_webhook_url` to the URL registered with MessageBird.
Only `message.created` with `direction: received` is a customer message.

Outbound: `POST /v1/conversations/{conversationId}/messages` on conversations.messagebird.com
(`AccessKey` auth), so the reply lands in the customer's conversation on its own channel.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import Field, SecretStr

from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    SendResult,
    WebhookRequest,
)
from ingestion.connectors.jwt_auth import check_hash_claim, decode_hmac
from ingestion.connectors.provider_http import call_json
from ingestion.connectors.signing import require_header
from ingestion.contract import MAX_TEXT_CHARS, Attachment, InboundMessage, Party
from store.errors import BadInput, Fatal, Unauthorized

PROVIDER = "messagebird"
API_URL = "https://conversations.messagebird.com"
MEDIA_TYPES = ("image", "video", "audio", "file")


class MessageBirdConfig(ConnectorConfig):
    """One MessageBird account: the access key (API) and the webhook signing key."""

    access_key: SecretStr = Secret("API access key (live): authenticates replies")
    signing_key: SecretStr = Secret("signing key (Developers > API settings): signs webhooks")
    public_webhook_url: str | None = Field(
        default=None,
        max_length=1000,
        pattern=r"^https?://",
        description="the exact webhook URL registered, when a proxy changes the one we see",
    )
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")


class MessageBirdConnector:
    """Stateless: every call is told its account through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        config = _config(conn)
        token = require_header(
            request.header("messagebird-signature-jwt"), PROVIDER, "MessageBird-Signature-JWT"
        )
        claims = decode_hmac(
            PROVIDER,
            token,
            config.signing_key,
            algorithms=("HS256", "HS384", "HS512"),
            issuer="MessageBird",
        )
        if not claims.get("jti") or "exp" not in claims:
            raise Unauthorized(f"{PROVIDER}: the webhook token lacks jti or exp")
        check_hash_claim(PROVIDER, claims, "url_hash", config.public_webhook_url or request.url)
        if request.body or "payload_hash" in claims:
            check_hash_claim(PROVIDER, claims, "payload_hash", request.body)

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        payload = request.json()
        if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
            raise BadInput(f"{PROVIDER}: not a conversations webhook", code="unknown_payload")
        message = payload.get("message") or {}
        if payload["type"] != "message.created" or message.get("direction") != "received":
            return []  # our own sends, status updates, conversation lifecycle
        if not message.get("id") or not message.get("conversationId"):
            raise BadInput(f"{PROVIDER}: message without id or conversation", code="no_message")
        return [_message(conn, message, payload)]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        conversation = (message.thread_key or "").strip()
        if not conversation.isalnum():
            raise BadInput(f"{PROVIDER}: a conversation id is required", code="no_conversation")
        body = {"type": "text", "content": {"text": message.text}}
        data = await _call(conn, "POST", f"/v1/conversations/{conversation}/messages", json=body)
        if not data.get("id"):
            raise BadInput(f"{PROVIDER}: the provider answered without a message id")
        return SendResult(
            external_id=str(data["id"]), thread_key=conversation, sent_at=datetime.now(UTC)
        )


def _message(conn: Connection, message: dict[str, Any], payload: dict[str, Any]) -> InboundMessage:
    contact = payload.get("contact") or {}
    conversation = payload.get("conversation") or {}
    contact_id = contact.get("id") or conversation.get("contactId") or message.get("from")
    kind = str(message.get("type") or "text")
    content = message.get("content") or {}
    media = content.get(kind) if kind in MEDIA_TYPES else None
    text = content.get("text") or (media or {}).get("caption") or ""
    msisdn = str(contact.get("msisdn") or "")
    return InboundMessage(
        organization_id=conn.organization_id,
        integration_id=conn.integration_id,
        channel=conn.channel,
        external_id=str(message["id"]),
        thread_key=str(message["conversationId"]),
        sender=Party(
            phone=f"+{msisdn}" if msisdn.isdigit() else None,
            name=str(contact.get("displayName") or "")[:200] or None,
            external_id=str(contact_id) if contact_id else None,
        ),
        text=str(text)[:MAX_TEXT_CHARS],
        attachments=[Attachment(filename=kind, ref=media.get("url"))]
        if isinstance(media, dict)
        else [],
        received_at=_when(message.get("createdDatetime")),
        raw_ref=f"{PROVIDER}:message/{message['id']}",
        metadata={"messagebird_channel_id": message.get("channelId"), "message_type": kind},
    )


def _when(value: Any) -> datetime:
    text = str(value or "")
    # MessageBird sends nanoseconds ("...40:02.880881081Z"); Python parses up to microseconds.
    head, dot, tail = text.partition(".")
    if dot:
        digits = "".join(c for c in tail if c.isdigit())
        text = f"{head}.{digits[:6]}{tail[len(digits) :]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return datetime.now(UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    config = _config(conn)
    url = (config.api_base_url or API_URL).rstrip("/") + path
    headers = {
        "Authorization": f"AccessKey {config.access_key.get_secret_value()}",
        "Accept": "application/json",
    }
    data = await call_json(conn.client(), PROVIDER, method, url, headers=headers, **kwargs)
    return data if isinstance(data, dict) else {}


def _config(conn: Connection) -> MessageBirdConfig:
    if not isinstance(conn.config, MessageBirdConfig):
        raise Fatal(f"{PROVIDER}: connection carries another connector's config")
    return conn.config


SPEC = ConnectorSpec(
    slug="messagebird",
    name="MessageBird (Bird) Conversations",
    kind="chat",
    auth_type="api_key",
    config_model=MessageBirdConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description="MessageBird Programmable Conversations: omni-channel messages in, replies out.",
    factory=MessageBirdConnector,
)
