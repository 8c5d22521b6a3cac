"""Our generic inbound webhook for any system that can sign an HTTP POST, with JMESPath mapping.

Inbound: the sender signs each call with HMAC over the raw body (or over a template with a
timestamp, e.g. `{timestamp}.{body}` as Stripe does, `v0:{timestamp}:{body}` as Slack does): the
algorithm, encoding, header, prefix (`sha256=`) and optional timestamp header and window are
configured to match the sender. The JSON body is mapped to messages by json_mapping.py.

Outbound (optional): replies are POSTed as JSON to `callback_url`, signed with the same secret
and scheme, so the receiver verifies them exactly as we verify its calls:

    {"type": "message.outbound", "message_id", "conversation_id", "thread_key", "in_reply_to",
     "subject", "text", "html", "to", "customer", "sent_at"}
    <signature_header>: <prefix><HMAC(secret, signed message)>   (+ <timestamp_header>: <unix s>)
    X-Switchboard-Delivery: <message_id>   (the same on every retry: an idempotency key)

The receiver may answer `{"id": "..."}` to name its copy (the reply's external id).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Literal, Self

import httpx
from pydantic import Field, HttpUrl, SecretStr, field_validator, model_validator

from ingestion.connectors import json_mapping
from ingestion.connectors.base import Capability, ConnectorSpec, Secret
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    SendResult,
    WebhookRequest,
)
from ingestion.connectors.provider_http import raise_for_provider, transport_errors_are_retriable
from ingestion.connectors.signing import (
    check_fresh,
    check_hmac,
    digest,
    require_header,
    secret_bytes,
)
from ingestion.contract import InboundMessage
from store.errors import BadInput, Fatal

P = "generic_webhook"
HEADER = r"^[A-Za-z0-9-]{1,100}$"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


class GenericWebhookConfig(json_mapping.FieldMapping):
    """The sender's signature scheme, the field mapping and where replies go."""

    secret: SecretStr = Secret("the shared HMAC secret", min_length=16, max_length=500)
    signature_header: str = Field(default="X-Signature", pattern=HEADER)
    algorithm: Literal["sha256", "sha1", "sha512"] = "sha256"
    encoding: Literal["hex", "base64"] = "hex"
    prefix: str = Field(default="", max_length=40, description='e.g. "sha256="')
    timestamp_header: str | None = Field(default=None, pattern=HEADER)
    signed_template: str = Field(
        default="{timestamp}.{body}", max_length=200,
        description="what is signed when a timestamp header is set",
    )  # fmt: skip
    timestamp_window_s: int = Field(default=300, ge=30, le=86_400)
    timestamp_unit: Literal["s", "ms"] = "s"
    callback_url: HttpUrl | None = Field(default=None, description="replies are POSTed here")
    allow_insecure_callback: bool = Field(
        default=False, description="tests only: allow http:// to 127.0.0.1 / localhost"
    )

    @field_validator("signed_template")
    @classmethod
    def _has_parts(cls, value: str) -> str:
        if value.count("{body}") != 1 or "{timestamp}" not in value:
            raise ValueError("signed_template needs {timestamp} and exactly one {body}")
        return value

    @model_validator(mode="after")
    def _safe_callback(self) -> Self:
        url = self.callback_url
        if url is None or url.scheme == "https":
            return self
        if self.allow_insecure_callback and url.scheme == "http" and url.host in LOOPBACK:
            return self
        raise ValueError("callback_url must be https")


def signed_message(config: GenericWebhookConfig, body: bytes, stamp: str | None) -> bytes:
    """The bytes the signature covers: the body, or the template around it."""
    if stamp is None:
        return body
    head, _, tail = config.signed_template.replace("{timestamp}", stamp).partition("{body}")
    return head.encode() + body + tail.encode()


class GenericWebhookConnector:
    """Stateless: the scheme and mapping come with each Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        config = _config(conn)
        stamp = None
        if config.timestamp_header:
            stamp = require_header(
                request.header(config.timestamp_header), P, config.timestamp_header
            )
        check_hmac(
            P,
            key=secret_bytes(config.secret, P),
            message=signed_message(config, request.body, stamp),
            given=request.header(config.signature_header),
            algorithm=config.algorithm,
            encoding=config.encoding,
            prefix=config.prefix,
            header=config.signature_header,
        )
        if stamp is not None:
            check_fresh(P, stamp, config.timestamp_window_s, millis=config.timestamp_unit == "ms")

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        return json_mapping.to_messages(conn, _config(conn), request.json(), P)

    def delivers(self, conn: Connection) -> bool:
        """Without a callback a reply is final once stored (the sender reads it from the API)."""
        return _config(conn).callback_url is not None

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        config = _config(conn)
        if config.callback_url is None:
            raise BadInput(
                "generic_webhook: set callback_url to deliver replies", code="no_callback_url"
            )
        sent_at = datetime.now(UTC)
        body = json.dumps(
            json_mapping.outbound_payload(message, sent_at), separators=(",", ":")
        ).encode()
        response = await _post(
            conn, str(config.callback_url), body, _headers(config, message, body)
        )
        return SendResult(
            external_id=_receiver_id(response) or str(message.message_id),
            thread_key=message.thread_key,
            sent_at=sent_at,
        )


def _headers(config: GenericWebhookConfig, message: OutboundMessage, body: bytes) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "X-Switchboard-Delivery": str(message.message_id),
    }
    stamp = None
    if config.timestamp_header:
        now = time.time()
        stamp = str(int(now * 1000) if config.timestamp_unit == "ms" else int(now))
        headers[config.timestamp_header] = stamp
    key = secret_bytes(config.secret, P)
    mac = digest(key, signed_message(config, body, stamp), config.algorithm, config.encoding)
    headers[config.signature_header] = config.prefix + mac
    return headers


async def _post(conn: Connection, url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    try:
        response = await conn.client().post(url, content=body, headers=headers)
    except httpx.TransportError as exc:
        raise await transport_errors_are_retriable(P, exc) from exc
    raise_for_provider(response, P)
    return response


def _receiver_id(response: httpx.Response) -> str | None:
    try:
        answer = response.json()
    except ValueError:
        return None
    value = answer.get("id") if isinstance(answer, dict) else None
    return str(value)[:500] if isinstance(value, str | int) and str(value) else None


def _config(conn: Connection) -> GenericWebhookConfig:
    if not isinstance(conn.config, GenericWebhookConfig):
        raise Fatal("generic_webhook: connection carries another connector's config")
    return conn.config


SPEC = ConnectorSpec(
    slug="generic_webhook",
    name="Generic signed webhook",
    kind="api",
    auth_type="hmac",
    config_model=GenericWebhookConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description=(
        "Any system that signs its webhooks with HMAC (configurable header, algorithm, encoding, "
        "prefix, timestamp): JSON mapped to messages with JMESPath; replies POSTed, signed the "
        "same way, to an optional https callback."
    ),
    factory=GenericWebhookConnector,
)
