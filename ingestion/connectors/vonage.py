"""Vonage Messages API: SMS, MMS, WhatsApp, Viber and Messenger messages in, replies out.

Inbound: the application's inbound webhook carries `Authorization: Bearer <JWT>` signed HS256
with the account's signature secret; its `payload_hash` claim is the SHA-256 (hex) of the body
and `iat` dates it. We check all three (Vonage calls the body check optional; we always make it,
so a token cannot be replayed with another body) and refuse tokens issued more than five minutes
away from now. Status webhooks (`status` field) carry no customer message and are ignored.

Outbound: `POST /v1/messages` with HTTP Basic auth (API key and secret). Vonage recommends a
JWT from the application's private key; Basic is the simpler credential to paste and works for
every channel we send on (without an application's ACLs, which we do not need). The reply goes
on the channel, from the number/id the customer wrote to: `thread_key` is
`<channel>:<our address>:<customer address>`. `client_ref` carries our message id.
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
from ingestion.connectors.jwt_auth import bearer_token, check_hash_claim, decode_hmac
from ingestion.connectors.provider_http import call_json
from ingestion.connectors.signing import same
from ingestion.connectors.timestamps import iso_time
from ingestion.contract import MAX_TEXT_CHARS, Attachment, InboundMessage, Party
from store.errors import BadInput, Fatal, Unauthorized

PROVIDER = "vonage"
API_URL = "https://api.nexmo.com"
MAX_TOKEN_AGE_S = 300
CHANNELS = frozenset({"sms", "mms", "whatsapp", "viber_service", "messenger"})
MEDIA_TYPES = ("image", "audio", "video", "file", "vcard")


class VonageConfig(ConnectorConfig):
    """One Vonage account: the API key pair (sending) and the signature secret (webhooks)."""

    api_key: str = Field(pattern=r"^[0-9A-Za-z]{6,32}$", description="API key (Dashboard)")
    api_secret: SecretStr = Secret("API secret: authenticates sends (HTTP Basic)")
    signature_secret: SecretStr = Secret("signature secret: Vonage signs webhooks with it")
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")


class VonageConnector:
    """Stateless: every call is told its account through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        config = _config(conn)
        token = bearer_token(request.header("authorization"), PROVIDER)
        claims = decode_hmac(PROVIDER, token, config.signature_secret, max_age_s=MAX_TOKEN_AGE_S)
        check_hash_claim(PROVIDER, claims, "payload_hash", request.body)
        if claims.get("api_key") and not same(config.api_key, str(claims["api_key"])):
            raise Unauthorized(f"{PROVIDER}: the webhook was signed for another account")

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        payload = request.json()
        if not isinstance(payload, dict) or not payload.get("message_uuid"):
            raise BadInput(f"{PROVIDER}: not a Messages API webhook", code="unknown_payload")
        if "status" in payload or payload.get("channel") not in CHANNELS:
            return []  # delivery receipts, and channels we cannot answer on
        if not payload.get("from") or not payload.get("to"):
            raise BadInput(f"{PROVIDER}: inbound message without addresses", code="no_address")
        return [_message(conn, payload)]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        channel, ours, customer = _address(message.thread_key)
        body = {
            "message_type": "text",
            "text": message.text,
            "to": customer,
            "from": ours,
            "channel": channel,
            "client_ref": str(message.message_id),
        }
        data = await _call(conn, "POST", "/v1/messages", json=body)
        if not data.get("message_uuid"):
            raise BadInput(f"{PROVIDER}: the provider answered without a message_uuid")
        return SendResult(
            external_id=str(data["message_uuid"]),
            thread_key=message.thread_key,
            sent_at=datetime.now(UTC),
        )


def _message(conn: Connection, payload: dict[str, Any]) -> InboundMessage:
    channel, customer, ours = str(payload["channel"]), str(payload["from"]), str(payload["to"])
    kind = str(payload.get("message_type") or "text")
    media = payload.get(kind) if kind in MEDIA_TYPES else None
    text = payload.get("text") or (media or {}).get("caption") or ""
    return InboundMessage(
        organization_id=conn.organization_id,
        integration_id=conn.integration_id,
        channel=conn.channel,
        external_id=str(payload["message_uuid"]),
        thread_key=f"{channel}:{ours}:{customer}",
        sender=Party(
            phone=f"+{customer}" if customer.isdigit() and channel != "messenger" else None,
            name=str((payload.get("profile") or {}).get("name") or "")[:200] or None,
            external_id=customer,
        ),
        recipients=[Party(external_id=ours)],
        text=str(text)[:MAX_TEXT_CHARS],
        attachments=[_attachment(kind, media)] if isinstance(media, dict) else [],
        received_at=iso_time(payload.get("timestamp")),
        raw_ref=f"{PROVIDER}:message/{payload['message_uuid']}",
        metadata={"vonage_channel": channel, "message_type": kind},
    )


def _attachment(kind: str, media: dict[str, Any]) -> Attachment:
    return Attachment(filename=str(media.get("name") or kind)[:500], ref=media.get("url"))


def _address(thread_key: str | None) -> tuple[str, str, str]:
    channel, _, rest = (thread_key or "").partition(":")
    ours, _, customer = rest.partition(":")
    if channel not in CHANNELS or not ours or not customer:
        raise BadInput(f"{PROVIDER}: a thread key channel:ours:customer is required")
    return channel, ours, customer


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    config = _config(conn)
    url = (config.api_base_url or API_URL).rstrip("/") + path
    auth = (config.api_key, config.api_secret.get_secret_value())
    data = await call_json(conn.client(), PROVIDER, method, url, auth=auth, **kwargs)
    return data if isinstance(data, dict) else {}


def _config(conn: Connection) -> VonageConfig:
    if not isinstance(conn.config, VonageConfig):
        raise Fatal(f"{PROVIDER}: connection carries another connector's config")
    return conn.config


SPEC = ConnectorSpec(
    slug="vonage",
    name="Vonage Messages",
    kind="sms",
    auth_type="basic",
    config_model=VonageConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description="Vonage Messages API (SMS, MMS, WhatsApp, Viber, Messenger): in and out.",
    factory=VonageConnector,
)
