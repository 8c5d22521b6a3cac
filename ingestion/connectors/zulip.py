"""Zulip: messages to a bot in (outgoing webhook, Zulip format), replies out (REST API).

An outgoing-webhook bot is notified when it is @-mentioned in a channel or sent a direct message;
Zulip posts `{"bot_email", "bot_full_name", "data", "message": {...}, "token", "trigger"}` with
the bot's fixed `token` in the body, compared here in constant time. Zulip signs and dates
nothing, so a replayed call is absorbed by de-duplication on `external_id` (the message id).

Threads are Zulip's own: a channel message's `thread_key` is `"stream:<channel id>:<topic>"` and
a direct message's `"dm:<ids of the other participants>"`, so a reply goes to the same topic or
the same conversation. The leading @-mention of the bot is dropped from the text.

Zulip posts whatever the webhook answers as the bot's reply unless it answers
`{"response_not_required": true}`: this connector answers that (`WebhookAck`) and replies later,
after review, with the bot's API key (HTTP Basic `bot_email:api_key`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import Field, SecretStr

from ingestion.connectors import helpdesk_kit as hd
from ingestion.connectors import team_chat_kit as tk
from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    SendResult,
    WebhookReply,
    WebhookRequest,
)
from ingestion.contract import InboundMessage
from store.errors import BadInput

P = "zulip"
EMAIL = r"^[^@\s]+@[^@\s]+$"


class ZulipConfig(ConnectorConfig):
    """One Zulip organization and its outgoing-webhook bot (token in, API key out)."""

    server_url: str = tk.server_url("https://acme.zulipchat.com")
    bot_email: str = Field(pattern=EMAIL, max_length=320, description="the bot's email address")
    api_key: SecretStr = Secret("the bot's API key (zuliprc `key`)", min_length=16)
    webhook_token: SecretStr = Secret("the bot's outgoing webhook token (zuliprc `token`)",
                                      min_length=16)  # fmt: skip
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")


class ZulipConnector:
    """Stateless: every call is told its organization through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        tk.check_body_token(P, request, _config(conn).webhook_token)

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        hook = hd.object_of(request.json(), P)
        message = hook.get("message")
        if not isinstance(message, dict):
            raise BadInput("zulip: the webhook carries no message (use the Zulip format)",
                           code="unknown_payload")  # fmt: skip
        bot = str(hook.get("bot_email") or _config(conn).bot_email).lower()
        if str(message.get("sender_email") or "").lower() == bot:
            return []  # Zulip does not notify a bot of its own messages; kept as a safeguard
        message_id = hd.require_id(message.get("id"), P, "message id")
        return [
            hd.message(
                conn,
                external_id=message_id,
                thread_key=_thread_key(message, bot),
                sender=hd.party(
                    external_id=message.get("sender_id"),
                    email=message.get("sender_email"),
                    name=message.get("sender_full_name"),
                ),
                text=_without_mention(str(message.get("content") or ""), hook.get("bot_full_name")),
                subject=message.get("subject") if message.get("type") == "stream" else None,
                received_at=message.get("timestamp"),
                raw_ref=f"zulip:message/{message_id}",
                metadata={"trigger": hook.get("trigger"), "type": message.get("type")},
            )
        ]

    def ack(self, conn: Connection, request: WebhookRequest, accepted: int) -> WebhookReply:
        """Zulip would post any other answer as the bot's reply; ours comes after review."""
        return WebhookReply(status=200, body={"response_not_required": True})

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        form = _addressed(message.thread_key)
        data = hd.as_dict(
            await _call(conn, "POST", "/api/v1/messages", data={**form, "content": message.text}),
            P,
        )
        if data.get("result") != "success" or data.get("id") is None:
            raise BadInput("zulip: the message was refused", code="refused")
        return SendResult(external_id=str(data["id"]), thread_key=message.thread_key)

    async def check(self, conn: Connection) -> str:
        me = hd.as_dict(await _call(conn, "GET", "/api/v1/users/me"), P)
        return f"Zulip: connected as {me.get('full_name') or _config(conn).bot_email}"


def _thread_key(message: dict[str, Any], bot: str) -> str:
    if message.get("type") == "stream":
        channel = hd.require_id(message.get("stream_id"), P, "channel id")
        return f"stream:{channel}:{message.get('subject') or ''}"
    people = message.get("display_recipient")
    others = sorted(
        int(p["id"])
        for p in (people if isinstance(people, list) else [])
        if isinstance(p, dict)
        and str(p.get("email", "")).lower() != bot
        and str(p.get("id", "")).isdigit()
    )
    if not others:
        raise BadInput("zulip: a direct message without recipients", code="no_recipient")
    return "dm:" + ",".join(str(i) for i in others)


def _addressed(thread_key: str | None) -> dict[str, str]:
    """The `type` / `to` / `topic` form fields of `POST /api/v1/messages` for a thread key."""
    kind, _, rest = (thread_key or "").partition(":")
    if kind == "stream" and ":" in rest and rest.split(":", 1)[0].isdigit():
        channel, topic = rest.split(":", 1)
        return {"type": "stream", "to": channel, "topic": topic}
    ids = rest.split(",") if kind == "dm" else []
    if not ids or not all(i.isdigit() for i in ids):
        raise BadInput("zulip: the thread key names no channel topic or conversation",
                       code="bad_thread_key")  # fmt: skip
    return {"type": "private", "to": json.dumps([int(i) for i in ids])}


def _without_mention(text: str, bot_name: Any) -> str:
    """`@**Bot name** question` (or `@**Bot name|25**`) → `question`."""
    if not bot_name:
        return text
    mention = rf"^\s*@_?\*\*{re.escape(str(bot_name))}(\|\d+)?\*\*\s*"
    return re.sub(mention, "", text, count=1)


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> Any:
    config = _config(conn)
    url = tk.api_base(config, config.server_url) + path
    auth = hd.basic(config.bot_email, config.api_key)
    return await hd.call(conn, P, method, url, {"Authorization": auth}, **kwargs)


def _config(conn: Connection) -> ZulipConfig:
    return hd.config_of(conn, ZulipConfig, P)


SPEC = ConnectorSpec(
    slug="zulip",
    name="Zulip",
    kind="chat",
    auth_type="basic",
    config_model=ZulipConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description="Zulip: mentions and direct messages to a bot in (outgoing webhook), replies out.",
    factory=ZulipConnector,
)
