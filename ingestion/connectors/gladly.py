"""Gladly: customer messages in (webhooks), replies out (`POST .../conversation-items/{id}/reply`).

Gladly documents no body signature for webhooks: a webhook carries the HTTP Basic `credentials`
and custom `headers` it was created with. The connector requires our secret as the Basic
password (or in `X-Switchboard-Token`); nothing binds the body. A `CONTACT/MESSAGE_RECEIVED`
event names the message (`content.messageId`), which is read from
`GET /api/v1/conversation-items/{id}`: its id is `external_id`, its conversation the
`thread_key`. Items not initiated by the customer are never inbound.

A reply answers the customer's item (the message replied to, else the conversation's newest
customer item) on that item's channel; Gladly answers 201 with the new item in `Location`.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr

from ingestion.connectors import helpdesk_kit as hd
from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    SendResult,
    WebhookRequest,
)
from ingestion.contract import InboundMessage
from store.errors import BadInput

P = "gladly"
RECEIVED = "CONTACT/MESSAGE_RECEIVED"
TEXT_TYPES = frozenset({"CHAT_MESSAGE", "SMS", "FACEBOOK_MESSAGE", "INSTAGRAM_DIRECT", "WHATSAPP"})
MAX_BODY = 2048  # Gladly refuses longer non-email replies


class GladlyConfig(ConnectorConfig):
    """One Gladly organization: an API user's token and the webhook's Basic credentials."""

    organization: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="<org>.gladly.com")
    api_email: str = Field(min_length=3, max_length=320, description="the API user's email")
    api_token: SecretStr = Secret("the API user's API token", min_length=8)
    webhook_username: str = Field(default="switchboard", max_length=100, description="Basic user")
    webhook_password: SecretStr = Secret("the webhook's Basic password", min_length=16)
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")


class GladlyConnector:
    """Stateless: every call is told its organization through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        config = _config(conn)
        hd.check_shared_secret(
            P, request, config.webhook_password, basic_user=config.webhook_username
        )

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        event = hd.object_of(request.json(), P)
        if event.get("type") != RECEIVED:
            return []  # PING, contacts offered and ended, conversation and task events
        item_id = hd.require_id(
            (event.get("content") or {}).get("messageId"), P, "message id", "token"
        )
        item = hd.as_dict(await _call(conn, "GET", f"/conversation-items/{item_id}"), P)
        if (item.get("initiator") or {}).get("type") != "CUSTOMER":
            return []
        return [_message(conn, item)]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        convo = hd.require_id(message.thread_key, P, "conversation id", "token")
        item = await _answered_item(conn, convo, message.in_reply_to_external_id)
        content = _content((item.get("content") or {}).get("type"), message)
        path = f"/conversation-items/{item['id']}/reply"
        response = await hd.call_response(
            conn, P, "POST", _url(conn, path), _auth(conn), json={"content": content}
        )
        created = response.headers.get("location", "").rstrip("/").rpartition("/")[2]
        return SendResult(external_id=created or f"{convo}:{message.message_id}", thread_key=convo)

    async def check(self, conn: Connection) -> str:
        org = hd.as_dict(await _call(conn, "GET", "/organization"), P)
        return f"Gladly: connected to {org.get('name') or _config(conn).organization}"


def _message(conn: Connection, item: dict[str, Any]) -> InboundMessage:
    content = item.get("content") or {}
    kind, sender = content.get("type"), str(content.get("from") or "")
    convo = hd.require_id(item.get("conversationId"), P, "conversation id", "token")
    return hd.message(
        conn,
        external_id=hd.require_id(item.get("id"), P, "item id", "token"),
        thread_key=convo,
        sender=hd.party(
            external_id=item.get("customerId"),
            email=sender if kind == "EMAIL" else None,
            phone=sender if kind == "SMS" else None,
        ),
        text=str(content.get("content") or content.get("body") or ""),
        subject=content.get("subject"),
        received_at=item.get("timestamp"),
        raw_ref=f"gladly:conversation/{convo}/item/{item['id']}",
        metadata={"gladly_type": kind},
    )


async def _answered_item(conn: Connection, convo: str, item_id: str | None) -> dict[str, Any]:
    """The customer item a reply answers: the one named, else the conversation's newest."""
    if item_id:
        return hd.as_dict(await _call(conn, "GET", f"/conversation-items/{item_id}"), P)
    items = await _call(conn, "GET", f"/conversations/{convo}/items")
    mine: list[dict[str, Any]] = [
        i
        for i in (items if isinstance(items, list) else [])
        if (i.get("initiator") or {}).get("type") == "CUSTOMER" and i.get("id")
    ]
    if not mine:
        raise BadInput(
            "gladly: the conversation has no customer message to reply to",
            code="nothing_to_reply_to",
        )
    return mine[-1]  # items come oldest first


def _content(kind: Any, message: OutboundMessage) -> dict[str, Any]:
    if kind == "EMAIL":
        return {
            "type": "EMAIL",
            "body": hd.reply_html(message.text, message.html),
            "bodyPlain": message.text,
        }
    if kind not in TEXT_TYPES:
        raise BadInput(f"gladly: cannot reply to a {kind} item", code="unsupported_channel")
    if len(message.text) > MAX_BODY:
        raise BadInput(
            f"gladly: {kind} replies are limited to {MAX_BODY} characters", code="too_long"
        )
    content = {"type": kind, "body": message.text}
    return content | ({"messageType": "TEXT"} if kind == "CHAT_MESSAGE" else {})


def _url(conn: Connection, path: str) -> str:
    config = _config(conn)
    base = config.api_base_url or f"https://{config.organization}.gladly.com"
    return base.rstrip("/") + "/api/v1" + path


def _auth(conn: Connection) -> dict[str, str]:
    config = _config(conn)
    return {"Authorization": hd.basic(config.api_email, config.api_token)}


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> Any:
    return await hd.call(conn, P, method, _url(conn, path), _auth(conn), **kwargs)


def _config(conn: Connection) -> GladlyConfig:
    return hd.config_of(conn, GladlyConfig, P)


SPEC = ConnectorSpec(
    slug="gladly",
    name="Gladly",
    kind="helpdesk",
    auth_type="basic",
    config_model=GladlyConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description=(
        "Gladly conversations: customer messages in (webhooks), replies out on the customer's "
        "channel. Gladly webhooks are not signed: they carry the Basic credentials we set, "
        "which prove the caller, not the body."
    ),
    factory=GladlyConnector,
)
