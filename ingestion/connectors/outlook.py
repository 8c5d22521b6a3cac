"""Outlook / Microsoft 365 through Microsoft Graph: inbox delta sync, change notifications,
replies in the conversation, categories as labels (OAuth 2.0)."""

from __future__ import annotations

import hmac
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import Field, SecretStr

from ingestion.connectors import outlook_graph as g
from ingestion.connectors.base import Capability, ConnectorSpec, OAuthEndpoints, Secret
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    PollBatch,
    SendResult,
    WebhookReply,
    WebhookRequest,
)
from ingestion.connectors.oauth import OAuthConfig
from ingestion.contract import InboundMessage
from store.errors import BadInput, Fatal, Unauthorized

log = logging.getLogger(__name__)

INBOX_MESSAGES = "me/mailFolders('inbox')/messages"
# Graph refuses message subscriptions longer than 10080 minutes; renew well before.
MAX_SUBSCRIPTION_MINUTES = 10080


class OutlookConfig(OAuthConfig):
    """The mailbox, and the shared secret Graph echoes in every change notification."""

    email_address: str | None = Field(
        default=None, max_length=320, description="the mailbox; mail from it is never ingested"
    )
    client_state: SecretStr | None = Secret(
        "shared secret sent with the subscription and echoed by every notification",
        default=None,
        min_length=16,
        max_length=128,
    )
    backfill_days: int = Field(default=7, ge=1, le=365, description="first sync reaches back")


class OutlookConnector:
    """Stateless: every call is told its integration through the Connection."""

    poll_interval_s: float = 60.0

    async def poll(self, conn: Connection) -> PollBatch:
        """The inbox delta since the stored deltaLink; the caller persists `state` afterwards."""
        found = await g.delta(SPEC, conn, conn.state.get("delta_link"))
        items = found.items
        if found.from_scratch:  # a new round lists the whole inbox: keep the recent part
            items = [i for i in items if g.recent(i, _config(conn).backfill_days)]
        messages = [g.to_inbound(conn, i) for i in items if not self._ours(conn, i)]
        return PollBatch(messages=messages, state={**conn.state, "delta_link": found.link})

    def handshake(self, conn: Connection, request: WebhookRequest) -> WebhookReply | None:
        """Graph validates a notification URL by POSTing `?validationToken=`: echo it as text."""
        token = request.query.get("validationToken")
        if token is None:
            return None
        return WebhookReply(status=200, body=token, media_type="text/plain")

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        """Every notification in the batch must carry our subscription's clientState."""
        secret = _config(conn).client_state
        if secret is None:
            raise Unauthorized("outlook: notifications are not configured (no client_state)")
        expected = secret.get_secret_value().encode()
        items = _notifications(request)
        for item in items:
            given = str(item.get("clientState") or "").encode()
            if not hmac.compare_digest(given, expected):
                raise Unauthorized("outlook: a notification's clientState does not match")

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        """Fetch each created message a notification names; lifecycle events and messages
        outside the inbox or from ourselves yield nothing."""
        ids = [
            str(item["resourceData"]["id"])
            for item in _notifications(request)
            if item.get("changeType") == "created" and (item.get("resourceData") or {}).get("id")
        ]
        if not ids:
            return []
        inbox = (await g.graph(SPEC, conn, "GET", "me/mailFolders/inbox")).json()["id"]
        messages = []
        for message_id in dict.fromkeys(ids):
            item = await self._message(conn, message_id)
            if item and item.get("parentFolderId") == inbox and not self._ours(conn, item):
                messages.append(g.to_inbound(conn, item))
        return messages

    def push_due(self, conn: Connection) -> bool:
        if _config(conn).client_state is None:
            return False
        expires = conn.state.get("subscription_expires")
        if not expires:
            return True
        when = datetime.fromisoformat(str(expires).replace("Z", "+00:00"))
        return when < datetime.now(UTC) + timedelta(days=1)

    async def renew_push(self, conn: Connection, webhook_url: str) -> None:
        await self.subscribe(conn, webhook_url)

    async def subscribe(
        self, conn: Connection, notification_url: str, *, minutes: int = 4230
    ) -> dict[str, Any]:
        """Create the change-notification subscription on the inbox (Graph validates the URL
        through `handshake` before answering); stores its id and expiry in the state."""
        secret = _config(conn).client_state
        if secret is None:
            raise BadInput("outlook: set client_state before subscribing", code="client_state")
        expires = datetime.now(UTC) + timedelta(minutes=min(minutes, MAX_SUBSCRIPTION_MINUTES))
        body = {
            "changeType": "created",
            "notificationUrl": notification_url,
            "resource": INBOX_MESSAGES,
            "expirationDateTime": expires.isoformat().replace("+00:00", "Z"),
            "clientState": secret.get_secret_value(),
        }
        created: dict[str, Any] = (
            await g.graph(SPEC, conn, "POST", "subscriptions", json=body)
        ).json()
        await conn.persist_state(
            {
                **conn.state,
                "subscription_id": created["id"],
                "subscription_expires": created["expirationDateTime"],
            }
        )
        return created

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        """Reply in the conversation of the message answered, else send a new mail. Graph's
        reply answers 202 without an id, so ours derives from the outbound row id."""
        parent = message.in_reply_to_external_id
        if parent is None:
            await self._send_new(conn, message)
            thread = message.thread_key
        else:
            await self._reply(conn, parent, message)
            thread = message.thread_key or await self._conversation(conn, parent)
        return SendResult(
            external_id=f"switchboard:{message.message_id}",
            thread_key=thread,
            sent_at=datetime.now(UTC),
        )

    async def apply_labels(self, conn: Connection, external_id: str, labels: list[str]) -> None:
        """Outlook's labels are categories: add ours to the ones the message already has."""
        path = f"me/messages/{external_id}"
        current = (await g.graph(SPEC, conn, "GET", path, params={"$select": "categories"})).json()
        categories = list(dict.fromkeys([*current.get("categories", []), *labels]))
        await g.graph(SPEC, conn, "PATCH", path, json={"categories": categories})

    async def _reply(self, conn: Connection, parent: str, message: OutboundMessage) -> None:
        path = f"me/messages/{parent}"
        if not message.html:
            await g.graph(SPEC, conn, "POST", f"{path}/reply", json={"comment": message.text})
            return
        # An HTML reply: draft it, put our HTML in as the body, then send the draft.
        draft = (await g.graph(SPEC, conn, "POST", f"{path}/createReply")).json()
        body = {"body": {"contentType": "HTML", "content": message.html}}
        await g.graph(SPEC, conn, "PATCH", f"me/messages/{draft['id']}", json=body)
        await g.graph(SPEC, conn, "POST", f"me/messages/{draft['id']}/send")

    async def _send_new(self, conn: Connection, message: OutboundMessage) -> None:
        recipients = [
            {
                "emailAddress": {
                    "address": str(r["email"]),
                    **({"name": r["name"]} if r.get("name") else {}),
                }
            }
            for r in message.to
            if r.get("email")
        ]
        if not recipients:
            raise BadInput(
                "outlook: a new message needs at least one recipient", code="no_recipient"
            )
        content_type, content = ("HTML", message.html) if message.html else ("Text", message.text)
        mail = {
            "subject": message.subject or "",
            "body": {"contentType": content_type, "content": content},
            "toRecipients": recipients,
        }
        await g.graph(
            SPEC, conn, "POST", "me/sendMail", json={"message": mail, "saveToSentItems": True}
        )

    async def _conversation(self, conn: Connection, message_id: str) -> str | None:
        path = f"me/messages/{message_id}"
        item = (await g.graph(SPEC, conn, "GET", path, params={"$select": "conversationId"})).json()
        conversation = item.get("conversationId")
        return str(conversation) if conversation else None

    async def _message(self, conn: Connection, message_id: str) -> dict[str, Any] | None:
        path = f"me/messages/{message_id}"
        response = await g.graph(SPEC, conn, "GET", path, params={"$select": g.SELECT}, allow={404})
        if response.status_code == 404:  # deleted or moved before we looked
            return None
        item: dict[str, Any] = response.json()
        return item

    def _ours(self, conn: Connection, item: dict[str, Any]) -> bool:
        address = (_config(conn).email_address or "").lower()
        return bool(address) and g.sender_address(item) == address


def _config(conn: Connection) -> OutlookConfig:
    if not isinstance(conn.config, OutlookConfig):
        raise Fatal(f"outlook connector given a {type(conn.config).__name__}")
    return conn.config


def _notifications(request: WebhookRequest) -> list[dict[str, Any]]:
    body = request.json()
    items = body.get("value") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise BadInput("outlook: not a change notification collection", code="graph_notification")
    return items


SPEC = ConnectorSpec(
    slug="outlook",
    name="Outlook / Microsoft 365",
    kind="email",
    auth_type="oauth2",
    config_model=OutlookConfig,
    capabilities=frozenset(
        {
            Capability.POLLER,
            Capability.INBOUND_WEBHOOK,
            Capability.SENDER,
            Capability.THREADS,
            Capability.LABELS,
            Capability.OAUTH,
        }
    ),
    description="An Outlook.com or Microsoft 365 mailbox through Microsoft Graph.",
    factory=OutlookConnector,
    oauth=OAuthEndpoints(
        authorize_url="https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
        token_url="https://login.microsoftonline.com/common/oauth2/v2.0/token",
        scopes=(
            "offline_access",
            "https://graph.microsoft.com/Mail.ReadWrite",
            "https://graph.microsoft.com/Mail.Send",
        ),
    ),
)
