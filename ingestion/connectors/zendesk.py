"""Zendesk Support: ticket comments in (signed webhooks, incremental export), replies and tags out.

Each public comment is one message: `external_id` the comment id, `thread_key` the ticket id.
Two webhook bodies are understood, both signed by Zendesk
(`base64(HMAC-SHA256(signing_secret, timestamp + raw_body))`):

* event subscriptions: `{"type": "zen:event-type:ticket.comment_added", "detail": {ticket},
  "event": {"comment": {"id", "body", "is_public", "author": {"id", "name"}}}}`;
* a trigger ("Ticket is updated", "Comment is Public") notifying a webhook with this JSON body:

      {"ticket": {"id": "{{ticket.id}}", "subject": "{{ticket.title}}",
                  "requester": {"id": "{{ticket.requester.id}}",
                                "email": "{{ticket.requester.email}}",
                                "name": "{{ticket.requester.name}}"},
                  "latest_comment": {"id": "{{ticket.latest_comment.id}}"}}}

  The comment text is deliberately left out of the template (placeholders are not JSON-escaped);
  whenever a body lacks it, the comment is read from `GET /api/v2/tickets/{id}/comments.json`.

Auth: an API token (`email` + `api_token`, the simplest path for a self-hosted install: no OAuth
client to register per Zendesk account) or OAuth 2.0 with refresh tokens, both fully supported.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from datetime import UTC, datetime
from typing import Any, Self

import httpx
from pydantic import Field, SecretStr, model_validator

from ingestion.connectors import zendesk_comments as comments
from ingestion.connectors.base import Capability, ConnectorSpec, OAuthEndpoints, Secret
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    PollBatch,
    SendResult,
    WebhookRequest,
)
from ingestion.connectors.oauth import OAuthConfig, fresh_access_token
from ingestion.connectors.provider_http import raise_for_provider
from ingestion.contract import InboundMessage, Party
from store.errors import BadInput, Fatal, Retriable, Unauthorized

SIGNATURE_MAX_AGE_S = 300
EXPORT_MIN_AGE_S = 60  # Zendesk refuses an incremental export start_time under a minute old
COMMENT_ADDED = "zen:event-type:ticket.comment_added"


class ZendeskConfig(OAuthConfig):
    """One Zendesk account: API token or OAuth, the webhook signing secret, our agent."""

    subdomain: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="<sub>.zendesk.com")
    email: str | None = Field(default=None, max_length=320, description="API token owner")
    api_token: SecretStr | None = Secret("Zendesk API token (with email)", default=None)
    webhook_signing_secret: SecretStr | None = Secret("the webhook's signing secret", default=None)
    agent_user_id: int = Field(
        ge=1, description="Zendesk user replies are posted as; its comments are never inbound"
    )
    backfill_hours: int = Field(default=24, ge=0, le=720, description="first poll reaches back")

    @model_validator(mode="after")
    def _auth_and_hosts(self) -> Self:
        if not (self.email and self.api_token) and not (self.client_id and self.client_secret):
            raise ValueError("set email and api_token, or client_id and client_secret (OAuth)")
        # The OAuth endpoints live on the account's own host.
        self.oauth_base_url = self.oauth_base_url or f"https://{self.subdomain}.zendesk.com"
        return self


class ZendeskConnector:
    """Stateless: every call is told its Zendesk account through the Connection.

    Tags live on tickets, so `apply_labels` takes the ticket id (the message's `thread_key`)."""

    poll_interval_s: float = 60.0  # the incremental export allows 10 requests a minute

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        secret = _config(conn).webhook_signing_secret
        if secret is None:
            raise Unauthorized("zendesk: no webhook signing secret is configured")
        signature = request.header("x-zendesk-webhook-signature") or ""
        stamp = request.header("x-zendesk-webhook-signature-timestamp") or ""
        if not signature or not stamp:
            raise Unauthorized("zendesk: webhook signature headers are missing")
        mac = hmac.new(
            secret.get_secret_value().encode(), stamp.encode() + request.body, hashlib.sha256
        )
        if not hmac.compare_digest(base64.b64encode(mac.digest()).decode(), signature):
            raise Unauthorized("zendesk: webhook signature does not match")
        if abs(time.time() - _epoch(stamp)) > SIGNATURE_MAX_AGE_S:
            raise Unauthorized("zendesk: webhook timestamp is stale (replay?)")

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        payload = request.json()
        if isinstance(payload, dict) and str(payload.get("type", "")).startswith("zen:"):
            return await self._from_event(conn, payload)
        if isinstance(payload, dict) and isinstance(payload.get("ticket"), dict):
            return await self._from_trigger(conn, payload["ticket"])
        raise BadInput("zendesk: unrecognised webhook body", code="unknown_payload")

    async def poll(self, conn: Connection) -> PollBatch:
        """Comments from the incremental ticket event export since the `start_time` cursor."""
        config, now = _config(conn), int(time.time())
        start = int(conn.state.get("start_time") or now - config.backfill_hours * 3600)
        if start > now - EXPORT_MIN_AGE_S:
            return PollBatch(messages=[], state={**conn.state, "start_time": start})
        data = await _call(
            conn,
            "GET",
            "/api/v2/incremental/ticket_events.json",
            params={"start_time": start, "include": "comment_events"},
        )
        found = [
            comments.to_message(conn, str(event["ticket_id"]), child)
            for event in data.get("ticket_events") or []
            for child in event.get("child_events") or []
            if "Comment" in (child.get("event_type"), child.get("type"))
            and comments.is_customer_comment(child, config.agent_user_id)
        ]
        end = max(int(data.get("end_time") or start), start)
        more = not data.get("end_of_stream", True) and end > start
        return PollBatch(messages=found, state={**conn.state, "start_time": end}, more=more)

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        ticket = _ticket_id(message.thread_key)
        comment: dict[str, Any] = {"public": True, "author_id": _config(conn).agent_user_id}
        if message.html:
            comment["html_body"] = message.html
        else:
            comment["body"] = message.text
        data = await _call(
            conn, "PUT", f"/api/v2/tickets/{ticket}.json", json={"ticket": {"comment": comment}}
        )
        events = (data.get("audit") or {}).get("events") or []
        new_id = next((e.get("id") for e in events if e.get("type") == "Comment"), None)
        return SendResult(
            # Without the audit, a deterministic id still lets a retried delivery be recognised.
            external_id=str(new_id) if new_id else f"{ticket}:{message.message_id}",
            thread_key=ticket,
            sent_at=datetime.now(UTC),
        )

    async def apply_labels(self, conn: Connection, external_id: str, labels: list[str]) -> None:
        """Add tags to the ticket `external_id` (Zendesk tags tickets, not comments)."""
        tags = sorted({tag for label in labels if (tag := zendesk_tag(label))})
        if tags:
            await _call(
                conn,
                "PUT",
                f"/api/v2/tickets/{_ticket_id(external_id)}/tags.json",
                json={"tags": tags},
            )

    async def _from_event(self, conn: Connection, payload: dict[str, Any]) -> list[InboundMessage]:
        if payload.get("type") != COMMENT_ADDED:
            return []  # other ticket, user and organization events carry no customer message
        detail = payload.get("detail") or {}
        ticket = _ticket_id(detail.get("id") or str(payload.get("subject", "")).rpartition(":")[2])
        comment = comments.from_event((payload.get("event") or {}).get("comment") or {})
        author = None
        if not comment.get("body"):
            comment, author = await _fetch_comment(conn, ticket, str(comment.get("id") or ""))
        if not comments.is_customer_comment(comment, _config(conn).agent_user_id):
            return []
        return [
            comments.to_message(conn, ticket, comment, subject=detail.get("subject"), author=author)
        ]

    async def _from_trigger(self, conn: Connection, ticket: dict[str, Any]) -> list[InboundMessage]:
        ticket_id = _ticket_id(ticket.get("id"))
        latest = ticket.get("latest_comment") or {}
        requester = ticket.get("requester") or {}
        if latest.get("id") and latest.get("body"):
            comment, author = dict(latest), None
        else:
            comment, author = await _fetch_comment(conn, ticket_id, str(latest.get("id") or ""))
        if not comments.is_customer_comment(comment, _config(conn).agent_user_id):
            return []
        if author is None and str(comment.get("author_id")) == str(requester.get("id")):
            author = comments.requester_party(requester)
        return [
            comments.to_message(
                conn, ticket_id, comment, subject=ticket.get("subject"), author=author
            )
        ]


def zendesk_tag(label: str) -> str:
    """Zendesk's tag rules: lower case, no spaces (Zendesk itself would split on them)."""
    return re.sub(r"[^\w\-:/.]+", "_", label.strip().lower()).strip("_")[:80]


async def _fetch_comment(
    conn: Connection, ticket: str, wanted: str
) -> tuple[dict[str, Any], Party | None]:
    """The comment `wanted` (else the newest), newest first, with its sideloaded author."""
    data = await _call(
        conn,
        "GET",
        f"/api/v2/tickets/{ticket}/comments.json",
        params={"include": "users", "sort_order": "desc"},
    )
    found = data.get("comments") or []
    match = [c for c in found if str(c.get("id")) == wanted] if wanted else found[:1]
    if not match:
        # A webhook can outrun the comments API: let the sender try again shortly.
        raise Retriable(f"zendesk: comment not yet readable on ticket {ticket}", retry_after=5)
    users = comments.users_by_id(data.get("users") or [])
    return match[0], users.get(str(match[0].get("author_id")))


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    config = _config(conn)
    base = config.api_base_url or f"https://{config.subdomain}.zendesk.com"
    headers = {"Authorization": await _authorization(conn, config), "Accept": "application/json"}
    try:
        response = await conn.client().request(
            method, base.rstrip("/") + path, headers=headers, **kwargs
        )
    except httpx.TransportError as exc:
        raise Retriable(f"zendesk: {type(exc).__name__} talking to the provider") from exc
    raise_for_provider(response, "zendesk")
    try:
        data = response.json()
    except ValueError:
        raise Retriable("zendesk: the provider answered with malformed JSON") from None
    if not isinstance(data, dict):
        raise Retriable("zendesk: the provider answered with an unexpected body")
    return data


async def _authorization(conn: Connection, config: ZendeskConfig) -> str:
    if config.email and config.api_token:
        pair = f"{config.email}/token:{config.api_token.get_secret_value()}".encode()
        return "Basic " + base64.b64encode(pair).decode()
    return "Bearer " + await fresh_access_token(SPEC, conn)


def _config(conn: Connection) -> ZendeskConfig:
    if not isinstance(conn.config, ZendeskConfig):
        raise Fatal("zendesk: connection carries another connector's config")
    return conn.config


def _ticket_id(value: Any) -> str:
    text = str(value or "").strip()
    if not text.isdigit():
        raise BadInput("zendesk: a ticket id is required", code="no_ticket_id")
    return text


def _epoch(stamp: str) -> float:
    """Zendesk sends ISO 8601 (`2021-07-14T20:15:11Z`); epoch seconds are accepted too."""
    if stamp.isdigit():
        return float(stamp)
    try:
        parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        raise Unauthorized("zendesk: webhook timestamp is malformed") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


SPEC = ConnectorSpec(
    slug="zendesk",
    name="Zendesk",
    kind="helpdesk",
    auth_type="api_key",
    config_model=ZendeskConfig,
    capabilities=frozenset(
        {
            Capability.INBOUND_WEBHOOK,
            Capability.POLLER,
            Capability.SENDER,
            Capability.THREADS,
            Capability.LABELS,
            Capability.OAUTH,
        }
    ),
    description="Zendesk Support tickets: public comments in, replies and tags out.",
    factory=ZendeskConnector,
    oauth=OAuthEndpoints(
        authorize_url="https://{subdomain}.zendesk.com/oauth/authorizations/new",
        token_url="https://{subdomain}.zendesk.com/oauth/tokens",
        scopes=("read", "write"),
    ),
    labels_on="thread",
)
