"""HubSpot conversations inbox: customer messages in (signed webhooks), agent replies out.

Each incoming inbox message is one message: `external_id` HubSpot's message id, `thread_key`
the thread id. Webhook bodies are JSON arrays of events (HubSpot batches up to 100); only
`conversation.newMessage` events of type MESSAGE matter: the event names the thread
(`objectId`) and the message (`messageId`), and the message itself is read from the
conversations API. Messages we (or any agent, bot or integration) sent are ignored, as are
comments (internal notes) and every other subscription (tickets, contacts, thread status).

Signature v3: `X-HubSpot-Signature-v3 = base64(HMAC-SHA256(client_secret, method + uri + body +
timestamp))`, `uri` being the full URL HubSpot called with the percent-escapes HubSpot lists
decoded, and `X-HubSpot-Request-Timestamp` (milliseconds) no older than 5 minutes. The older
v1/v2 signatures sign no timestamp (replayable forever) and are not accepted.

Auth: a private app's access token (pasted; it does not expire), or OAuth 2.0 with refresh
tokens (30-minute access tokens; a 401 refreshes once).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Self

from pydantic import Field, model_validator

from ingestion.connectors.base import Capability, ConnectorSpec, OAuthEndpoints
from ingestion.connectors.bearer import bearer_request
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    SendResult,
    WebhookRequest,
)
from ingestion.connectors.oauth import OAuthConfig
from ingestion.connectors.provider_http import raise_for_provider
from ingestion.connectors.signing import check_fresh, check_hmac, require_header, secret_bytes
from ingestion.connectors.timestamps import iso_time
from ingestion.contract import MAX_HTML_CHARS, MAX_TEXT_CHARS, Attachment, InboundMessage, Party
from store.errors import BadInput, Fatal, Retriable

API_URL = "https://api.hubapi.com"
THREADS = "/conversations/v3/conversations/threads"
REPLAY_WINDOW_S = 300
NEW_MESSAGE = "conversation.newMessage"
# Actors that are the business speaking: agents, bots, integrations, the system.
OWN_ACTORS = ("A-", "B-", "I-", "S-")
# The escapes HubSpot decodes in the URI before signing (its request-validation docs).
SIGNED_URI_ESCAPES = re.compile(r"%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)", re.IGNORECASE)
IDENTIFIERS = {"HS_EMAIL_ADDRESS": "email", "HS_PHONE_NUMBER": "phone"}


class HubSpotConfig(OAuthConfig):
    """One HubSpot account: the app's client secret (it signs webhooks), a private-app token or
    OAuth, and the agent replies are sent as."""

    sender_actor_id: str = Field(
        pattern=r"^A-\d{1,20}$", description="the agent replies come from: A-<HubSpot user id>"
    )
    app_id: int | None = Field(default=None, ge=1, description="events of other apps ignored")
    portal_id: int | None = Field(
        default=None, ge=1, description="the HubSpot account id; events of others are ignored"
    )
    webhook_url: str | None = Field(
        default=None,
        max_length=1000,
        pattern=r"^https://\S+$",
        description="the target URL exactly as set in HubSpot, when a proxy changes what we see",
    )

    @model_validator(mode="after")
    def _auth(self) -> Self:
        if self.client_secret is None:
            raise ValueError("set client_secret: HubSpot signs webhooks with the app's secret")
        if not self.access_token and not self.client_id:
            raise ValueError("set access_token (private app), or client_id (OAuth)")
        return self


class HubSpotConnector:
    """Stateless: every call is told its HubSpot account through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        config = _config(conn)
        key = secret_bytes(config.client_secret, "hubspot")
        given = require_header(request.header("x-hubspot-signature-v3"), "hubspot",
                               "X-HubSpot-Signature-v3")  # fmt: skip
        stamp = require_header(request.header("x-hubspot-request-timestamp"), "hubspot",
                               "X-HubSpot-Request-Timestamp")  # fmt: skip
        uri = signed_uri(config.webhook_url or request.url)
        signed = f"{request.method.upper()}{uri}".encode() + request.body + stamp.encode()
        check_hmac("hubspot", key=key, message=signed, given=given, encoding="base64",
                   header="X-HubSpot-Signature-v3")  # fmt: skip
        check_fresh("hubspot", stamp, REPLAY_WINDOW_S, millis=True)

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        events = request.json()
        if not isinstance(events, list):
            raise BadInput("hubspot: a webhook body is a JSON array of events", code="not_a_batch")
        found: dict[str, InboundMessage] = {}
        for event in events:
            if not self._wanted(conn, event):
                continue
            thread, message_id = _event_ids(event)
            if message_id in found:
                continue
            data = await _call(conn, "GET", f"{THREADS}/{thread}/messages/{message_id}")
            if is_customer_message(data):
                found[message_id] = to_message(conn, thread, data)
        return list(found.values())

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        thread = _thread_id(message.thread_key)
        recipients = _recipients(message.customer)
        if not recipients:
            raise BadInput("hubspot: the customer to answer is unknown", code="no_recipient")
        info = await _call(conn, "GET", f"{THREADS}/{thread}")
        body: dict[str, Any] = {
            "type": "MESSAGE",
            "text": message.text,
            "senderActorId": _config(conn).sender_actor_id,
            "channelId": str(info.get("originalChannelId") or ""),
            "channelAccountId": str(info.get("originalChannelAccountId") or ""),
            "recipients": recipients,
        }
        if message.html:
            body["richText"] = message.html
        if message.subject:
            body["subject"] = message.subject  # email threads; other channels ignore it
        data = await _call(conn, "POST", f"{THREADS}/{thread}/messages", json=body)
        return SendResult(
            external_id=str(data.get("id") or f"{thread}:{message.message_id}"),
            thread_key=thread,
            sent_at=iso_time(data.get("createdAt")),
        )

    async def check(self, conn: Connection) -> str:
        """The token reads the conversations inbox (the cheapest call its scope allows)."""
        data = await _call(conn, "GET", "/conversations/v3/conversations/inboxes",
                           params={"limit": 1})  # fmt: skip
        return f"hubspot: conversations reachable ({data.get('total', 'some')} inboxes)"

    def _wanted(self, conn: Connection, event: Any) -> bool:
        """A new customer-facing message of this app and account (comments are internal)."""
        if not isinstance(event, dict):
            return False
        # HubSpot's own example names the field `eventType`; deliveries say `subscriptionType`.
        if (event.get("subscriptionType") or event.get("eventType")) != NEW_MESSAGE:
            return False
        if event.get("messageType", "MESSAGE") != "MESSAGE":
            return False
        config = _config(conn)
        for field, wanted in (("appId", config.app_id), ("portalId", config.portal_id)):
            if wanted is not None and str(event.get(field)) != str(wanted):
                return False
        return True


def signed_uri(url: str) -> str:
    """The URI as HubSpot signs it: the listed escapes (`%3A` → `:`...) decoded, no fragment."""
    return SIGNED_URI_ESCAPES.sub(lambda m: chr(int(m.group(1), 16)), url.split("#", 1)[0])


def is_customer_message(data: Mapping[str, Any]) -> bool:
    """An incoming MESSAGE from someone other than the business (our own replies come back)."""
    if data.get("type") != "MESSAGE" or data.get("direction") != "INCOMING":
        return False
    actors = [str(s.get("actorId") or "") for s in data.get("senders") or []]
    return bool(data.get("id")) and not any(a.startswith(OWN_ACTORS) for a in actors)


def to_message(conn: Connection, thread: str, data: Mapping[str, Any]) -> InboundMessage:
    sender: Mapping[str, Any] = next(iter(data.get("senders") or []), {})
    return InboundMessage(
        organization_id=conn.organization_id,
        integration_id=conn.integration_id,
        channel=conn.channel,
        external_id=str(data["id"]),
        thread_key=thread,
        sender=_party(sender),
        subject=str(data.get("subject") or "")[:1000] or None,
        # Provider limits can exceed ours: a clipped message beats a refused delivery.
        text=str(data.get("text") or "")[:MAX_TEXT_CHARS],
        html=str(data.get("richText") or "")[:MAX_HTML_CHARS] or None,
        attachments=[_attachment(a) for a in data.get("attachments") or []][:100],
        received_at=iso_time(data.get("createdAt")),
        raw_ref=f"hubspot:thread/{thread}/message/{data['id']}",
        metadata={
            "channel_id": data.get("channelId"),
            "channel_account_id": data.get("channelAccountId"),
            "truncated": data.get("truncationStatus") not in (None, "NOT_TRUNCATED"),
        },
    )


def _party(sender: Mapping[str, Any]) -> Party:
    found: dict[str, str] = {}
    identifier = sender.get("deliveryIdentifier") or {}
    if (kind := IDENTIFIERS.get(str(identifier.get("type")))) and identifier.get("value"):
        found[kind] = str(identifier["value"])[: 320 if kind == "email" else 40]
    return Party(
        external_id=str(sender.get("actorId") or "")[:200] or None,
        name=str(sender.get("name") or "")[:200] or None,
        **found,
    )


def _recipients(customer: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The customer as HubSpot addresses them: their actor, and their email or phone."""
    recipient: dict[str, Any] = {}
    if customer.get("external_id"):
        recipient["actorId"] = str(customer["external_id"])
    if customer.get("name"):
        recipient["name"] = str(customer["name"])
    if customer.get("email"):
        ids = [{"type": "HS_EMAIL_ADDRESS", "value": str(customer["email"])}]
        recipient.update(recipientField="TO", deliveryIdentifiers=ids)
    elif customer.get("phone"):
        recipient["deliveryIdentifiers"] = [{"type": "HS_PHONE_NUMBER", "value": customer["phone"]}]
    return [recipient] if recipient.keys() - {"name"} else []


def _attachment(item: Mapping[str, Any]) -> Attachment:
    return Attachment(
        filename=str(item.get("name") or "attachment")[:500],
        ref=str(item.get("url") or "")[:1000] or None,
    )


def _event_ids(event: Mapping[str, Any]) -> tuple[str, str]:
    thread, message_id = str(event.get("objectId") or ""), str(event.get("messageId") or "")
    if not thread.isdigit() or not re.fullmatch(r"[A-Za-z0-9_-]{1,100}", message_id):
        raise BadInput("hubspot: newMessage event without its thread or message id", code="ids")
    return thread, message_id


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    url = (_config(conn).api_base_url or API_URL).rstrip("/") + path
    response = await bearer_request(SPEC, conn, method, url, **kwargs)
    raise_for_provider(response, "hubspot")
    try:
        data = response.json()
    except ValueError:
        raise Retriable("hubspot: the provider answered with malformed JSON") from None
    if not isinstance(data, dict):
        raise Retriable("hubspot: the provider answered with an unexpected body")
    return data


def _config(conn: Connection) -> HubSpotConfig:
    if not isinstance(conn.config, HubSpotConfig):
        raise Fatal("hubspot: connection carries another connector's config")
    return conn.config


def _thread_id(value: str | None) -> str:
    text = (value or "").strip()
    if not text.isdigit():
        raise BadInput("hubspot: a thread id is required", code="no_thread_id")
    return text


SPEC = ConnectorSpec(
    slug="hubspot",
    name="HubSpot",
    kind="crm",
    auth_type="oauth2",
    config_model=HubSpotConfig,
    capabilities=frozenset(
        {Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS, Capability.OAUTH}
    ),
    description="HubSpot conversations inbox: customer messages in, agent replies out.",
    factory=HubSpotConnector,
    oauth=OAuthEndpoints(
        authorize_url="https://app.hubspot.com/oauth/authorize",
        token_url="https://api.hubapi.com/oauth/v1/token",
        scopes=("conversations.read", "conversations.write", "tickets"),
        token_auth_method="client_secret_post",
    ),
)
