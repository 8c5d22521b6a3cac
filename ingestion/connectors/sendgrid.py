"""SendGrid: inbound mail through the Inbound Parse webhook, replies through the v3 Mail Send API.

Inbound Parse posts `multipart/form-data`: `headers` (the raw header block), `text`, `html`,
`from`, `to`, `cc`, `subject`, `envelope` (JSON), `charsets` (JSON: each field's charset),
`attachment-info` and the files; with "POST the raw, full MIME message" it posts `email` instead
of the parsed parts. Both are read.

SendGrid's long-documented protection for Inbound Parse is HTTP Basic credentials written into
the destination URL (`https://user:password@host/...`): SendGrid then calls with an
`Authorization: Basic` header, which we check against the credentials configured here. SendGrid
has since added *security policies* that sign Parse posts with ECDSA (P-256, SHA-256); set
`signature_public_key` (the policy's public key) to require that signature as well. It is read
from the headers SendGrid's signed webhooks use, `X-Twilio-Email-Event-Webhook-Signature`
(base64 DER) over `X-Twilio-Email-Event-Webhook-Timestamp` + body; SendGrid publishes no
tolerance, so `signature_max_age_s` (default 5 minutes) bounds a replay.

Replies: `POST /v3/mail/send` (Bearer API key), answered 202 with the id in `X-Message-Id`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Self

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key
from pydantic import Field, SecretStr, field_validator, model_validator

from ingestion.connectors import parsed_mail as pm
from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    SendResult,
    WebhookRequest,
)
from ingestion.connectors.provider_http import raise_for_provider, transport_errors_are_retriable
from ingestion.connectors.signing import check_basic, check_fresh, require_header
from ingestion.contract import InboundMessage, Party
from store.errors import Fatal, Unauthorized

P = "sendgrid"
API_URL = "https://api.sendgrid.com"
SIGNATURE_HEADER = "x-twilio-email-event-webhook-signature"
TIMESTAMP_HEADER = "x-twilio-email-event-webhook-timestamp"


class SendGridConfig(ConnectorConfig):
    """One Inbound Parse host: the URL's Basic credentials (and/or the security policy's public
    key), the API key replies are sent with, and the reply address."""

    api_key: SecretStr = Secret("SendGrid API key with Mail Send access", min_length=8)
    webhook_username: str = Field(
        default="switchboard", min_length=1, max_length=100, pattern=r"^[^:\s]+$",
        description="the user written into the Parse URL (https://user:password@host/...)",
    )  # fmt: skip
    webhook_password: SecretStr | None = Secret(
        "the password written into the Parse URL", default=None, min_length=16, max_length=200
    )
    signature_public_key: str | None = Field(
        default=None, max_length=400, description="a Parse security policy's ECDSA public key"
    )
    signature_max_age_s: int = Field(default=300, ge=60, le=86_400)
    from_address: str = Field(pattern=pm.ADDRESS, max_length=320, description="replies come from")
    from_name: str | None = Field(default=None, max_length=200)
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")

    @field_validator("signature_public_key")
    @classmethod
    def _ec_key(cls, value: str | None) -> str | None:
        if value:
            _public_key(value)
        return value

    @model_validator(mode="after")
    def _protected(self) -> Self:
        if self.webhook_password is None and not self.signature_public_key:
            raise ValueError(
                "set webhook_password (Basic in the Parse URL) or signature_public_key"
            )
        return self


def _public_key(value: str) -> ec.EllipticCurvePublicKey:
    try:
        key = load_der_public_key(base64.b64decode(value, validate=True))
    except (ValueError, binascii.Error):
        raise ValueError("signature_public_key is not a base64 DER public key") from None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError("signature_public_key is not an ECDSA key")
    return key


class SendGridConnector:
    """Stateless: every call is told its Parse host through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        config = _config(conn)
        if config.signature_public_key:
            _check_signature(config, request)
        if config.webhook_password is not None:
            check_basic(
                P, request.header("authorization"), config.webhook_username, config.webhook_password
            )

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        form, config = pm.read_form(request), _config(conn)
        if form.get("email"):
            fallback = pm.stable_id(form.get("email"))
            raw = form.raw["email"]
            message = pm.from_mime(conn, raw, fallback_id=fallback, raw_ref=f"sendgrid:{fallback}")
        else:
            message = pm.to_message(conn, _parsed(form))
        return [] if pm.is_echo(message.sender, config.from_address) else [message]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        config = _config(conn)
        reply = pm.reply_to(message, config.from_address)
        headers = {"In-Reply-To": reply.in_reply_to} if reply.in_reply_to else {}
        if reply.references:
            headers["References"] = " ".join(reply.references)
        content = [{"type": "text/plain", "value": message.text}]
        if message.html:
            content.append({"type": "text/html", "value": message.html})
        body: dict[str, Any] = {
            "personalizations": [{"to": [_person(a, n) for a, n in reply.to]}],
            "from": _person(config.from_address, config.from_name),
            "subject": reply.subject,
            "content": content,
            "custom_args": {"switchboard_message_id": str(message.message_id)},
        }
        if headers:
            body["headers"] = headers
        response = await _post(conn, "/v3/mail/send", body)
        return SendResult(
            external_id=response.headers.get("x-message-id") or reply.message_id,
            thread_key=message.thread_key,
            sent_at=datetime.now(UTC),
        )


def _check_signature(config: SendGridConfig, request: WebhookRequest) -> None:
    signature = require_header(request.header(SIGNATURE_HEADER), P, "signature")
    stamp = require_header(request.header(TIMESTAMP_HEADER), P, "timestamp")
    try:
        _public_key(config.signature_public_key or "").verify(
            base64.b64decode(signature), stamp.encode() + request.body, ec.ECDSA(hashes.SHA256())
        )
    except (InvalidSignature, ValueError, binascii.Error):
        raise Unauthorized("sendgrid: webhook signature does not match") from None
    check_fresh(P, stamp, config.signature_max_age_s)


def _parsed(form: pm.Form) -> pm.ParsedMail:
    value = _decoder(form)
    headers = pm.parse_header_block(value("headers"))
    message_id = pm.header_value(headers, "Message-ID")
    sender = next(iter(pm.parties(value("from"))), None)
    envelope = _json(form.get("envelope"))
    text = value("text")
    return pm.ParsedMail(
        external_id=message_id or pm.stable_id(value("headers"), value("from"), text),
        sender=sender or Party(email=str(envelope.get("from") or "") or None),
        recipients=pm.parties(value("to")) + pm.parties(value("cc")),
        subject=value("subject") or None,
        text=text.rstrip("\n"),
        html=value("html").rstrip("\n") or None,
        message_id=message_id,
        in_reply_to=pm.header_value(headers, "In-Reply-To"),
        references=[pm.header_value(headers, "References") or ""],
        attachments=form.files,
        date=pm.header_value(headers, "Date"),
        raw_ref=f"sendgrid:{message_id}" if message_id else None,
        metadata={"spf": form.get("SPF")[:40], "spam_score": form.get("spam_score")[:20]},
    )


def _decoder(form: pm.Form) -> Callable[[str], str]:
    """Each field in the charset `charsets` names for it (SendGrid posts them undeclared)."""
    charsets = _json(form.get("charsets"))

    def value(name: str) -> str:
        raw = form.raw.get(name)
        if raw is None:
            return ""
        try:
            return raw.decode(str(charsets.get(name) or "utf-8"), "replace")
        except LookupError:
            return raw.decode("utf-8", "replace")

    return value


def _json(value: str) -> dict[str, Any]:
    try:
        found = json.loads(value) if value else {}
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _person(address: str, name: str | None) -> dict[str, str]:
    return {"email": address, "name": name} if name else {"email": address}


async def _post(conn: Connection, path: str, body: dict[str, Any]) -> httpx.Response:
    config = _config(conn)
    url = (config.api_base_url or API_URL).rstrip("/") + path
    headers = {"Authorization": f"Bearer {config.api_key.get_secret_value()}"}
    try:
        response = await conn.client().post(url, json=body, headers=headers)
    except httpx.TransportError as exc:
        raise await transport_errors_are_retriable(P, exc) from exc
    raise_for_provider(response, P)
    return response


def _config(conn: Connection) -> SendGridConfig:
    if not isinstance(conn.config, SendGridConfig):
        raise Fatal("sendgrid: connection carries another connector's config")
    return conn.config


SPEC = ConnectorSpec(
    slug="sendgrid",
    name="SendGrid",
    kind="email",
    auth_type="basic",
    config_model=SendGridConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description=(
        "SendGrid Inbound Parse in (SendGrid signs no Parse post by default: we check the HTTP "
        "Basic credentials you put in the Parse URL, and a security policy's ECDSA signature "
        "when its public key is set); replies through the v3 Mail Send API."
    ),
    factory=SendGridConnector,
)
