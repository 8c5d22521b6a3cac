"""LINE Messaging API: messages to the official account in, push messages out.

Inbound: LINE POSTs `{"destination", "events": [...]}` signed `X-Line-Signature =
base64(HMAC-SHA256(channel_secret, body))`. Each `message` event becomes a message with
`external_id` the message id: LINE redelivers a failed webhook with the same `webhookEventId`
and message (`deliveryContext.isRedelivery: true`), which the pipeline's dedupe absorbs. Events
in `standby` mode (another module owns the chat) and non-message events are ignored. LINE
signs no timestamp.

Outbound: the push API (`POST /v2/bot/message/push`) to the user, group or room the message came
from. Reply tokens expire about a minute after the event, well before a human approves a draft,
so push is the dependable path. `X-Line-Retry-Key` is our message id: a retried push LINE
already accepted answers 409 and is not sent twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import Field, SecretStr

from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    SendResult,
    WebhookRequest,
)
from ingestion.connectors.provider_http import (
    raise_for_provider,
    transport_errors_are_retriable,
)
from ingestion.connectors.signing import check_hmac, secret_bytes
from ingestion.contract import MAX_TEXT_CHARS, Attachment, InboundMessage, Party
from store.errors import BadInput, Fatal, Retriable

PROVIDER = "line"
API_URL = "https://api.line.me"
MAX_TEXT = 5000  # per text message object
MAX_MESSAGES = 5  # per push request
MEDIA_TYPES = frozenset({"image", "video", "audio", "file"})


class LineConfig(ConnectorConfig):
    """One LINE channel (official account): its secret and a long-lived access token."""

    channel_secret: SecretStr = Secret("channel secret (Basic settings): signs webhooks")
    channel_access_token: SecretStr = Secret("channel access token (Messaging API tab)")
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")


class LineConnector:
    """Stateless: every call is told its channel through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        check_hmac(
            PROVIDER,
            key=secret_bytes(_config(conn).channel_secret, PROVIDER),
            message=request.body,
            given=request.header("x-line-signature"),
            encoding="base64",
            header="X-Line-Signature",
        )

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        payload = request.json()
        if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
            raise BadInput(f"{PROVIDER}: not a webhook event batch", code="unknown_payload")
        return [
            _message(conn, event)
            for event in payload["events"]
            if isinstance(event, dict)
            and event.get("type") == "message"
            and event.get("mode", "active") == "active"
            and (event.get("message") or {}).get("id")
        ]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        to = (message.thread_key or "").strip()
        if not to:
            raise BadInput(f"{PROVIDER}: a user, group or room id is required", code="no_target")
        chunks = [message.text[i : i + MAX_TEXT] for i in range(0, len(message.text), MAX_TEXT)]
        if len(chunks) > MAX_MESSAGES:
            raise BadInput(f"{PROVIDER}: a reply is limited to {MAX_TEXT * MAX_MESSAGES} chars")
        body = {"to": to, "messages": [{"type": "text", "text": c} for c in chunks or [""]]}
        response = await _push(conn, body, str(message.message_id))
        if response.status_code == 409 and response.headers.get("x-line-accepted-request-id"):
            # Accepted by an earlier try of this same delivery: nothing new was sent.
            return SendResult(external_id=f"retry:{message.message_id}", thread_key=to)
        raise_for_provider(response, PROVIDER)
        sent = _json(response).get("sentMessages") or [{}]
        new_id = sent[0].get("id") if isinstance(sent[0], dict) else None
        return SendResult(
            external_id=str(new_id or f"push:{message.message_id}"),
            thread_key=to,
            sent_at=datetime.now(UTC),
        )


def _message(conn: Connection, event: dict[str, Any]) -> InboundMessage:
    message, source = event["message"], event.get("source") or {}
    user = source.get("userId")
    target = source.get("groupId") or source.get("roomId") or user
    kind = str(message.get("type") or "text")
    attachments = []
    if kind in MEDIA_TYPES:
        name = str(message.get("fileName") or kind)[:500]
        size = message.get("fileSize")
        attachments.append(
            Attachment(
                filename=name,
                size=size if isinstance(size, int) and size >= 0 else None,
                ref=f"line:content/{message['id']}",
            )
        )
    return InboundMessage(
        organization_id=conn.organization_id,
        integration_id=conn.integration_id,
        channel=conn.channel,
        external_id=str(message["id"]),
        thread_key=str(target) if target else None,
        sender=Party(external_id=str(user) if user else None),
        text=str(message.get("text") or "")[:MAX_TEXT_CHARS],
        attachments=attachments,
        received_at=_when(event.get("timestamp")),
        raw_ref=f"{PROVIDER}:message/{message['id']}",
        metadata={
            "webhook_event_id": event.get("webhookEventId"),
            "source_type": source.get("type"),
            "message_type": kind,
        },
    )


async def _push(conn: Connection, body: dict[str, Any], retry_key: str) -> httpx.Response:
    config = _config(conn)
    url = (config.api_base_url or API_URL).rstrip("/") + "/v2/bot/message/push"
    headers = {
        "Authorization": f"Bearer {config.channel_access_token.get_secret_value()}",
        "X-Line-Retry-Key": retry_key,
    }
    try:
        return await conn.client().post(url, json=body, headers=headers)
    except httpx.TransportError as exc:
        raise await transport_errors_are_retriable(PROVIDER, exc) from exc


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json() if response.content else {}
    except ValueError:
        raise Retriable(f"{PROVIDER}: the provider answered with malformed JSON") from None
    return data if isinstance(data, dict) else {}


def _when(millis: Any) -> datetime:
    if isinstance(millis, int) and millis > 0:
        return datetime.fromtimestamp(millis / 1000, UTC)
    return datetime.now(UTC)


def _config(conn: Connection) -> LineConfig:
    if not isinstance(conn.config, LineConfig):
        raise Fatal(f"{PROVIDER}: connection carries another connector's config")
    return conn.config


SPEC = ConnectorSpec(
    slug="line",
    name="LINE",
    kind="chat",
    auth_type="token",
    config_model=LineConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description="LINE Messaging API: messages to the official account in, push replies out.",
    factory=LineConnector,
)
