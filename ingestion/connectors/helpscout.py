"""Help Scout (Mailbox API 2.0): customer threads in (signed webhooks), replies out.

Webhooks carry the event in `X-HelpScout-Event` and the v2 conversation object as body, signed
`X-HelpScout-Signature: base64(HMAC-SHA1(webhook secret, raw body))`; Help Scout signs no
timestamp, so replays are absorbed by de-duplication on the thread id. Only
`convo.customer.reply.created` and `convo.created` bring messages: the newest customer thread
(`_embedded.threads`, else `GET /v2/conversations/{id}/threads`) is one message, `external_id`
the thread id, `thread_key` the conversation id. Agent replies and notes are never inbound.

Auth: an OAuth app's client credentials (`POST /v2/oauth2/token`); the two-day token is kept in
the integration's secrets. A reply (`POST /v2/conversations/{id}/reply`) answers 201 with the new
thread's id in the `Resource-ID` header.
"""

from __future__ import annotations

from typing import Any

import httpx
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
from store.errors import BadInput, Retriable, Unauthorized

P = "helpscout"
API_URL = "https://api.helpscout.net"
MESSAGE_EVENTS = frozenset({"convo.customer.reply.created", "convo.created"})
NOT_FROM_CUSTOMER = frozenset({"message", "note", "lineitem", "forwardparent", "forwardchild"})


class HelpScoutConfig(ConnectorConfig):
    """One Help Scout account: an OAuth app (client credentials) and the webhook's secret."""

    app_id: str = Field(min_length=1, max_length=200, description="OAuth app's App ID")
    app_secret: SecretStr = Secret("OAuth app's App Secret", min_length=1)
    webhook_secret: SecretStr = Secret("the Webhooks app's secret key", min_length=8, max_length=40)
    user_id: int | None = Field(default=None, ge=1, description="user replies are made as")
    access_token: SecretStr | None = Secret("kept by the connector", default=None)
    token_expires_at: int | None = Field(default=None, description="epoch seconds")
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")


class HelpScoutConnector:
    """Stateless: every call is told its account through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        check_hmac(
            P,
            key=secret_bytes(_config(conn).webhook_secret, P),
            message=request.body,
            given=request.header("x-helpscout-signature"),
            algorithm="sha1",
            encoding="base64",
            header="X-HelpScout-Signature",
        )

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        if request.header("x-helpscout-event") not in MESSAGE_EVENTS:
            return []  # assignments, tags, notes, agent replies, customers, ratings
        convo = hd.object_of(request.json(), P)
        convo_id = hd.require_id(convo.get("id"), P, "conversation id")
        threads = (convo.get("_embedded") or {}).get("threads")
        if not isinstance(threads, list) or not threads:
            data = hd.as_dict(await _call(conn, "GET", f"/v2/conversations/{convo_id}/threads"), P)
            threads = (data.get("_embedded") or {}).get("threads") or []
        thread = _newest_customer_thread(threads)
        return [_message(conn, convo, convo_id, thread)] if thread else []

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        convo = hd.require_id(message.thread_key, P, "conversation id")
        body: dict[str, Any] = {
            "customer": _customer(message),
            "text": message.html or message.text,
        }
        if (user := _config(conn).user_id) is not None:
            body["user"] = user
        response = await _respond(conn, "POST", f"/v2/conversations/{convo}/reply", json=body)
        thread = response.headers.get("resource-id")
        return SendResult(external_id=thread or f"{convo}:{message.message_id}", thread_key=convo)

    async def check(self, conn: Connection) -> str:
        me = hd.as_dict(await _call(conn, "GET", "/v2/users/me"), P)
        return f"Help Scout: connected as user {me.get('id')}"


def _newest_customer_thread(threads: list[Any]) -> dict[str, Any] | None:
    mine = [
        t
        for t in threads
        if isinstance(t, dict)
        and t.get("id")
        and t.get("type") not in NOT_FROM_CUSTOMER
        and (t.get("type") == "customer" or (t.get("createdBy") or {}).get("type") == "customer")
    ]
    return max(mine, key=lambda t: (str(t.get("createdAt") or ""), int(t["id"])), default=None)


def _message(
    conn: Connection, convo: dict[str, Any], convo_id: str, thread: dict[str, Any]
) -> InboundMessage:
    who = thread.get("customer") or thread.get("createdBy") or convo.get("primaryCustomer") or {}
    name = " ".join(str(who.get(k) or "") for k in ("first", "last")).strip()
    text, html = hd.text_and_html(thread.get("body"))
    return hd.message(
        conn,
        external_id=str(thread["id"]),
        thread_key=convo_id,
        sender=hd.party(external_id=who.get("id"), email=who.get("email"), name=name),
        text=text,
        html=html,
        subject=convo.get("subject"),
        received_at=thread.get("createdAt"),
        raw_ref=f"helpscout:conversation/{convo_id}/thread/{thread['id']}",
        metadata={"mailbox_id": convo.get("mailboxId")},
    )


def _customer(message: OutboundMessage) -> dict[str, Any]:
    """Help Scout wants the customer a reply is addressed to: by id, else by email."""
    customer = message.customer
    if str(customer.get("external_id") or "").isdigit():
        return {"id": int(customer["external_id"])}
    if customer.get("email"):
        return {"email": customer["email"]}
    raise BadInput("helpscout: the reply names no customer to address", code="no_customer")


async def _respond(conn: Connection, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One call; a 401 on a kept token is retried once with a fresh one (revoked early)."""
    url = (_config(conn).api_base_url or API_URL).rstrip("/") + path
    headers = {"Authorization": hd.bearer(await _token(conn, renew=False))}
    try:
        return await hd.call_response(conn, P, method, url, headers, **kwargs)
    except Unauthorized:
        headers = {"Authorization": hd.bearer(await _token(conn, renew=True))}
        return await hd.call_response(conn, P, method, url, headers, **kwargs)


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> Any:
    response = await _respond(conn, method, path, **kwargs)
    try:
        return response.json() if response.content else None
    except ValueError:
        raise Retriable("helpscout: the provider answered with malformed JSON") from None


async def _token(conn: Connection, *, renew: bool) -> str:
    config = _config(conn)
    form = {
        "grant_type": "client_credentials",
        "client_id": config.app_id,
        "client_secret": config.app_secret.get_secret_value(),
    }
    url = (config.api_base_url or API_URL).rstrip("/") + "/v2/oauth2/token"
    return await hd.cached_token(conn, P, url, form, renew=renew)


def _config(conn: Connection) -> HelpScoutConfig:
    return hd.config_of(conn, HelpScoutConfig, P)


SPEC = ConnectorSpec(
    slug="helpscout",
    name="Help Scout",
    kind="helpdesk",
    auth_type="api_key",
    config_model=HelpScoutConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description="Help Scout conversations: customer replies in (signed webhooks), replies out.",
    factory=HelpScoutConnector,
)
