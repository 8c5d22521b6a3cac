"""Zoho Desk: incoming ticket threads in (webhooks), replies out (`sendReply`).

Zoho Desk documents no signature for its webhooks. The strongest thing it lets us check is a
secret we choose: sent in `X-Switchboard-Token` where the webhook form offers custom headers,
otherwise as the `token` query parameter of the webhook URL. Nothing binds the body; a call
without the secret is refused. Deliveries are arrays of `{eventType, orgId, eventTime, payload}`;
each `Ticket_Thread_Add` thread coming *in* from a customer is one message, `external_id` the
thread id, `thread_key` the ticket id. A payload without `content` is completed from
`GET /api/v1/tickets/{ticketId}/threads/{threadId}`.

Replies go out with our `source_id` as the `sourceId` header, the id the webhook's
`ignoreSourceId` names, so Zoho does not even notify us of them; outgoing threads are ignored
anyway. Auth: a Self Client's refresh token, exchanged for hour-long access tokens.
"""

from __future__ import annotations

import uuid
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
from ingestion.connectors.signing import check_token
from ingestion.contract import InboundMessage
from store.errors import BadInput, Unauthorized

P = "zoho_desk"


class ZohoDeskConfig(ConnectorConfig):
    """One Zoho Desk organization: OAuth Self Client, orgId, the webhook secret, our address."""

    data_center: str = Field(default="com", pattern=r"^(com|eu|in|com\.au|jp|ca|sa|uk|com\.cn)$")
    org_id: str = Field(pattern=r"^\d{1,30}$", description="sent as the orgId header")
    client_id: str = Field(min_length=1, max_length=200, description="Self Client id")
    client_secret: SecretStr = Secret("Self Client secret", min_length=1)
    refresh_token: SecretStr = Secret("refresh token (Desk.tickets.ALL scope)", min_length=1)
    webhook_secret: SecretStr = Secret("the webhook's X-Switchboard-Token / token", min_length=16)
    from_address: str = Field(min_length=3, max_length=320, description="support address")
    source_id: uuid.UUID = Field(description="the webhook's ignoreSourceId (our API calls)")
    access_token: SecretStr | None = Secret("kept by the connector", default=None)
    token_expires_at: int | None = Field(default=None, description="epoch seconds")
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")


class ZohoDeskConnector:
    """Stateless: every call is told its organization through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        secret = _config(conn).webhook_secret
        if request.header(hd.TOKEN_HEADER) is not None:
            hd.check_shared_secret(P, request, secret)
        else:
            check_token(P, expected=secret, given=request.query.get("token"), what="token")

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        events = request.json()
        if isinstance(events, dict):
            events = [events]
        if not isinstance(events, list):
            raise BadInput("zoho_desk: the webhook body is not a list of events", code="unknown")
        found: list[InboundMessage] = []
        for event in events:
            if isinstance(event, dict) and event.get("eventType") == "Ticket_Thread_Add":
                found += await _thread_message(conn, hd.object_of(event.get("payload"), P))
        return found

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        ticket = hd.require_id(message.thread_key, P, "ticket id")
        email = message.customer.get("email")
        if not email:
            raise BadInput("zoho_desk: the reply names no customer address", code="no_customer")
        body = {
            "channel": "EMAIL",
            "to": email,
            "fromEmailAddress": _config(conn).from_address,
            "contentType": "html",
            "content": hd.reply_html(message.text, message.html),
        }
        data = hd.as_dict(await _call(conn, "POST", f"/tickets/{ticket}/sendReply", json=body), P)
        return SendResult(
            external_id=str(data.get("id") or f"{ticket}:{message.message_id}"),
            thread_key=ticket,
            sent_at=hd.when(data.get("createdTime")),
        )

    async def check(self, conn: Connection) -> str:
        await _call(conn, "GET", "/tickets", params={"limit": 1})
        return f"Zoho Desk: connected to organization {_config(conn).org_id}"


async def _thread_message(conn: Connection, thread: dict[str, Any]) -> list[InboundMessage]:
    ticket = hd.require_id(thread.get("ticketId"), P, "ticket id")
    thread_id = hd.require_id(thread.get("id"), P, "thread id")
    if thread.get("content") is None:
        path = f"/tickets/{ticket}/threads/{thread_id}"
        thread = {**hd.as_dict(await _call(conn, "GET", path), P), "ticketId": ticket}
    author = thread.get("author") or {}
    if thread.get("direction") != "in" or str(author.get("type")).upper() == "AGENT":
        return []  # our replies, agents' replies and forwards
    if thread.get("visibility") == "private":
        return []
    text, html = hd.text_and_html(thread.get("content"))
    return [
        hd.message(
            conn,
            external_id=thread_id,
            thread_key=ticket,
            sender=hd.party(
                external_id=author.get("id"),
                email=author.get("email") or thread.get("fromEmailAddress"),
                name=author.get("name"),
            ),
            text=text,
            html=html,
            subject=thread.get("subject"),
            received_at=thread.get("createdTime"),
            raw_ref=f"zoho_desk:ticket/{ticket}/thread/{thread_id}",
            metadata={"zoho_channel": thread.get("channel")},
        )
    ]


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> Any:
    """One Desk API call; a 401 on a kept token is retried once with a fresh one."""
    url = _base(_config(conn), "desk") + "/api/v1" + path
    try:
        return await hd.call(conn, P, method, url, await _headers(conn, renew=False), **kwargs)
    except Unauthorized:
        return await hd.call(conn, P, method, url, await _headers(conn, renew=True), **kwargs)


async def _headers(conn: Connection, *, renew: bool) -> dict[str, str]:
    config = _config(conn)
    return {
        "Authorization": f"Zoho-oauthtoken {await _token(conn, renew=renew)}",
        "orgId": config.org_id,
        "sourceId": str(config.source_id),  # the webhook's ignoreSourceId: no echo of our calls
    }


async def _token(conn: Connection, *, renew: bool) -> str:
    config = _config(conn)
    form = {
        "grant_type": "refresh_token",
        "refresh_token": config.refresh_token.get_secret_value(),
        "client_id": config.client_id,
        "client_secret": config.client_secret.get_secret_value(),
    }
    url = _base(config, "accounts") + "/oauth/v2/token"
    return await hd.cached_token(conn, P, url, form, renew=renew)


def _base(config: ZohoDeskConfig, host: str) -> str:
    return (config.api_base_url or f"https://{host}.zoho.{config.data_center}").rstrip("/")


def _config(conn: Connection) -> ZohoDeskConfig:
    return hd.config_of(conn, ZohoDeskConfig, P)


SPEC = ConnectorSpec(
    slug="zoho_desk",
    name="Zoho Desk",
    kind="helpdesk",
    auth_type="token",
    config_model=ZohoDeskConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description=(
        "Zoho Desk tickets: incoming customer threads in (webhooks), email replies out. Zoho Desk "
        "documents no webhook signature: the webhook must carry our shared secret (header or "
        "URL token), which proves the caller, not the body."
    ),
    factory=ZohoDeskConnector,
)
