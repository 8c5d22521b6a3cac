"""Kustomer: customer messages in (signed outbound webhooks), replies out (drafts Kustomer sends).

Outbound webhooks are signed `X-Kustomer-Webhook-Signature: <lowercase hex HMAC-SHA256(webhook
token, raw body)>`, the event named in `X-Kustomer-Webhook-Event`. Kustomer signs no timestamp and
delivers at least once; de-duplication on the message id absorbs retries. Each
`kustomer.message.create` event whose message goes `in` is one message: `external_id` the message
id, `thread_key` the conversation id. Outbound messages (our replies among them) are ignored.

Replies: creating a message in Kustomer only records it; a *draft* is what Kustomer delivers. So
a reply is `POST /v1/customers/{customer}/drafts`, scheduled a few seconds ahead (the documented
`sendAt` + `scheduled: true`), on the integration's reply channel.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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
from ingestion.connectors.signing import check_hmac, secret_bytes
from ingestion.contract import InboundMessage
from store.errors import BadInput

P = "kustomer"
MESSAGE_CREATED = "kustomer.message.create"
SEND_DELAY_S = 5  # Kustomer sends a draft at `sendAt`, which must lie in the future


class KustomerConfig(ConnectorConfig):
    """One Kustomer org: an API key, the webhook's token, how replies go out."""

    org_name: str = Field(
        pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="<org>.api.kustomerapp.com"
    )
    api_key: SecretStr = Secret("API key with org.user.draft.write", min_length=8)
    webhook_token: SecretStr = Secret("the outbound webhook's token (its HMAC key)", min_length=8)
    reply_channel: str = Field(default="email", pattern=r"^[a-z_]{2,40}$", description="channel")
    from_address: str | None = Field(
        default=None, max_length=320, description="email / number replies come from"
    )
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")


class KustomerConnector:
    """Stateless: every call is told its org through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        check_hmac(
            P,
            key=secret_bytes(_config(conn).webhook_token, P),
            message=request.body,
            given=request.header("x-kustomer-webhook-signature"),
            header="X-Kustomer-Webhook-Signature",
        )

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        event = hd.object_of(request.json(), P)
        if event.get("name") != MESSAGE_CREATED:
            return []  # conversations, customers, users, tags...
        message = hd.object_of(event.get("data"), P)
        attributes = message.get("attributes") or {}
        if attributes.get("direction") != "in" or not message.get("id"):
            return []  # our replies and agents' messages
        links = message.get("relationships") or {}
        convo = _related(links, "conversation")
        customer = _related(links, "customer")
        meta = attributes.get("meta") or {}
        return [
            hd.message(
                conn,
                external_id=str(message["id"]),
                thread_key=hd.require_id(convo, P, "conversation id", "token"),
                sender=hd.party(external_id=customer, email=_email(meta.get("from"))),
                text=str(attributes.get("body") or attributes.get("preview") or ""),
                subject=attributes.get("subject"),
                received_at=attributes.get("sentAt") or attributes.get("createdAt"),
                raw_ref=f"kustomer:conversation/{convo}/message/{message['id']}",
                metadata={"kustomer_channel": attributes.get("channel")},
            )
        ]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        convo = hd.require_id(message.thread_key, P, "conversation id", "token")
        customer = hd.require_id(message.customer.get("external_id"), P, "customer id", "token")
        draft = _draft(_config(conn), convo, message)
        data = await _call(conn, "POST", f"/v1/customers/{customer}/drafts", json=draft)
        created = hd.as_dict(data, P).get("data") or {}
        return SendResult(
            external_id=str(created.get("id") or f"{convo}:{message.message_id}"),
            thread_key=convo,
        )

    async def check(self, conn: Connection) -> str:
        await _call(conn, "GET", "/v1/conversations", params={"pageSize": 1})
        return f"Kustomer: connected to {_config(conn).org_name}"


def _draft(config: KustomerConfig, convo: str, message: OutboundMessage) -> dict[str, Any]:
    send_at = datetime.now(UTC) + timedelta(seconds=SEND_DELAY_S)
    draft: dict[str, Any] = {
        "conversation": convo,
        "channel": config.reply_channel,
        "body": message.text,
        "scheduled": True,
        "sendAt": send_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    customer = message.customer
    if config.reply_channel == "email":
        if not customer.get("email") or not config.from_address:
            raise BadInput(
                "kustomer: an email reply needs the customer's and our address", code="no_address"
            )
        draft |= {"to": [{"email": customer["email"]}], "from": {"email": config.from_address}}
        if message.subject:
            draft["subject"] = message.subject
    elif config.reply_channel == "sms":
        draft |= {"to": customer.get("phone"), "from": config.from_address}
    return draft


def _related(links: dict[str, Any], name: str) -> str | None:
    value = ((links.get(name) or {}).get("data") or {}).get("id")
    return str(value) if value else None


def _email(value: Any) -> str | None:
    text = value.get("email") if isinstance(value, dict) else value
    return str(text) if text and "@" in str(text) else None


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> Any:
    config = _config(conn)
    base = config.api_base_url or f"https://{config.org_name}.api.kustomerapp.com"
    headers = {"Authorization": hd.bearer(config.api_key)}
    return await hd.call(conn, P, method, base.rstrip("/") + path, headers, **kwargs)


def _config(conn: Connection) -> KustomerConfig:
    return hd.config_of(conn, KustomerConfig, P)


SPEC = ConnectorSpec(
    slug="kustomer",
    name="Kustomer",
    kind="helpdesk",
    auth_type="api_key",
    config_model=KustomerConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description="Kustomer conversations: customer messages in (signed webhooks), replies out.",
    factory=KustomerConnector,
)
