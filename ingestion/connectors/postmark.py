"""Postmark: inbound mail through the inbound webhook (JSON), replies through `POST /email`.

Postmark posts one JSON document per message: `FromFull`, `ToFull`, `CcFull`, `Subject`,
`MessageID` (Postmark's id: the `external_id`), `Date`, `TextBody`, `HtmlBody`,
`StrippedTextReply`, `Headers` (`[{"Name", "Value"}]`, with `Message-ID`, `In-Reply-To`,
`References`) and `Attachments`. Postmark signs nothing: its documented protection is HTTP Basic
credentials written into the webhook URL (`https://user:password@host/...`, sent as an
`Authorization: Basic` header), which we check, and its published sender IP ranges, which a
proxy in front of us may enforce. Postmark retries with the same `MessageID`, so a repeat is
de-duplicated.

Replies: `POST /email` with `X-Postmark-Server-Token`, answered with the new `MessageID`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import Field, SecretStr

from ingestion.connectors import parsed_mail as pm
from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    SendResult,
    WebhookRequest,
)
from ingestion.connectors.provider_http import call_json
from ingestion.connectors.signing import check_basic
from ingestion.contract import Attachment, InboundMessage, Party
from store.errors import BadInput, Fatal

P = "postmark"
API_URL = "https://api.postmarkapp.com"


class PostmarkConfig(ConnectorConfig):
    """One Postmark server: its server token, the webhook URL's Basic credentials, the sender."""

    server_token: SecretStr = Secret("Postmark server API token", min_length=8, max_length=200)
    webhook_username: str = Field(
        default="switchboard", min_length=1, max_length=100, pattern=r"^[^:\s]+$",
        description="the user written into the inbound webhook URL",
    )  # fmt: skip
    webhook_password: SecretStr = Secret(
        "the password written into the inbound webhook URL", min_length=16, max_length=200
    )
    from_address: str = Field(pattern=pm.ADDRESS, max_length=320, description="a sender signature")
    from_name: str | None = Field(default=None, max_length=200)
    message_stream: str = Field(default="outbound", pattern=r"^[a-z0-9-]{1,50}$")
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")


class PostmarkConnector:
    """Stateless: every call is told its server through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        config = _config(conn)
        check_basic(
            P, request.header("authorization"), config.webhook_username, config.webhook_password
        )

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        payload = request.json()
        if not isinstance(payload, dict) or not payload.get("MessageID"):
            raise BadInput("postmark: not an inbound message", code="unknown_payload")
        mail = _parsed(payload)
        if pm.is_echo(mail.sender, _config(conn).from_address):
            return []
        return [pm.to_message(conn, mail)]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        config = _config(conn)
        reply = pm.reply_to(message, config.from_address)
        headers = [{"Name": "In-Reply-To", "Value": reply.in_reply_to}] if reply.in_reply_to else []
        if reply.references:
            headers.append({"Name": "References", "Value": " ".join(reply.references)})
        body: dict[str, Any] = {
            "From": pm.sender_header(config.from_address, config.from_name),
            "To": reply.to_header(),
            "Subject": reply.subject,
            "TextBody": message.text,
            "Headers": headers,
            "MessageStream": config.message_stream,
            "Metadata": {"switchboard_message_id": str(message.message_id)},
        }
        if message.html:
            body["HtmlBody"] = message.html
        answer = await _call(conn, "POST", "/email", json=body)
        if answer.get("ErrorCode"):
            raise BadInput(f"postmark: refused the message (ErrorCode {answer['ErrorCode']})")
        return SendResult(
            external_id=str(answer.get("MessageID") or reply.message_id),
            thread_key=message.thread_key,
            sent_at=datetime.now(UTC),
        )

    async def check(self, conn: Connection) -> str:
        """`GET /server`: the token works."""
        answer = await _call(conn, "GET", "/server")
        return f"postmark server {answer.get('Name') or '?'} reachable"


def _parsed(payload: Mapping[str, Any]) -> pm.ParsedMail:
    headers = {
        str(h.get("Name", "")).lower(): str(h.get("Value", ""))
        for h in reversed(payload.get("Headers") or [])
        if isinstance(h, dict)
    }
    sender = _party(payload.get("FromFull")) or Party(email=payload.get("From") or None)
    recipients = [
        _party(p) for p in [*(payload.get("ToFull") or []), *(payload.get("CcFull") or [])]
    ]
    text = str(payload.get("StrippedTextReply") or payload.get("TextBody") or "")
    return pm.ParsedMail(
        external_id=str(payload["MessageID"]),
        sender=sender,
        recipients=[r for r in recipients if r is not None],
        subject=str(payload.get("Subject") or "") or None,
        text=text,
        html=str(payload.get("HtmlBody") or "") or None,
        message_id=headers.get("message-id"),
        in_reply_to=headers.get("in-reply-to"),
        references=[headers.get("references", "")],
        attachments=[
            _attachment(a) for a in payload.get("Attachments") or [] if isinstance(a, dict)
        ],
        date=str(payload.get("Date") or "") or None,
        raw_ref=f"postmark:{payload['MessageID']}",
        metadata={"mailbox_hash": str(payload.get("MailboxHash") or "")[:200]},
    )


def _party(value: Any) -> Party | None:
    if not isinstance(value, dict) or "@" not in str(value.get("Email") or ""):
        return None
    return Party(email=str(value["Email"])[:320], name=str(value.get("Name") or "")[:200] or None)


def _attachment(item: Mapping[str, Any]) -> Attachment:
    size = item.get("ContentLength")
    return Attachment(
        filename=str(item.get("Name") or "attachment")[:500],
        content_type=str(item.get("ContentType") or "")[:200] or None,
        size=size if isinstance(size, int) and size >= 0 else None,
        ref=f"postmark-attachment:{item.get('ContentID') or item.get('Name') or ''}"[:1000],
    )


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    config = _config(conn)
    headers = {
        "X-Postmark-Server-Token": config.server_token.get_secret_value(),
        "Accept": "application/json",
    }
    url = (config.api_base_url or API_URL).rstrip("/") + path
    answer = await call_json(conn.client(), P, method, url, headers=headers, **kwargs)
    return answer if isinstance(answer, dict) else {}


def _config(conn: Connection) -> PostmarkConfig:
    if not isinstance(conn.config, PostmarkConfig):
        raise Fatal("postmark: connection carries another connector's config")
    return conn.config


SPEC = ConnectorSpec(
    slug="postmark",
    name="Postmark",
    kind="email",
    auth_type="basic",
    config_model=PostmarkConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description=(
        "Postmark inbound webhook in (Postmark signs nothing: we check the HTTP Basic "
        "credentials you put in the webhook URL); replies through POST /email."
    ),
    factory=PostmarkConnector,
)
