"""Facebook Messenger and Instagram messaging, both through the Messenger Platform API.

Each `entry[].messaging[]` event of an `object: "page"` (or `"instagram"`) webhook that carries a
customer's `message` or `postback` is one message: `external_id` the message's `mid` (a postback
without one gets a deterministic id), `thread_key` the sender's PSID / IGSID. Echoes of the
Page's own sends (`message.is_echo`), deliveries, reads, reactions and deleted messages are
ignored, as are `standby` events (another app of the Page's handover owns the conversation).

Replies go to `POST /{version}/me/messages` with the Page access token under Meta's messaging
window policy: `messaging_type: RESPONSE` within 24 hours of the customer's last message, the
`HUMAN_AGENT` message tag up to 7 days (when the app holds that permission), refused beyond.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr

from ingestion.connectors.base import Capability, ConnectorSpec, Secret
from ingestion.connectors.capabilities import Connection, OutboundMessage, SendResult
from ingestion.connectors.capabilities import WebhookRequest as Request
from ingestion.connectors.meta import (
    GraphError,
    MetaAppConfig,
    MetaWebhooks,
    from_epoch,
    graph,
    since_last_inbound,
    webhook_entries,
)
from ingestion.contract import MAX_TEXT_CHARS, Attachment, InboundMessage, Party
from store.errors import BadInput, Fatal

STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
PSID = r"^\d{5,40}$"
Content = tuple[str, list[Attachment], dict[str, Any]]  # text, attachments, metadata


class PageConfig(MetaAppConfig):
    """One Facebook Page of a Meta app, answered with its Page access token."""

    page_id: str = Field(pattern=PSID, description="the Facebook Page ID")
    page_access_token: SecretStr = Secret(
        "a Page access token with pages_messaging (instagram_manage_messages for Instagram)",
        min_length=20,
    )
    human_agent_tag: bool = Field(
        default=True,
        description="answer 24 h to 7 days after the customer's last message with the "
        "HUMAN_AGENT tag (the app needs Meta's Human Agent permission)",
    )

    def owns(self, entry_id: str) -> bool:
        """Whether a webhook entry is addressed to this integration."""
        return entry_id == self.page_id


class InstagramConfig(PageConfig):
    """An Instagram professional account, messaged through the Facebook Page it is linked to."""

    instagram_account_id: str | None = Field(
        default=None,
        pattern=PSID,
        description="the Instagram professional account ID; when set, other accounts' events "
        "are ignored",
    )

    def owns(self, entry_id: str) -> bool:
        # Instagram entries carry the Instagram account id, not the Page's.
        return self.instagram_account_id in (None, entry_id)


@dataclass(frozen=True)
class Product:
    slug: str
    webhook_object: str  # the webhook's `object`
    config: type[PageConfig]
    max_text: int  # the Send API's limit of a text message
    limit_in_bytes: bool = False  # Instagram counts UTF-8 bytes, Messenger characters


MESSENGER = Product("messenger", "page", PageConfig, 2000)
INSTAGRAM = Product("instagram", "instagram", InstagramConfig, 1000, limit_in_bytes=True)


class MessengerConnector(MetaWebhooks):
    """One class for both products; the `Product` says what differs."""

    def __init__(self, product: Product) -> None:
        self.product = product
        self.provider = product.slug

    async def parse(self, conn: Connection, request: Request) -> list[InboundMessage]:
        config = self._config(conn)
        found = []
        for entry in webhook_entries(request.json(), self.provider, self.product.webhook_object):
            if not config.owns(str(entry.get("id") or "")):
                continue
            for event in entry.get("messaging") or []:
                if isinstance(event, dict) and (message := self._message(conn, event)):
                    found.append(message)
        return found

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        config = self._config(conn)
        recipient = self._recipient(message)
        body = {
            "recipient": {"id": recipient},
            **self._policy(config, message),
            "message": {"text": self._text(message)},
        }
        data = await graph(conn, self.provider, "POST", "me/messages",
                           token=config.page_access_token, json=body,
                           errors=self._errors())  # fmt: skip
        if not data.get("message_id"):
            raise Fatal(f"{self.provider}: the Send API accepted the message but returned no id")
        return SendResult(external_id=str(data["message_id"]), thread_key=recipient,
                          sent_at=datetime.now(UTC))  # fmt: skip

    async def check(self, conn: Connection) -> str:
        """Read the Page the token belongs to: the cheapest authenticated call."""
        config = self._config(conn)
        data = await graph(conn, self.provider, "GET", "me", token=config.page_access_token,
                           params={"fields": "id,name"})  # fmt: skip
        if str(data.get("id")) != config.page_id:
            raise BadInput(f"{self.provider}: the access token belongs to another Page")
        return f"Facebook Page {data.get('name') or config.page_id} answers"

    def _message(self, conn: Connection, event: dict[str, Any]) -> InboundMessage | None:
        sender = str((event.get("sender") or {}).get("id") or "")
        message, postback = event.get("message"), event.get("postback")
        if not sender or sender == self._config(conn).page_id:
            return None  # the Page's own activity
        if isinstance(message, dict) and message.get("mid"):
            if message.get("is_echo") or message.get("is_deleted"):
                return None
            return self._inbound(conn, event, sender, str(message["mid"]), _from_message(message))
        if isinstance(postback, dict):
            mid = str(postback.get("mid") or "") or _postback_id(sender, event, postback)
            text = str(postback.get("title") or postback.get("payload") or "")
            extra = {"postback_payload": postback.get("payload")}
            return self._inbound(conn, event, sender, mid, (text, [], extra))
        return None  # delivery, read, reaction, referral...

    def _inbound(
        self, conn: Connection, event: dict[str, Any], sender: str, mid: str, content: Content
    ) -> InboundMessage:
        text, attachments, extra = content
        return InboundMessage(
            organization_id=conn.organization_id,
            integration_id=conn.integration_id,
            channel=conn.channel,
            external_id=mid,
            thread_key=sender,
            sender=Party(external_id=sender),
            text=text[:MAX_TEXT_CHARS],
            attachments=attachments[:100],
            received_at=from_epoch(event.get("timestamp")),
            raw_ref=f"{self.provider}:{mid}"[:500],
            metadata=extra,
        )

    def _policy(self, config: PageConfig, message: OutboundMessage) -> dict[str, str]:
        """Meta's standard messaging window, checked before we spend a call on a refusal."""
        age = since_last_inbound(message)
        if age is not None and age <= STANDARD_WINDOW:
            return {"messaging_type": "RESPONSE"}
        if age is not None and age <= HUMAN_AGENT_WINDOW and config.human_agent_tag:
            return {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
        raise BadInput(
            f"{self.provider}: the customer last wrote more than "
            f"{'7 days' if config.human_agent_tag else '24 hours'} ago; Meta's messaging policy "
            "allows no reply until they write again",
            code=f"{self.provider}_window_closed",
        )

    def _text(self, message: OutboundMessage) -> str:
        text = message.text.strip()
        size = len(text.encode()) if self.product.limit_in_bytes else len(text)
        if not text or size > self.product.max_text:
            unit = "bytes" if self.product.limit_in_bytes else "characters"
            raise BadInput(f"{self.provider}: a reply holds 1 to {self.product.max_text} {unit}",
                           code=f"{self.provider}_text_length")  # fmt: skip
        return text

    def _recipient(self, message: OutboundMessage) -> str:
        for value in (message.thread_key, message.customer.get("external_id")):
            if isinstance(value, str) and value.isdigit():
                return value
        raise BadInput(f"{self.provider}: the customer's id is unknown", code="no_recipient")

    def _errors(self) -> dict[int | tuple[int, int], GraphError]:
        closed = f"{self.provider}_window_closed"
        return {
            (10, 2018278): GraphError(
                BadInput, "the reply is outside the messaging window", closed
            ),
            (10, 2018065): GraphError(BadInput, "the app may not use this message tag", closed),
            551: GraphError(BadInput, "this person is not available right now"),
        }

    def _config(self, conn: Connection) -> PageConfig:
        if not isinstance(conn.config, self.product.config):
            raise Fatal(f"{self.provider}: connection carries another connector's config")
        return conn.config


def _from_message(message: dict[str, Any]) -> Content:
    extra: dict[str, Any] = {}
    if isinstance(message.get("quick_reply"), dict):
        extra["quick_reply_payload"] = message["quick_reply"].get("payload")
    if isinstance(message.get("reply_to"), dict) and message["reply_to"].get("mid"):
        extra["reply_to"] = str(message["reply_to"]["mid"])
    items = [a for a in message.get("attachments") or [] if isinstance(a, dict)]
    return str(message.get("text") or ""), [_attachment(a) for a in items], extra


def _attachment(item: dict[str, Any]) -> Attachment:
    """Metadata only: the bytes stay at Meta's CDN behind the (expiring) URL."""
    kind = str(item.get("type") or "file")
    payload = item["payload"] if isinstance(item.get("payload"), dict) else {}
    url = str(payload.get("url") or item.get("url") or "")
    name = urlsplit(url).path.rsplit("/", 1)[-1] if url else ""
    return Attachment(filename=(name if "." in name else kind)[:500], ref=url[:1000] or None)


def _postback_id(sender: str, event: dict[str, Any], postback: dict[str, Any]) -> str:
    """Old API versions send postbacks without a mid: the same tap, redelivered, keeps its id."""
    seed = f"{sender}:{event.get('timestamp')}:{postback.get('payload')}"
    return "postback:" + hashlib.sha256(seed.encode()).hexdigest()[:32]


def _spec(product: Product, name: str, description: str) -> ConnectorSpec:
    return ConnectorSpec(
        slug=product.slug,
        name=name,
        kind="chat",
        auth_type="token",
        config_model=product.config,
        capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
        description=description,
        factory=partial(MessengerConnector, product),
    )


SPECS = [
    _spec(
        MESSENGER,
        "Facebook Messenger",
        "Messenger conversations with a Facebook Page: "
        "customer messages in, replies out under Meta's 24 h / 7 day window.",
    ),
    _spec(
        INSTAGRAM,
        "Instagram Direct",
        "Instagram direct messages through the Messenger "
        "Platform: customer messages in, replies out under Meta's 24 h / 7 day window.",
    ),
]
