"""Pipedrive: notes on deals, persons, organizations and leads in (webhooks), notes out.

Pipedrive is a CRM, not a helpdesk: it has no customer conversation. What it does have is notes
(a customer's email pasted in, a web-form submission, a call summary), attached to the customer's
deal or person. Each created note is one message, `external_id` the note id, `thread_key` the
record it hangs on (`deal:42`, `person:7`...); a reply is a new note on that same record, so the
answer lands beside the question in the CRM. Notes our own API user writes are never inbound.

Pipedrive signs no webhook: a webhook is created with `http_auth_user` / `http_auth_password`,
which Pipedrive sends as HTTP Basic credentials on every call, and that is what is checked.
Both webhook payload versions are read: v1 (`meta.object`, `current`) and v2 (`meta.entity`,
`data`).
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

P = "pipedrive"
API_URL = "https://api.pipedrive.com"
CREATED = frozenset({"added", "create"})
# Where a note can hang, most specific first: its thread is the first one set.
PARENTS = (("deal", "deal_id"), ("lead", "lead_id"), ("person", "person_id"), ("org", "org_id"))


class PipedriveConfig(ConnectorConfig):
    """One Pipedrive company: an API token, its user's id, the webhook's Basic credentials."""

    api_token: SecretStr = Secret("personal API token (Settings → Personal preferences → API)")
    user_id: int = Field(ge=1, description="the API token's user: its notes are never inbound")
    webhook_username: str = Field(default="switchboard", max_length=100, description="Basic user")
    webhook_password: SecretStr = Secret("the webhook's http_auth_password", min_length=16)
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")


class PipedriveConnector:
    """Stateless: every call is told its company through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        config = _config(conn)
        hd.check_shared_secret(
            P, request, config.webhook_password, basic_user=config.webhook_username
        )

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        body = hd.object_of(request.json(), P)
        meta = body.get("meta") or {}
        kind = meta.get("entity") or meta.get("object")
        note = body.get("data") or body.get("current")
        if kind != "note" or meta.get("action") not in CREATED or not isinstance(note, dict):
            return []  # deals, persons, activities, updates and deletions
        author = note.get("user_id") or meta.get("user_id")
        if str(author) == str(_config(conn).user_id):
            return []  # our own reply, echoed back
        return [_message(conn, note)]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        parent, _, record = (message.thread_key or "").partition(":")
        field = dict(PARENTS).get(parent)
        if field is None or not record:
            raise BadInput(
                "pipedrive: the thread names no deal, lead, person or org", code="no_record"
            )
        value: Any = record if parent == "lead" else int(hd.require_id(record, P, "record id"))
        body = {"content": hd.reply_html(message.text, message.html), field: value}
        data = hd.as_dict(await _call(conn, "POST", "/v1/notes", json=body), P)
        note = data.get("data") or {}
        return SendResult(
            external_id=str(note.get("id") or f"{message.thread_key}:{message.message_id}"),
            thread_key=message.thread_key,
            sent_at=hd.when(_utc(note.get("add_time"))),
        )

    async def check(self, conn: Connection) -> str:
        me = hd.as_dict(await _call(conn, "GET", "/v1/users/me"), P).get("data") or {}
        return f"Pipedrive: connected as {me.get('name') or me.get('id')}"


def _message(conn: Connection, note: dict[str, Any]) -> InboundMessage:
    thread = next((f"{name}:{note[key]}" for name, key in PARENTS if note.get(key)), None)
    if thread is None:
        raise BadInput("pipedrive: the note hangs on no record", code="no_record")
    person = note.get("person") or {}
    text, html = hd.text_and_html(note.get("content"))
    return hd.message(
        conn,
        external_id=hd.require_id(note.get("id"), P, "note id"),
        thread_key=thread,
        sender=hd.party(
            external_id=f"person:{note['person_id']}" if note.get("person_id") else None,
            name=person.get("name"),
        ),
        text=text,
        html=html,
        subject=(note.get("deal") or {}).get("title"),
        received_at=_utc(note.get("add_time")),
        raw_ref=f"pipedrive:note/{note['id']}",
        metadata={"author_user_id": note.get("user_id")},
    )


def _utc(value: Any) -> Any:
    """Pipedrive writes UTC times as `YYYY-MM-DD HH:MM:SS` (v1) or ISO 8601 (v2)."""
    text = str(value or "")
    return text.replace(" ", "T") + "Z" if len(text) == 19 and " " in text else value


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> Any:
    config = _config(conn)
    url = (config.api_base_url or API_URL).rstrip("/") + path
    # Pipedrive's documented token scheme for personal API tokens is the `x-api-token` header.
    headers = {"x-api-token": config.api_token.get_secret_value()}
    return await hd.call(conn, P, method, url, headers, **kwargs)


def _config(conn: Connection) -> PipedriveConfig:
    return hd.config_of(conn, PipedriveConfig, P)


SPEC = ConnectorSpec(
    slug="pipedrive",
    name="Pipedrive",
    kind="crm",
    auth_type="api_key",
    config_model=PipedriveConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description=(
        "Pipedrive CRM notes: each new note on a deal, lead, person or organization comes in as "
        "a message (Pipedrive has no customer conversations) and replies are added as notes on "
        "the same record; nothing is emailed to the customer. Webhooks are checked by the HTTP "
        "Basic credentials set on them (Pipedrive signs nothing)."
    ),
    factory=PipedriveConnector,
)
