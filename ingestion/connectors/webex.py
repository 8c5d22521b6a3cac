"""Webex bots: messages to the bot in (webhooks), threaded replies out.

Inbound: a `messages`/`created` webhook registered with a secret is signed `X-Spark-Signature =
hex(HMAC-SHA1(secret, body))`. The body only names the message (`data.id`), as Webex sends no
content in webhooks; the text is read with `GET /v1/messages/{id}` and the bot token. Messages
from bots (`@webex.bot` addresses, which includes this bot's own replies) are ignored before
any fetch. Webex signs no timestamp: replays are absorbed by dedupe on the message id.

Outbound: `POST /v1/messages` with `roomId` and, in group spaces, `parentId` (the thread's first
message), so the reply stays in the customer's thread. `thread_key` is `roomId` for direct
spaces and `roomId:parentId` for threads in group spaces.
"""

from __future__ import annotations

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
from ingestion.connectors.timestamps import iso_time
from ingestion.contract import MAX_TEXT_CHARS, Attachment, InboundMessage, Party
from store.errors import BadInput, Fatal

PROVIDER = "webex"
API_URL = "https://webexapis.com"
BOT_DOMAIN = "@webex.bot"
MAX_TEXT = 7439  # Webex's limit for `text`


class WebexConfig(ConnectorConfig):
    """One Webex bot: its access token and the secret its webhooks were registered with."""

    bot_token: SecretStr = Secret("the bot's access token (developer.webex.com > My Apps)")
    webhook_secret: SecretStr = Secret("the `secret` given when the webhook was created")
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")


class WebexConnector:
    """Stateless: every call is told its bot through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        check_hmac(
            PROVIDER,
            key=secret_bytes(_config(conn).webhook_secret, PROVIDER),
            message=request.body,
            given=request.header("x-spark-signature"),
            algorithm="sha1",
            header="X-Spark-Signature",
        )

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        payload = request.json()
        if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
            raise BadInput(f"{PROVIDER}: not a webhook notification", code="unknown_payload")
        data = payload["data"]
        if (payload.get("resource"), payload.get("event")) != ("messages", "created"):
            return []  # memberships, rooms, deletions, attachment actions
        if str(data.get("personEmail") or "").lower().endswith(BOT_DOMAIN):
            return []  # bots, this one's own replies included
        if not data.get("id"):
            raise BadInput(f"{PROVIDER}: message event without an id", code="no_message")
        message = await _call(conn, "GET", f"/v1/messages/{data['id']}")
        return [_message(conn, message)]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        room, _, parent = (message.thread_key or "").partition(":")
        if not room or len(message.text) > MAX_TEXT:
            raise BadInput(f"{PROVIDER}: a room id and at most {MAX_TEXT} characters are needed")
        body = {"roomId": room, "text": message.text}
        if parent:
            body["parentId"] = parent
        data = await _call(conn, "POST", "/v1/messages", json=body)
        if not data.get("id"):
            raise BadInput(f"{PROVIDER}: the provider answered without a message id")
        return SendResult(
            external_id=str(data["id"]),
            thread_key=message.thread_key,
            sent_at=iso_time(data.get("created")),
        )

    async def check(self, conn: Connection) -> str:
        data = await _call(conn, "GET", "/v1/people/me")
        return f"{PROVIDER}: bot {data.get('displayName') or data.get('id')}"


def _message(conn: Connection, message: dict[str, Any]) -> InboundMessage:
    if not message.get("id") or not message.get("roomId"):
        raise BadInput(f"{PROVIDER}: the message read has no id or room", code="no_message")
    room, own_id = str(message["roomId"]), str(message["id"])
    direct = message.get("roomType") == "direct"
    thread = room if direct else f"{room}:{message.get('parentId') or own_id}"
    return InboundMessage(
        organization_id=conn.organization_id,
        integration_id=conn.integration_id,
        channel=conn.channel,
        external_id=own_id,
        thread_key=thread,
        sender=Party(
            email=message.get("personEmail") or None,
            external_id=message.get("personId"),
        ),
        text=str(message.get("text") or "")[:MAX_TEXT_CHARS],
        html=message.get("html") or None,
        attachments=[
            Attachment(filename=f"file-{index}", ref=str(url))
            for index, url in enumerate(message.get("files") or [])
        ][:100],
        received_at=iso_time(message.get("created")),
        raw_ref=f"{PROVIDER}:message/{own_id}",
        metadata={"room_type": message.get("roomType")},
    )


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    config = _config(conn)
    url = (config.api_base_url or API_URL).rstrip("/") + path
    headers = {"Authorization": f"Bearer {config.bot_token.get_secret_value()}"}
    data = await call_json(conn.client(), PROVIDER, method, url, headers=headers, **kwargs)
    return data if isinstance(data, dict) else {}


def _config(conn: Connection) -> WebexConfig:
    if not isinstance(conn.config, WebexConfig):
        raise Fatal(f"{PROVIDER}: connection carries another connector's config")
    return conn.config


SPEC = ConnectorSpec(
    slug="webex",
    name="Webex",
    kind="chat",
    auth_type="token",
    config_model=WebexConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description="Webex bots: messages to the bot in (webhooks), threaded replies out.",
    factory=WebexConnector,
)
