"""Viber REST bot API: messages to the bot in, replies out.

Inbound: Viber POSTs callbacks signed `X-Viber-Content-Signature = hex(HMAC-SHA256(auth_token,
body))`. Only the `message` event is a customer message; `webhook` (Viber's check when the
webhook is set: a verified 200 is all it needs), `subscribed`, `conversation_started`,
`delivered`, `seen` and `failed` are acknowledged and ignored. The callback's `timestamp` is
not part of the signature, so replays are absorbed by dedupe on `message_token`.

Outbound: `POST /pa/send_message` with `X-Viber-Auth-Token`. Viber answers HTTP 200 even for
failures and reports them in `status`; those are mapped to our errors here.
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
from ingestion.connectors.provider_http import call_json
from ingestion.connectors.signing import check_hmac, secret_bytes
from ingestion.contract import MAX_TEXT_CHARS, Attachment, InboundMessage, Party
from store.errors import BadInput, Fatal, Retriable, SwitchboardError, Unauthorized

PROVIDER = "viber"
API_URL = "https://chatapi.viber.com"
MEDIA_TYPES = frozenset({"picture", "video", "file"})
# Viber's `status` codes (HTTP 200 either way) → what the caller should do; others: BadInput.
STATUS_ERRORS: dict[int, type[SwitchboardError]] = {
    2: Unauthorized,  # invalidAuthToken
    7: Fatal,  # publicAccountBlocked
    8: Fatal,  # publicAccountNotFound
    9: Fatal,  # publicAccountSuspended
    10: Fatal,  # webhookNotSet
    12: Retriable,  # tooManyRequests
    15: Fatal,  # publicAccountNotAuthorized
}


class ViberConfig(ConnectorConfig):
    """One Viber bot: its token (signs callbacks, authenticates sends) and display name."""

    auth_token: SecretStr = Secret("the bot's authentication token (Viber Admin Panel)")
    bot_name: str = Field(min_length=1, max_length=28, description="sender name on replies")
    bot_avatar: str | None = Field(default=None, max_length=500, pattern=r"^https://")
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")


class ViberConnector:
    """Stateless: every call is told its bot through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        check_hmac(
            PROVIDER,
            key=secret_bytes(_config(conn).auth_token, PROVIDER),
            message=request.body,
            given=request.header("x-viber-content-signature"),
            header="X-Viber-Content-Signature",
        )

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        payload = request.json()
        if not isinstance(payload, dict) or not isinstance(payload.get("event"), str):
            raise BadInput(f"{PROVIDER}: not a Viber callback", code="unknown_payload")
        if payload["event"] != "message":
            return []
        sender = payload.get("sender") or {}
        if not sender.get("id") or not payload.get("message_token"):
            raise BadInput(f"{PROVIDER}: message without sender or token", code="no_message")
        return [_message(conn, payload, sender)]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        config, receiver = _config(conn), (message.thread_key or "").strip()
        if not receiver:
            raise BadInput(f"{PROVIDER}: a receiver id is required", code="no_receiver")
        sender = {"name": config.bot_name}
        if config.bot_avatar:
            sender["avatar"] = config.bot_avatar
        body = {
            "receiver": receiver,
            "min_api_version": 1,
            "sender": sender,
            "tracking_data": str(message.message_id),
            "type": "text",
            "text": message.text,
        }
        data = await _call(conn, "/pa/send_message", body)
        token = data.get("message_token") or f"send:{message.message_id}"
        return SendResult(external_id=str(token), thread_key=receiver, sent_at=datetime.now(UTC))

    async def check(self, conn: Connection) -> str:
        data = await _call(conn, "/pa/get_account_info", {})
        return f"{PROVIDER}: bot {data.get('name') or data.get('id')}"


def _message(conn: Connection, payload: dict[str, Any], sender: dict[str, Any]) -> InboundMessage:
    message = payload.get("message") or {}
    kind = str(message.get("type") or "text")
    attachments = []
    if kind in MEDIA_TYPES and message.get("media"):
        size = message.get("size")
        attachments.append(
            Attachment(
                filename=str(message.get("file_name") or kind)[:500],
                size=size if isinstance(size, int) and size >= 0 else None,
                ref=str(message["media"]),
            )
        )
    return InboundMessage(
        organization_id=conn.organization_id,
        integration_id=conn.integration_id,
        channel=conn.channel,
        external_id=str(payload["message_token"]),
        thread_key=str(sender["id"]),
        sender=Party(
            name=str(sender.get("name") or "")[:200] or None, external_id=str(sender["id"])
        ),
        text=str(message.get("text") or "")[:MAX_TEXT_CHARS],
        attachments=attachments,
        received_at=_when(payload.get("timestamp")),
        raw_ref=f"{PROVIDER}:message/{payload['message_token']}",
        metadata={"message_type": kind, "country": sender.get("country")},
    )


async def _call(conn: Connection, path: str, body: dict[str, Any]) -> dict[str, Any]:
    config = _config(conn)
    url = (config.api_base_url or API_URL).rstrip("/") + path
    headers = {"X-Viber-Auth-Token": config.auth_token.get_secret_value()}
    data = await call_json(conn.client(), PROVIDER, "POST", url, json=body, headers=headers)
    if not isinstance(data, dict):
        raise Retriable(f"{PROVIDER}: the provider answered with an unexpected body")
    status = data.get("status")
    if status != 0:
        error = STATUS_ERRORS.get(status if isinstance(status, int) else -1, BadInput)
        reason = f"{PROVIDER}: {data.get('status_message') or 'refused'} (status {status})"
        raise Retriable(reason, retry_after=5) if error is Retriable else error(reason)
    return data


def _when(millis: Any) -> datetime:
    if isinstance(millis, int) and millis > 0:
        return datetime.fromtimestamp(millis / 1000, UTC)
    return datetime.now(UTC)


def _config(conn: Connection) -> ViberConfig:
    if not isinstance(conn.config, ViberConfig):
        raise Fatal(f"{PROVIDER}: connection carries another connector's config")
    return conn.config


SPEC = ConnectorSpec(
    slug="viber",
    name="Viber",
    kind="chat",
    auth_type="token",
    config_model=ViberConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description="Viber bots (REST bot API): messages to the bot in, replies out.",
    factory=ViberConnector,
)
