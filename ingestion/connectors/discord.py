"""Discord: a slash command (default `/support <text>`) in, bot messages in the channel out.

Inbound: the application's Interactions Endpoint URL. Discord signs every call with Ed25519:
`X-Signature-Ed25519` (hex) over `X-Signature-Timestamp` + raw body, checked with the
application's public key; Discord probes the endpoint with bad signatures and expects 401. A
PING (type 1) is verified, then answered `{"type": 1}` through `handshake`. Discord documents no
freshness window for the timestamp; interactions must be answered within three seconds, so we
refuse timestamps more than five minutes away from now (a replay, not a slow network).
Application commands (type 2) named `command_name` become messages: their string options are
the text. Plain channel messages never reach an interactions endpoint (they need the Gateway).

Outbound: `POST /api/v10/channels/{channel_id}/messages` with the bot token. `nonce` +
`enforce_nonce` make a retried delivery return the message already created instead of posting
twice. Mentions in replies are disabled.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import Field, SecretStr

from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    SendResult,
    WebhookReply,
    WebhookRequest,
)
from ingestion.connectors.provider_http import call_json
from ingestion.connectors.signing import check_fresh, require_header
from ingestion.contract import MAX_TEXT_CHARS, InboundMessage, Party
from store.errors import BadInput, Fatal, Unauthorized

PROVIDER = "discord"
API_URL = "https://discord.com"
MAX_AGE_S = 300
MAX_CONTENT = 2000
PING, APPLICATION_COMMAND = 1, 2
STRING_OPTION = 3


CHANNEL_MESSAGE_WITH_SOURCE = 4  # an interaction response carrying a message
EPHEMERAL = 1 << 6
ACK_TEXT = "Thanks, your message reached our support team. We will answer here."


class DiscordConfig(ConnectorConfig):
    """One Discord application: its public key (webhooks) and bot token (replies)."""

    application_id: str = Field(pattern=r"^\d{15,21}$", description="Application ID")
    public_key: str = Field(
        pattern=r"^[0-9a-fA-F]{64}$", description="application public key (General Information)"
    )
    bot_token: SecretStr = Secret("bot token (Bot tab): posts replies")
    command_name: str = Field(
        default="support", pattern=r"^[-_a-z0-9]{1,32}$", description="slash command to take"
    )
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")


class DiscordConnector:
    """Stateless: every call is told its application through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        config = _config(conn)
        signature = require_header(
            request.header("x-signature-ed25519"), PROVIDER, "X-Signature-Ed25519"
        )
        stamp = require_header(
            request.header("x-signature-timestamp"), PROVIDER, "X-Signature-Timestamp"
        )
        try:
            key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(config.public_key))
            key.verify(bytes.fromhex(signature), stamp.encode() + request.body)
        except (ValueError, InvalidSignature):
            raise Unauthorized(f"{PROVIDER}: webhook signature does not match") from None
        check_fresh(PROVIDER, stamp, MAX_AGE_S)

    def handshake(self, conn: Connection, request: WebhookRequest) -> WebhookReply | None:
        """Answer a verified PING; anything else goes on to verify + parse."""
        if request.method != "POST":
            return None
        self.verify(conn, request)
        try:
            payload = request.json()
        except BadInput:
            return None
        if isinstance(payload, dict) and payload.get("type") == PING:
            return WebhookReply(status=200, body={"type": PING})
        return None

    def ack(self, conn: Connection, request: WebhookRequest, accepted: int) -> WebhookReply:
        """Discord wants an interaction response within 3 s, or the user sees "did not respond":
        a message only the user sees (flags 64, ephemeral) says the request reached the team;
        the agent's answer follows as a bot message in the channel."""
        text = ACK_TEXT if accepted else "This command is not handled here."
        data = {"content": text, "flags": EPHEMERAL, "allowed_mentions": {"parse": []}}
        return WebhookReply(status=200, body={"type": CHANNEL_MESSAGE_WITH_SOURCE, "data": data})

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        payload = request.json()
        if not isinstance(payload, dict) or not isinstance(payload.get("type"), int):
            raise BadInput(f"{PROVIDER}: not an interaction", code="unknown_payload")
        data = payload.get("data") or {}
        user = (payload.get("member") or {}).get("user") or payload.get("user") or {}
        if (
            payload["type"] != APPLICATION_COMMAND
            or data.get("name") != _config(conn).command_name
            or user.get("bot")
        ):
            return []  # PING (answered by handshake), other commands, components, modals
        if not payload.get("id") or not payload.get("channel_id") or not user.get("id"):
            raise BadInput(f"{PROVIDER}: command without id, channel or user", code="no_command")
        return [_message(conn, payload, data, user)]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        channel = (message.thread_key or "").strip()
        if not channel.isdigit():
            raise BadInput(f"{PROVIDER}: a channel id is required", code="no_channel")
        if len(message.text) > MAX_CONTENT:
            raise BadInput(f"{PROVIDER}: messages are limited to {MAX_CONTENT} characters")
        body = {
            "content": message.text,
            "nonce": message.message_id.hex[:25],
            "enforce_nonce": True,
            "allowed_mentions": {"parse": []},
        }
        data = await _call(conn, "POST", f"/api/v10/channels/{channel}/messages", json=body)
        if not data.get("id"):
            raise BadInput(f"{PROVIDER}: the provider answered without a message id")
        return SendResult(external_id=str(data["id"]), thread_key=channel, sent_at=_when(data))

    async def check(self, conn: Connection) -> str:
        data = await _call(conn, "GET", "/api/v10/users/@me")
        return f"{PROVIDER}: bot {data.get('username') or data.get('id')}"


def _message(
    conn: Connection, payload: dict[str, Any], data: dict[str, Any], user: dict[str, Any]
) -> InboundMessage:
    text = "\n".join(
        str(option.get("value"))
        for option in data.get("options") or []
        if option.get("type") == STRING_OPTION and option.get("value") is not None
    )
    name = user.get("global_name") or user.get("username") or ""
    return InboundMessage(
        organization_id=conn.organization_id,
        integration_id=conn.integration_id,
        channel=conn.channel,
        external_id=str(payload["id"]),
        thread_key=str(payload["channel_id"]),
        sender=Party(name=str(name)[:200] or None, external_id=str(user["id"])),
        text=text[:MAX_TEXT_CHARS],
        raw_ref=f"{PROVIDER}:interaction/{payload['id']}",
        metadata={"guild_id": payload.get("guild_id"), "command": data.get("name")},
    )


def _when(data: dict[str, Any]) -> datetime:
    try:
        return datetime.fromisoformat(str(data.get("timestamp")))
    except ValueError:
        return datetime.now(UTC)


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    config = _config(conn)
    url = (config.api_base_url or API_URL).rstrip("/") + path
    headers = {"Authorization": f"Bot {config.bot_token.get_secret_value()}"}
    data = await call_json(conn.client(), PROVIDER, method, url, headers=headers, **kwargs)
    return data if isinstance(data, dict) else {}


def _config(conn: Connection) -> DiscordConfig:
    if not isinstance(conn.config, DiscordConfig):
        raise Fatal(f"{PROVIDER}: connection carries another connector's config")
    return conn.config


SPEC = ConnectorSpec(
    slug="discord",
    name="Discord",
    kind="chat",
    auth_type="token",
    config_model=DiscordConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description="Discord: a /support slash command in (Interactions endpoint), bot replies out.",
    factory=DiscordConnector,
)
