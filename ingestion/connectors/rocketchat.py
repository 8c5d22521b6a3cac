"""Rocket.Chat: room messages in (outgoing webhook integration), bot replies out
(`POST /api/v1/chat.postMessage`).

An outgoing integration on the *Message Sent* event posts each message as JSON with the
integration's `token` in the body, compared here in constant time; Rocket.Chat signs nothing
and dates nothing, so a replayed call is absorbed by de-duplication on `external_id` (the message
id). A message is in a thread when it carries `tmid`, so `thread_key` is
`"<room id>:<tmid or message id>"` and the reply's `tmid` keeps the conversation in that thread.
An edit (with *Run on edits* on) arrives again under the same id with `isEdited`: it is taken in
as `"<id>:edited:<digest of the text>"` so the correction reaches the inbox while a redelivered
edit still de-duplicates. Messages flagged `bot`, and those of our own user, are ignored.

Replies use a personal access token of the bot user (`X-Auth-Token` + `X-User-Id`).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr

from ingestion.connectors import helpdesk_kit as hd
from ingestion.connectors import team_chat_kit as tk
from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    SendResult,
    WebhookRequest,
)
from ingestion.contract import InboundMessage
from store.errors import BadInput

P = "rocketchat"


class RocketChatConfig(ConnectorConfig):
    """One Rocket.Chat workspace: the outgoing integration's token and a bot user to reply as."""

    server_url: str = tk.server_url("https://chat.example.com")
    user_id: str = Field(
        pattern=r"^[A-Za-z0-9._-]{3,64}$", description="the bot user's id: its messages are ours"
    )
    auth_token: SecretStr = Secret("the bot user's personal access token", min_length=20)
    webhook_token: SecretStr = Secret("the outgoing integration's token", min_length=8)
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")


class RocketChatConnector:
    """Stateless: every call is told its workspace through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        tk.check_body_token(P, request, _config(conn).webhook_token)

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        data = hd.object_of(request.json(), P)
        if data.get("bot") is True or data.get("user_id") == _config(conn).user_id:
            return []  # integrations' and our own messages come back through the same trigger
        if not data.get("message_id"):
            return []  # room created / joined / left and user events carry no message
        message_id = hd.require_id(data["message_id"], P, "message id", "token")
        room = hd.require_id(data.get("channel_id"), P, "room id", "token")
        text = str(data.get("text") or "")
        root = str(data.get("tmid") or message_id)
        external_id, metadata = message_id, _metadata(data, root)
        if data.get("isEdited"):
            external_id = f"{message_id}:edited:{hd.content_id(text)}"
            metadata["edited_of"] = message_id
        return [
            hd.message(
                conn,
                external_id=external_id,
                thread_key=f"{room}:{root}",
                sender=hd.party(external_id=data.get("user_id"), name=data.get("user_name")),
                text=text,
                received_at=data.get("timestamp"),
                raw_ref=f"rocketchat:message/{message_id}",
                metadata=metadata,
            )
        ]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        room, root = tk.split_key(message.thread_key, P, ":", "<room>:<thread message>")
        body = {"roomId": room, "text": message.text, "tmid": root}
        data = hd.as_dict(await _call(conn, "POST", "/api/v1/chat.postMessage", json=body), P)
        posted = data.get("message") or {}
        if data.get("success") is not True or not posted.get("_id"):
            raise BadInput("rocketchat: chat.postMessage was refused", code="refused")
        return SendResult(external_id=str(posted["_id"]), thread_key=f"{room}:{root}")

    async def check(self, conn: Connection) -> str:
        me = hd.as_dict(await _call(conn, "GET", "/api/v1/me"), P)
        return f"Rocket.Chat: connected as @{me.get('username') or _config(conn).user_id}"


def _metadata(data: dict[str, Any], root: str) -> dict[str, Any]:
    keys = ("channel_name", "alias", "siteUrl", "trigger_word")
    return {"tmid": root, **{k: data[k] for k in keys if data.get(k)}}


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> Any:
    config = _config(conn)
    url = tk.api_base(config, config.server_url) + path
    headers = {"X-Auth-Token": config.auth_token.get_secret_value(), "X-User-Id": config.user_id}
    return await hd.call(conn, P, method, url, headers, **kwargs)


def _config(conn: Connection) -> RocketChatConfig:
    return hd.config_of(conn, RocketChatConfig, P)


SPEC = ConnectorSpec(
    slug="rocketchat",
    name="Rocket.Chat",
    kind="chat",
    auth_type="token",
    config_model=RocketChatConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description="Rocket.Chat rooms: messages in (outgoing integration), bot replies in the thread.",
    factory=RocketChatConnector,
)
