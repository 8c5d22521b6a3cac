"""Telegram Bot API: customer messages in (webhook updates), replies out (sendMessage).

A message is `external_id = "<chat_id>:<message_id>"` and `thread_key = "<chat_id>"`: a chat is
the conversation. An edit of a message arrives as `edited_message`; it is taken in as a new
message `"<chat_id>:<message_id>:edited:<edit_date>"` (metadata `edited_of` names the original),
so the corrected text reaches the inbox while a redelivered edit still de-duplicates.

Telegram signs nothing: `setWebhook(secret_token=...)` makes it send that value in the
`X-Telegram-Bot-Api-Secret-Token` header, compared here in constant time. No timestamp is sent,
so a replayed update passes `verify` and is absorbed by the pipeline's dedupe on `external_id`.
The webhook is registered by `renew_push` (the poller runner knows our public URL).
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Mapping
from typing import Any

import httpx
from pydantic import Field, SecretStr, field_validator

from ingestion.connectors import signing
from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    SendResult,
    WebhookRequest,
)
from ingestion.connectors.provider_http import raise_for_provider, transport_errors_are_retriable
from ingestion.connectors.timestamps import epoch_time
from ingestion.contract import MAX_TEXT_CHARS, Attachment, InboundMessage, Party
from store.errors import BadInput, Fatal, Retriable

API_URL = "https://api.telegram.org"
SECRET_HEADER = "x-telegram-bot-api-secret-token"
ALLOWED_UPDATES = ["message", "edited_message"]
MAX_MESSAGE_CHARS = 4096  # sendMessage's limit: longer replies go out in several messages
REREGISTER_AFTER_S = 24 * 3600  # re-assert the webhook daily (another client may have moved it)
FILE_KINDS = ("document", "audio", "voice", "video", "video_note", "animation")
BOT_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,100}$")
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class TelegramConfig(ConnectorConfig):
    """One bot: its BotFather token and the secret Telegram echoes on every webhook call."""

    bot_token: SecretStr = Secret("bot token from @BotFather, e.g. 123456789:AAE...")
    secret_token: SecretStr = Secret(
        "webhook secret: 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)"
    )
    api_base_url: str | None = Field(
        default=None, max_length=500, description="Bot API server (default api.telegram.org)"
    )

    @field_validator("bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr) -> SecretStr:
        if not BOT_TOKEN.match(value.get_secret_value()):
            raise ValueError("bot_token must look like 123456789:AAE... (from @BotFather)")
        return value

    @field_validator("secret_token")
    @classmethod
    def _secret_token(cls, value: SecretStr) -> SecretStr:
        if not SECRET_TOKEN.match(value.get_secret_value()):
            raise ValueError("secret_token must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value


class TelegramConnector:
    """Stateless apart from the webhook registration it records in `conn.state`."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        signing.check_token(
            "telegram",
            expected=_config(conn).secret_token,
            given=request.header(SECRET_HEADER),
            what="secret token",
        )

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        update = request.json()
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            raise BadInput("telegram: not an Update object", code="unknown_payload")
        if isinstance(update.get("message"), dict):
            found = _message(conn, update["update_id"], update["message"], edited=False)
        elif isinstance(update.get("edited_message"), dict):
            found = _message(conn, update["update_id"], update["edited_message"], edited=True)
        else:
            return []  # channel posts, callback queries, member updates: not a customer message
        return [found] if found is not None else []

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        chat = message.thread_key or str(message.customer.get("external_id") or "")
        if not chat:
            raise BadInput("telegram: a chat id is required", code="no_chat_id")
        text = message.text.strip()
        if not text:
            raise BadInput("telegram: a reply needs text", code="empty_reply")
        answered = _answered_message_id(message.in_reply_to_external_id, chat)
        sent: list[dict[str, Any]] = []
        for start in range(0, len(text), MAX_MESSAGE_CHARS):
            chunk = text[start : start + MAX_MESSAGE_CHARS]
            body: dict[str, Any] = {"chat_id": _chat_id(chat), "text": chunk}
            if start == 0 and answered is not None:
                # Without allow_sending_without_reply a deleted original would fail the reply.
                body["reply_parameters"] = {
                    "message_id": answered,
                    "allow_sending_without_reply": True,
                }
            sent.append(await _call(conn, "sendMessage", body))
        first = sent[0]
        chat_id = str((first.get("chat") or {}).get("id") or chat)
        # Without the Message, a deterministic id still lets a retried delivery be recognised.
        sent_id = first.get("message_id") or message.message_id
        return SendResult(
            external_id=f"{chat_id}:{sent_id}",
            thread_key=chat_id,
            sent_at=epoch_time(first.get("date")),
        )

    def push_due(self, conn: Connection) -> bool:
        """Due until registered with the current secret, then once a day to re-assert it."""
        registered = conn.state.get("webhook") or {}
        return (
            registered.get("fingerprint") != _fingerprint(_config(conn))
            or float(registered.get("at") or 0) < time.time() - REREGISTER_AFTER_S
        )

    async def renew_push(self, conn: Connection, webhook_url: str) -> None:
        """setWebhook with our URL and secret; only message updates; nothing pending dropped."""
        config = _config(conn)
        body = {
            "url": webhook_url,
            "secret_token": config.secret_token.get_secret_value(),
            "allowed_updates": ALLOWED_UPDATES,
            "drop_pending_updates": False,
        }
        await _call(conn, "setWebhook", body)
        registered = {"url": webhook_url, "fingerprint": _fingerprint(config), "at": time.time()}
        await conn.persist_state({**conn.state, "webhook": registered})

    async def check(self, conn: Connection) -> str:
        me = await _call(conn, "getMe", {})
        return f"bot @{me.get('username')} (id {me.get('id')}) answers"


def _message(
    conn: Connection, update_id: int, item: Mapping[str, Any], *, edited: bool
) -> InboundMessage | None:
    sender, chat = item.get("from") or {}, item.get("chat") or {}
    if not sender.get("id") or sender.get("is_bot") or chat.get("id") is None:
        return None  # bots (our own replies never come back, other bots' may), anonymous posts
    if "message_id" not in item:
        raise BadInput("telegram: message without a message_id", code="no_message_id")
    text = str(item.get("text") or item.get("caption") or "")
    attachments = _attachments(item)
    if not text and not attachments:
        return None  # service messages (joins, pins), stickers, locations: nothing to answer
    original = f"{chat['id']}:{item['message_id']}"
    external_id = f"{original}:edited:{item.get('edit_date') or 0}" if edited else original
    metadata = {
        "update_id": update_id,
        "username": sender.get("username"),
        "language_code": sender.get("language_code"),
        "chat_type": chat.get("type"),
        "chat_title": chat.get("title"),
        "message_thread_id": item.get("message_thread_id"),
        "reply_to": _reply_to(chat["id"], item.get("reply_to_message")),
        "edited_of": original if edited else None,
    }
    return InboundMessage(
        organization_id=conn.organization_id,
        integration_id=conn.integration_id,
        channel=conn.channel,
        external_id=external_id,
        thread_key=str(chat["id"]),
        sender=Party(external_id=str(sender["id"]), name=_name(sender)),
        text=text[:MAX_TEXT_CHARS],
        attachments=attachments,
        received_at=epoch_time(item.get("edit_date") if edited else item.get("date")),
        raw_ref=f"telegram:update/{update_id}",
        metadata={key: value for key, value in metadata.items() if value is not None},
    )


def _attachments(item: Mapping[str, Any]) -> list[Attachment]:
    found: list[Attachment] = []
    photos = item.get("photo")
    if isinstance(photos, list) and photos:
        found.append(_attachment("photo.jpg", photos[-1], "image/jpeg"))  # largest size last
    for kind in FILE_KINDS:
        if isinstance(item.get(kind), dict):
            found.append(_attachment(kind, item[kind]))
    return found


def _attachment(default_name: str, file: Mapping[str, Any], mime: str | None = None) -> Attachment:
    size = file.get("file_size")
    return Attachment(
        filename=str(file.get("file_name") or default_name)[:500],
        content_type=file.get("mime_type") or mime,
        size=size if isinstance(size, int) and size >= 0 else None,
        # A file_id is fetched later through getFile; it is only valid for this bot.
        ref=f"telegram:file/{file.get('file_id')}",
    )


def _name(user: Mapping[str, Any]) -> str | None:
    name = " ".join(str(user.get(k) or "").strip() for k in ("first_name", "last_name")).strip()
    return name[:200] or None


def _reply_to(chat_id: Any, replied: Any) -> str | None:
    if isinstance(replied, dict) and replied.get("message_id"):
        return f"{chat_id}:{replied['message_id']}"
    return None


async def _call(conn: Connection, method: str, body: dict[str, Any]) -> dict[str, Any]:
    """One Bot API call; `result` back. Errors follow `raise_for_provider`, except that a 429's
    `parameters.retry_after` wins over the header and a 403 (blocked by the user) is BadInput."""
    config = _config(conn)
    base = (config.api_base_url or API_URL).rstrip("/")
    url = f"{base}/bot{config.bot_token.get_secret_value()}/{method}"
    try:
        response = await conn.client().post(url, json=body)
    except httpx.TransportError as exc:
        raise await transport_errors_are_retriable("telegram", exc) from None  # URL holds token
    data = _json(response)
    if response.status_code == 429 or data.get("error_code") == 429:
        raise Retriable(
            "telegram: the Bot API is rate limiting us (HTTP 429)",
            retry_after=_retry_after(response, data),
        )
    if response.status_code == 403:
        raise BadInput("telegram: the user blocked the bot or it left the chat", code="forbidden")
    raise_for_provider(response, "telegram")
    if data.get("ok") is not True:
        raise BadInput(f"telegram: {method} was refused", details={"provider": "telegram"})
    result = data.get("result")
    return result if isinstance(result, dict) else {"value": result}


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        return data
    if response.is_success:
        raise Retriable("telegram: the Bot API answered with an unexpected body")
    return {}


def _retry_after(response: httpx.Response, data: Mapping[str, Any]) -> int:
    seconds = (data.get("parameters") or {}).get("retry_after")
    if isinstance(seconds, int) and seconds > 0:
        return seconds
    header = response.headers.get("retry-after", "")
    return int(header) if header.isdigit() else 5


def _chat_id(chat: str) -> int | str:
    """Numeric chat ids are sent as integers; `@channelusername` stays a string."""
    return int(chat) if re.fullmatch(r"-?\d+", chat) else chat


def _answered_message_id(external_id: str | None, chat: str) -> int | None:
    parts = (external_id or "").split(":")
    if len(parts) >= 2 and parts[0] == chat and parts[1].isdigit():
        return int(parts[1])
    return None


def _fingerprint(config: TelegramConfig) -> str:
    """Which bot and secret the webhook was registered with (a digest: state is not sealed)."""
    material = f"{config.bot_token.get_secret_value()}\n{config.secret_token.get_secret_value()}"
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def _config(conn: Connection) -> TelegramConfig:
    if not isinstance(conn.config, TelegramConfig):
        raise Fatal("telegram: connection carries another connector's config")
    return conn.config


SPEC = ConnectorSpec(
    slug="telegram",
    name="Telegram",
    kind="chat",
    auth_type="token",
    config_model=TelegramConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description="Telegram bot chats: customer messages in (webhook), replies out (sendMessage).",
    factory=TelegramConnector,
)
