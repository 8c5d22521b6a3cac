"""Telnyx Messaging: SMS/MMS to a Telnyx number in, replies out.

Inbound: the messaging profile's webhook (API v2) is signed with Ed25519:
`telnyx-signature-ed25519` (base64) over `telnyx-timestamp` + "|" + raw body, checked with the
account's public key (Mission Control > Keys & Credentials > Public Key). Telnyx's SDKs refuse
timestamps more than five minutes old, and so do we. Only `message.received` events are
customer messages; `message.sent` / `message.finalized` (our own sends) are ignored.

Outbound: `POST /v2/messages` with the API key as Bearer: `from` is `from_number`, or the number
pool of `messaging_profile_id`; the new message's `data.id` is the result.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Any, Self

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import Field, SecretStr, model_validator

from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    SendResult,
    WebhookRequest,
)
from ingestion.connectors.provider_http import call_json
from ingestion.connectors.signing import check_fresh, require_header
from ingestion.connectors.timestamps import iso_time
from ingestion.contract import MAX_TEXT_CHARS, Attachment, InboundMessage, Party
from store.errors import BadInput, Fatal, Unauthorized

PROVIDER = "telnyx"
API_URL = "https://api.telnyx.com"
TOLERANCE_S = 300
E164 = r"^\+[1-9]\d{1,14}$"


class TelnyxConfig(ConnectorConfig):
    """One Telnyx account: API key, webhook public key, and the sender of replies."""

    api_key: SecretStr = Secret("API key (v2): authenticates sends")
    public_key: str = Field(
        pattern=r"^[A-Za-z0-9+/]{43}=$", description="the account's Ed25519 public key (base64)"
    )
    from_number: str | None = Field(default=None, pattern=E164, description="sender (+E.164)")
    messaging_profile_id: str | None = Field(
        default=None, max_length=64, description="send from this profile's number pool instead"
    )
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")

    @model_validator(mode="after")
    def _sender(self) -> Self:
        if not self.from_number and not self.messaging_profile_id:
            raise ValueError("set from_number or messaging_profile_id")
        return self


class TelnyxConnector:
    """Stateless: every call is told its account through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        config = _config(conn)
        signature = require_header(
            request.header("telnyx-signature-ed25519"), PROVIDER, "telnyx-signature-ed25519"
        )
        stamp = require_header(request.header("telnyx-timestamp"), PROVIDER, "telnyx-timestamp")
        try:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(config.public_key))
            key.verify(base64.b64decode(signature), stamp.encode() + b"|" + request.body)
        except (ValueError, binascii.Error, InvalidSignature):
            raise Unauthorized(f"{PROVIDER}: webhook signature does not match") from None
        check_fresh(PROVIDER, stamp, TOLERANCE_S)

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        envelope = request.json()
        data = envelope.get("data") if isinstance(envelope, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("event_type"), str):
            raise BadInput(f"{PROVIDER}: not a webhook event", code="unknown_payload")
        payload = data.get("payload") or {}
        if data["event_type"] != "message.received" or payload.get("direction") != "inbound":
            return []
        sender = (payload.get("from") or {}).get("phone_number")
        if not payload.get("id") or not sender:
            raise BadInput(f"{PROVIDER}: message without id or sender", code="no_message")
        return [_message(conn, payload, str(sender))]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        config = _config(conn)
        to = (message.thread_key or "").strip()
        if not to:
            raise BadInput(f"{PROVIDER}: a destination number is required", code="no_recipient")
        body: dict[str, Any] = {"to": to, "text": message.text}
        if config.from_number:
            body["from"] = config.from_number
        if config.messaging_profile_id:
            body["messaging_profile_id"] = config.messaging_profile_id
        url = (config.api_base_url or API_URL).rstrip("/") + "/v2/messages"
        headers = {"Authorization": f"Bearer {config.api_key.get_secret_value()}"}
        data = await call_json(conn.client(), PROVIDER, "POST", url, json=body, headers=headers)
        sent = data.get("data") if isinstance(data, dict) else None
        if not isinstance(sent, dict) or not sent.get("id"):
            raise BadInput(f"{PROVIDER}: the provider answered without a message id")
        return SendResult(external_id=str(sent["id"]), thread_key=to, sent_at=datetime.now(UTC))


def _message(conn: Connection, payload: dict[str, Any], sender: str) -> InboundMessage:
    to = [str(t.get("phone_number")) for t in payload.get("to") or [] if isinstance(t, dict)]
    media = [
        Attachment(
            filename=f"media-{index}",
            content_type=item.get("content_type"),
            size=item.get("size") if isinstance(item.get("size"), int) else None,
            ref=item.get("url"),
        )
        for index, item in enumerate(payload.get("media") or [])
        if isinstance(item, dict)
    ][:100]
    return InboundMessage(
        organization_id=conn.organization_id,
        integration_id=conn.integration_id,
        channel=conn.channel,
        external_id=str(payload["id"]),
        thread_key=sender,
        sender=Party(phone=sender[:40], external_id=sender),
        recipients=[Party(phone=number[:40]) for number in to],
        subject=payload.get("subject") or None,
        text=str(payload.get("text") or "")[:MAX_TEXT_CHARS],
        attachments=media,
        received_at=iso_time(payload.get("received_at")),
        raw_ref=f"{PROVIDER}:message/{payload['id']}",
        metadata={"type": payload.get("type"), "to": to[0] if to else None},
    )


def _config(conn: Connection) -> TelnyxConfig:
    if not isinstance(conn.config, TelnyxConfig):
        raise Fatal(f"{PROVIDER}: connection carries another connector's config")
    return conn.config


SPEC = ConnectorSpec(
    slug="telnyx",
    name="Telnyx SMS",
    kind="sms",
    auth_type="api_key",
    config_model=TelnyxConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description="Telnyx Messaging: SMS/MMS in (Ed25519-signed webhooks), replies out.",
    factory=TelnyxConnector,
)
