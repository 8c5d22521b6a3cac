"""Intercom: customer conversation parts in (signed webhooks), admin replies and tags out.

Each customer-authored part is one message: `external_id` the part id (the source id for the
conversation's first message), `thread_key` the conversation id. Webhooks are notification
events (`conversation.user.created`, `conversation.user.replied`; `ping` is acknowledged) signed
`X-Hub-Signature: sha1=<hex HMAC-SHA1(app client_secret, raw body)>`. Intercom signs no
timestamp, so replays are absorbed by the pipeline's dedupe on the part id.

Auth: the app's access token (Bearer), pasted or written by the OAuth callback. Intercom access
tokens do not expire and there is no refresh grant, so none is attempted; a revoked token is
`Unauthorized` (reconnect). The OAuth scopes below are placeholders: Intercom takes permissions
from the app's Developer Hub settings, not from the authorize URL.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Self

import httpx
from pydantic import Field, model_validator

from ingestion.connectors.base import Capability, ConnectorSpec, OAuthEndpoints
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    SendResult,
    WebhookRequest,
)
from ingestion.connectors.mime import html_to_text
from ingestion.connectors.oauth import OAuthConfig
from ingestion.connectors.provider_http import raise_for_provider
from ingestion.connectors.timestamps import epoch_time
from ingestion.contract import (
    MAX_HTML_CHARS,
    MAX_TEXT_CHARS,
    Attachment,
    InboundMessage,
    Party,
)
from store.errors import BadInput, Fatal, Retriable, Unauthorized

API_URL = "https://api.intercom.io"
CUSTOMER_TOPICS = frozenset({"conversation.user.created", "conversation.user.replied"})
CUSTOMER_AUTHORS = frozenset({"user", "lead", "contact"})


class IntercomConfig(OAuthConfig):
    """One Intercom workspace: the access token, the app's client secret (it signs webhooks too)
    and the admin replies and tags are made as."""

    admin_id: str = Field(min_length=1, max_length=40, pattern=r"^\d+$", description="admin id")
    api_version: str = Field(
        default="2.11",
        pattern=r"^(\d+\.\d+|Unstable)$",
        description="sent as the Intercom-Version header",
    )

    @model_validator(mode="after")
    def _auth(self) -> Self:
        if not self.access_token and not (self.client_id and self.client_secret):
            raise ValueError("set access_token, or client_id and client_secret (OAuth)")
        return self


class IntercomConnector:
    """Stateless: every call is told its workspace through the Connection.

    Tags live on conversations, so `apply_labels` takes the conversation id (the `thread_key`)."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        secret = _config(conn).client_secret
        if secret is None:
            raise Unauthorized("intercom: no client secret is configured to check webhooks")
        algorithm, _, given = (request.header("x-hub-signature") or "").partition("=")
        if algorithm != "sha1" or not given:
            raise Unauthorized("intercom: webhook signature is missing")
        expected = hmac.new(secret.get_secret_value().encode(), request.body, hashlib.sha1)
        if not hmac.compare_digest(expected.hexdigest(), given.strip().lower()):
            raise Unauthorized("intercom: webhook signature does not match")

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        payload = request.json()
        if not isinstance(payload, dict) or payload.get("type") != "notification_event":
            raise BadInput("intercom: not a notification event", code="unknown_payload")
        if payload.get("topic") not in CUSTOMER_TOPICS:
            return []  # ping, admin replies, notes, assignments: nothing a customer wrote
        item = (payload.get("data") or {}).get("item") or {}
        if item.get("type") != "conversation" or not item.get("id"):
            raise BadInput("intercom: conversation event without a conversation", code="no_item")
        return conversation_messages(conn, item)

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        conversation = _conversation_id(message.thread_key)
        config = _config(conn)
        body = {
            "message_type": "comment",
            "type": "admin",
            "admin_id": config.admin_id,
            "body": message.html or message.text,
        }
        data = await _call(conn, "POST", f"/conversations/{conversation}/reply", json=body)
        parts = (data.get("conversation_parts") or {}).get("conversation_parts") or []
        # Parts come oldest first; a stable sort keeps that order among equal timestamps.
        ordered = sorted(parts, key=lambda part: part.get("created_at") or 0)
        newest: dict[str, Any] = ordered[-1] if ordered else {}
        return SendResult(
            external_id=str(newest.get("id") or f"{conversation}:{message.message_id}"),
            thread_key=conversation,
            sent_at=epoch_time(newest.get("created_at")) if newest else datetime.now(UTC),
        )

    async def apply_labels(self, conn: Connection, external_id: str, labels: list[str]) -> None:
        """Tag the conversation `external_id`, creating tags Intercom does not know yet."""
        conversation = _conversation_id(external_id)
        names = list(dict.fromkeys(n for label in labels if (n := " ".join(label.split()))))
        if not names:
            return
        known = await _call(conn, "GET", "/tags")
        ids = {str(t.get("name", "")).lower(): str(t["id"]) for t in known.get("data") or []}
        admin = _config(conn).admin_id
        for name in names:
            tag_id = ids.get(name.lower()) or str(
                (await _call(conn, "POST", "/tags", json={"name": name}))["id"]
            )
            await _call(
                conn,
                "POST",
                f"/conversations/{conversation}/tags",
                json={"id": tag_id, "admin_id": admin},
            )


def conversation_messages(conn: Connection, item: Mapping[str, Any]) -> list[InboundMessage]:
    """The customer-authored source and parts of a conversation, oldest first."""
    conversation = str(item["id"])
    source = item.get("source") or {}
    subject = html_to_text(str(source.get("subject") or "")) or item.get("title") or None
    parts = [{**source, "created_at": item.get("created_at")}] if source.get("id") else []
    parts += (item.get("conversation_parts") or {}).get("conversation_parts") or []
    return [
        _message(conn, conversation, part, subject)
        for part in parts
        if (part.get("author") or {}).get("type") in CUSTOMER_AUTHORS
        and part.get("id")
        and part.get("body")
    ]


def _message(
    conn: Connection, conversation: str, part: Mapping[str, Any], subject: str | None
) -> InboundMessage:
    author = part.get("author") or {}
    return InboundMessage(
        organization_id=conn.organization_id,
        integration_id=conn.integration_id,
        channel=conn.channel,
        external_id=str(part["id"]),
        thread_key=conversation,
        sender=Party(
            email=author.get("email") or None,
            name=str(author.get("name") or "")[:200] or None,
            external_id=str(author["id"]) if author.get("id") else None,
        ),
        subject=(subject or "")[:1000] or None,
        # Provider limits can exceed ours: a clipped message beats a refused delivery.
        text=html_to_text(str(part["body"]))[:MAX_TEXT_CHARS],
        html=str(part["body"])[:MAX_HTML_CHARS],
        attachments=[_attachment(a) for a in part.get("attachments") or []][:100],
        received_at=epoch_time(part.get("created_at")),
        raw_ref=f"intercom:conversation/{conversation}/part/{part['id']}",
        metadata={"author_type": author.get("type")},
    )


def _attachment(item: Mapping[str, Any]) -> Attachment:
    size = item.get("filesize")
    return Attachment(
        filename=str(item.get("name") or "attachment")[:500],
        content_type=item.get("content_type"),
        size=size if isinstance(size, int) and size >= 0 else None,
        ref=item.get("url"),
    )


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    config = _config(conn)
    if config.access_token is None:
        raise Unauthorized("intercom: not connected (no access token); connect it")
    headers = {
        "Authorization": f"Bearer {config.access_token.get_secret_value()}",
        "Accept": "application/json",
        "Intercom-Version": config.api_version,
    }
    url = (config.api_base_url or API_URL).rstrip("/") + path
    try:
        response = await conn.client().request(method, url, headers=headers, **kwargs)
    except httpx.TransportError as exc:
        raise Retriable(f"intercom: {type(exc).__name__} talking to the provider") from exc
    raise_for_provider(response, "intercom")
    try:
        data = response.json()
    except ValueError:
        raise Retriable("intercom: the provider answered with malformed JSON") from None
    if not isinstance(data, dict):
        raise Retriable("intercom: the provider answered with an unexpected body")
    return data


def _config(conn: Connection) -> IntercomConfig:
    if not isinstance(conn.config, IntercomConfig):
        raise Fatal("intercom: connection carries another connector's config")
    return conn.config


def _conversation_id(value: str | None) -> str:
    text = (value or "").strip()
    if not text.isdigit():
        raise BadInput("intercom: a conversation id is required", code="no_conversation_id")
    return text


SPEC = ConnectorSpec(
    slug="intercom",
    name="Intercom",
    kind="helpdesk",
    auth_type="api_key",
    config_model=IntercomConfig,
    capabilities=frozenset(
        {
            Capability.INBOUND_WEBHOOK,
            Capability.SENDER,
            Capability.THREADS,
            Capability.LABELS,
            Capability.OAUTH,
        }
    ),
    description="Intercom conversations: customer replies in, admin replies and tags out.",
    factory=IntercomConnector,
    oauth=OAuthEndpoints(
        authorize_url="https://app.intercom.com/oauth",
        token_url="https://api.intercom.io/auth/eagle/token",
        scopes=("read_conversations", "write_conversations"),
    ),
    labels_on="thread",
)
