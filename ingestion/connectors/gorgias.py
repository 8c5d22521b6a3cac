"""Gorgias: customer messages in (an HTTP integration), replies out (REST API).

Gorgias signs no HTTP-integration call. The integration can send custom headers, so it carries
our secret in `X-Switchboard-Token`; a call without it is refused. Its JSON body (trigger *Ticket
message created*) names the ticket and, when the template has it, the message:

    {"ticket_id": "{{ticket.id}}", "message_id": "{{message.id}}"}

The message itself is read from the API (`GET /api/tickets/{id}/messages/{message_id}`, or the
ticket's newest customer message from `GET /api/tickets/{id}/messages`), so the text never
depends on template escaping. `external_id` is the message id, `thread_key` the ticket id.
Messages from agents (`from_agent`) and internal notes (not `public`) are never inbound.
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

P = "gorgias"
MAX_PAGES = 10


class GorgiasConfig(ConnectorConfig):
    """One Gorgias helpdesk: REST API credentials, the HTTP integration's secret, our agent."""

    domain: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="<domain>.gorgias.com")
    api_email: str = Field(min_length=3, max_length=320, description="REST API username")
    api_key: SecretStr = Secret("REST API key (Settings → REST API)", min_length=8)
    webhook_secret: SecretStr = Secret(
        "sent by the HTTP integration as X-Switchboard-Token", min_length=16
    )
    agent_user_id: int = Field(ge=1, description="Gorgias user replies are sent as")
    support_address: str = Field(
        min_length=3, max_length=320, description="the support address email replies come from"
    )
    reply_channel: str = Field(default="email", pattern=r"^[a-z-]{2,40}$", description="channel")
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")


class GorgiasConnector:
    """Stateless: every call is told its helpdesk through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        hd.check_shared_secret(P, request, _config(conn).webhook_secret)

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        body = hd.object_of(request.json(), P)
        ticket = hd.require_id(body.get("ticket_id"), P, "ticket id")
        wanted = str(body.get("message_id") or "").strip()
        found: dict[str, Any] | None
        if wanted.isdigit():
            found = hd.as_dict(await _call(conn, "GET", f"/tickets/{ticket}/messages/{wanted}"), P)
        else:
            found = await _newest_customer_message(conn, ticket)
        if not found or not _from_customer(found):
            return []
        return [_message(conn, ticket, found, body.get("subject"))]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        ticket = hd.require_id(message.thread_key, P, "ticket id")
        body = _reply(_config(conn), message)
        data = hd.as_dict(await _call(conn, "POST", f"/tickets/{ticket}/messages", json=body), P)
        return SendResult(
            external_id=str(data.get("id") or f"{ticket}:{message.message_id}"),
            thread_key=ticket,
            sent_at=hd.when(data.get("created_datetime")),
        )

    async def check(self, conn: Connection) -> str:
        account = hd.as_dict(await _call(conn, "GET", "/account"), P)
        return f"Gorgias: connected to {account.get('domain') or _config(conn).domain}"


def _from_customer(message: dict[str, Any]) -> bool:
    return (
        bool(message.get("id"))
        and message.get("public") is not False
        and not message.get("from_agent")
    )


async def _newest_customer_message(conn: Connection, ticket: str) -> dict[str, Any] | None:
    newest: dict[str, Any] | None = None
    params: dict[str, Any] = {"limit": 100}
    for _ in range(MAX_PAGES):
        page = hd.as_dict(await _call(conn, "GET", f"/tickets/{ticket}/messages", params=params), P)
        for item in page.get("data") or []:
            if _from_customer(item) and (
                newest is None
                or str(item.get("created_datetime")) >= str(newest.get("created_datetime"))
            ):
                newest = item
        cursor = (page.get("meta") or {}).get("next_cursor")
        if not cursor:
            break
        params["cursor"] = cursor
    return newest


def _message(conn: Connection, ticket: str, msg: dict[str, Any], subject: Any) -> InboundMessage:
    sender = msg.get("sender") or {}
    text, html = hd.text_and_html(msg.get("body_html"))
    return hd.message(
        conn,
        external_id=str(msg["id"]),
        thread_key=ticket,
        sender=hd.party(
            external_id=sender.get("id"), email=sender.get("email"), name=sender.get("name")
        ),
        text=str(msg.get("stripped_text") or msg.get("body_text") or text),
        html=html,
        subject=msg.get("subject") or subject,
        received_at=msg.get("created_datetime"),
        raw_ref=f"gorgias:ticket/{ticket}/message/{msg['id']}",
        metadata={"gorgias_channel": msg.get("channel")},
    )


def _reply(config: GorgiasConfig, message: OutboundMessage) -> dict[str, Any]:
    """An outgoing message: from our agent to the customer of the last inbound message."""
    customer = message.customer
    email, name = customer.get("email"), customer.get("name")
    if config.reply_channel == "email" and not email:
        raise BadInput("gorgias: an email reply needs the customer's address", code="no_customer")
    body: dict[str, Any] = {
        "channel": config.reply_channel,
        "via": "api",
        "from_agent": True,
        "sender": {"id": config.agent_user_id},
        "receiver": {"email": email} if email else {"id": _customer_id(customer)},
        "body_text": message.text,
        "body_html": hd.reply_html(message.text, message.html),
    }
    if config.reply_channel == "email":
        body["source"] = {
            "type": "email",
            "from": {"address": config.support_address},
            "to": [{"address": email, **({"name": name} if name else {})}],
        }
    if message.subject:
        body["subject"] = message.subject
    return body


def _customer_id(customer: dict[str, Any]) -> int:
    value = str(customer.get("external_id") or "")
    if not value.isdigit():
        raise BadInput("gorgias: the reply names no customer to address", code="no_customer")
    return int(value)


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> Any:
    config = _config(conn)
    base = config.api_base_url or f"https://{config.domain}.gorgias.com"
    url = base.rstrip("/") + "/api" + path
    auth = hd.basic(config.api_email, config.api_key)
    return await hd.call(conn, P, method, url, {"Authorization": auth}, **kwargs)


def _config(conn: Connection) -> GorgiasConfig:
    return hd.config_of(conn, GorgiasConfig, P)


SPEC = ConnectorSpec(
    slug="gorgias",
    name="Gorgias",
    kind="helpdesk",
    auth_type="basic",
    config_model=GorgiasConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description=(
        "Gorgias tickets: customer messages in through an HTTP integration, replies out. Gorgias "
        "does not sign HTTP integrations: the integration must send our shared secret in a "
        "custom header, which proves the caller, not the body."
    ),
    factory=GorgiasConnector,
)
