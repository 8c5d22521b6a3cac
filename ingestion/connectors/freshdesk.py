"""Freshdesk: customer replies in (automation-rule webhooks), public replies out (API v2).

Freshdesk signs no webhook. Its "Trigger webhook" action can add custom headers and HTTP Basic
credentials, so the rule carries our secret in `X-Switchboard-Token` (or as the Basic password,
user `switchboard`); a call without it is refused. The rule's JSON body (Advanced content) is:

    {"freshdesk_webhook": {"ticket_id": "{{ticket.id}}", "ticket_subject": "{{ticket.subject}}",
                           "requester_name": "{{ticket.requester.name}}",
                           "requester_email": "{{ticket.requester.email}}"}}

The comment text is left out of it on purpose (placeholders are pasted unescaped into JSON and
name no comment id): the newest customer conversation is read from
`GET /api/v2/tickets/{id}/conversations`, which gives its id (`external_id`) and author. A body
that does carry `ticket_latest_public_comment` (the "Simple" content picker) is taken as it is,
with an id derived from ticket and text. The ticket id is the `thread_key`.
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

P = "freshdesk"
PAGE = 100  # the conversations API's largest page
MAX_PAGES = 10


class FreshdeskConfig(ConnectorConfig):
    """One Freshdesk helpdesk: its API key and the secret its automation rules send back."""

    domain: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="<domain>.freshdesk.com")
    api_key: SecretStr = Secret("API key of the agent replies are sent as", min_length=8)
    webhook_secret: SecretStr = Secret(
        "sent by the rule as the X-Switchboard-Token header (or Basic password)", min_length=16
    )
    webhook_username: str = Field(
        default="switchboard", max_length=100, description="Basic user, if Basic is used instead"
    )
    agent_id: int | None = Field(
        default=None, ge=1, description="the API key's agent: its conversations are never inbound"
    )
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")


class FreshdeskConnector:
    """Stateless: every call is told its helpdesk through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        config = _config(conn)
        hd.check_shared_secret(
            P, request, config.webhook_secret, basic_user=config.webhook_username
        )

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        body = hd.object_of(request.json(), P)
        fields = hd.object_of(body.get("freshdesk_webhook", body), P)
        ticket = hd.require_id(fields.get("ticket_id"), P, "ticket id")
        comment = str(fields.get("ticket_latest_public_comment") or "").strip()
        if comment:
            return [_from_rule(conn, ticket, fields, comment)]
        found = await _newest_customer_conversation(conn, ticket)
        return [_from_conversation(conn, ticket, found, fields)] if found else []

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        ticket = hd.require_id(message.thread_key, P, "ticket id")
        body: dict[str, Any] = {"body": hd.reply_html(message.text, message.html)}
        if (agent := _config(conn).agent_id) is not None:
            body["user_id"] = agent
        data = hd.as_dict(await _call(conn, "POST", f"/tickets/{ticket}/reply", json=body), P)
        return SendResult(
            external_id=str(data.get("id") or f"{ticket}:{message.message_id}"),
            thread_key=ticket,
            sent_at=hd.when(data.get("created_at")),
        )

    async def check(self, conn: Connection) -> str:
        me = hd.as_dict(await _call(conn, "GET", "/agents/me"), P)
        return f"Freshdesk: connected as agent {me.get('id')}"


async def _newest_customer_conversation(conn: Connection, ticket: str) -> dict[str, Any] | None:
    """Conversations come oldest first, a page at a time; the newest customer one wins (a rule
    that fired for an agent's reply then finds the earlier one again: de-duplicated)."""
    agent, newest = _config(conn).agent_id, None
    for page in range(1, MAX_PAGES + 1):
        params = {"per_page": PAGE, "page": page}
        items = await _call(conn, "GET", f"/tickets/{ticket}/conversations", params=params)
        items = items if isinstance(items, list) else []
        for item in items:
            if _from_customer(item, agent):
                newest = item
        if len(items) < PAGE:
            break
    return newest


def _from_customer(item: dict[str, Any], agent: int | None) -> bool:
    """Incoming and public: replies the customer sent, not notes nor our own agent's replies."""
    if not item.get("id") or item.get("private") or not item.get("incoming"):
        return False
    return agent is None or str(item.get("user_id")) != str(agent)


def _from_conversation(
    conn: Connection, ticket: str, item: dict[str, Any], fields: dict[str, Any]
) -> InboundMessage:
    text, html = hd.text_and_html(item.get("body"))
    from_email = item.get("from_email") or ""
    requester = str(fields.get("requester_email") or "")
    same = requester and requester.lower() in str(from_email).lower()
    return hd.message(
        conn,
        external_id=str(item["id"]),
        thread_key=ticket,
        sender=hd.party(
            external_id=item.get("user_id"),
            email=requester if same else _address(from_email),
            name=fields.get("requester_name") if same else None,
        ),
        text=str(item.get("body_text") or text),
        html=html,
        subject=fields.get("ticket_subject"),
        received_at=item.get("created_at"),
        raw_ref=f"freshdesk:ticket/{ticket}/conversation/{item['id']}",
    )


def _from_rule(
    conn: Connection, ticket: str, fields: dict[str, Any], comment: str
) -> InboundMessage:
    """The "Simple" body: Freshdesk renders the comment as `Author Name : <html>`."""
    name = str(fields.get("requester_name") or fields.get("ticket_contact_name") or "")
    author, sep, rest = comment.partition(" : ")
    html = rest if sep and (not name or author.strip() == name) else comment
    text, _ = hd.text_and_html(html)
    return hd.message(
        conn,
        external_id=f"{ticket}:{hd.content_id(ticket, comment)}",
        thread_key=ticket,
        sender=hd.party(
            email=fields.get("requester_email") or fields.get("ticket_contact_email"),
            name=name or (author.strip() if sep else None),
            external_id=fields.get("ticket_contact_unique_external_id"),
        ),
        text=text,
        html=html,
        subject=fields.get("ticket_subject"),
        raw_ref=f"freshdesk:ticket/{ticket}",
    )


def _address(value: Any) -> str | None:
    """`"Name" <a@b.c>` or `a@b.c` → the address."""
    text = str(value or "")
    return text.rpartition("<")[2].rstrip(">").strip() or None


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> Any:
    config = _config(conn)
    base = config.api_base_url or f"https://{config.domain}.freshdesk.com"
    url = base.rstrip("/") + "/api/v2" + path
    auth = hd.basic(config.api_key.get_secret_value(), "X")  # the key is the Basic user
    return await hd.call(conn, P, method, url, {"Authorization": auth}, **kwargs)


def _config(conn: Connection) -> FreshdeskConfig:
    return hd.config_of(conn, FreshdeskConfig, P)


SPEC = ConnectorSpec(
    slug="freshdesk",
    name="Freshdesk",
    kind="helpdesk",
    auth_type="api_key",
    config_model=FreshdeskConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description=(
        "Freshdesk tickets: customer replies in through an automation rule's webhook, public "
        "replies out. Freshdesk does not sign webhooks: the rule must send our shared secret in "
        "a custom header (or Basic credentials), which proves the caller, not the body."
    ),
    factory=FreshdeskConnector,
)
