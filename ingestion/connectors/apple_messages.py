"""Apple Messages for Business, as a messaging service provider (MSP / CSP) endpoint.

Inbound: Apple's Messages for Business server POSTs each customer message to our webhook with
`Authorization: Bearer <JWT>`, HS256-signed with the CSP's API secret (configured base64: it
is decoded before use), `aud` the CSP id; headers `id` (the message id), `source-id` (the
customer's opaque id), `destination-id` (the business id, checked against ours); the JSON body
may be gzip-compressed (`Content-Encoding: gzip`). Text and interactive replies become messages;
typing indicators and `close` are ignored. The token authenticates the caller, not the body:
an intact body rests on TLS, and a replay within the token's life is absorbed by the dedupe on
the message `id`. Tokens older than `max_token_age_s` (iat) or expired (exp) are refused.

Outbound: `POST {api_base}/message` with a JWT we sign the same way (`iss` and `aud` the CSP
id), headers `id` (our message id: a retried delivery is the same message to Apple),
`source-id` (the business id) and `destination-id` (the customer's opaque id: the thread key),
and the gzip-compressed JSON `{"v": 1, "type": "text", "id", "sourceId", "destinationId", "body"}`.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import time
import zlib
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
from pydantic import Field, SecretStr, field_validator

from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    SendResult,
    WebhookRequest,
)
from ingestion.connectors.provider_http import raise_for_provider, transport_errors_are_retriable
from ingestion.connectors.signing import same
from ingestion.contract import MAX_TEXT_CHARS, InboundMessage, Party
from store.errors import BadInput, Fatal, PayloadTooLarge, Unauthorized

P = "apple_messages"
API_URL = "https://mspgw.push.apple.com/v1"
MAX_BODY_BYTES = 4 * 1024 * 1024  # a decompressed body; attachments travel as references
MESSAGE_TYPES = frozenset({"text", "interactive"})
IDENTIFIER = r"^[A-Za-z0-9:._-]{1,200}$"


class AppleMessagesConfig(ConnectorConfig):
    """The CSP (MSP) account Apple knows us by, and the business it messages for."""

    csp_id: str = Field(pattern=IDENTIFIER, description="the CSP / MSP id (JWT aud and iss)")
    business_id: str = Field(pattern=IDENTIFIER, description="the Messages for Business id")
    api_secret: SecretStr = Secret("the CSP API secret, base64 as Apple gives it", min_length=16)
    max_token_age_s: int = Field(default=3900, ge=60, le=86_400)
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")

    @field_validator("api_secret")
    @classmethod
    def _base64(cls, value: SecretStr) -> SecretStr:
        _key(value)
        return value


def _key(secret: SecretStr) -> bytes:
    try:
        return base64.b64decode(secret.get_secret_value(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("api_secret must be the base64 secret Apple issued") from None


def mint_token(config: AppleMessagesConfig, now: float | None = None) -> str:
    """The bearer JWT for calls to Apple: HS256 with the decoded secret, iss/aud the CSP id."""
    claims = {
        "iss": config.csp_id,
        "aud": config.csp_id,
        "iat": int(time.time() if now is None else now),
    }
    return jwt.encode(claims, _key(config.api_secret), algorithm="HS256")


class AppleMessagesConnector:
    """Stateless: every call is told its CSP account through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        config = _config(conn)
        scheme, _, token = (request.header("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("apple_messages: the call carries no bearer token")
        try:
            claims = jwt.decode(
                token.strip(), _key(config.api_secret), algorithms=["HS256"],
                audience=config.csp_id, leeway=30,
            )  # fmt: skip
        except jwt.PyJWTError as exc:
            raise Unauthorized(
                f"apple_messages: the token is not valid ({type(exc).__name__})"
            ) from None
        issued = claims.get("iat")
        if isinstance(issued, int | float) and time.time() - issued > config.max_token_age_s:
            raise Unauthorized("apple_messages: the token is too old (replay?)")
        if not same(config.business_id, request.header("destination-id")):
            raise Unauthorized("apple_messages: the message is for another business")

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        payload = _payload(request)
        kind = str(payload.get("type") or "")
        if kind not in MESSAGE_TYPES:
            return []  # typing_start, typing_end, close: no customer message
        message_id = str(payload.get("id") or request.header("id") or "")
        customer = str(payload.get("sourceId") or request.header("source-id") or "")
        if not message_id or not customer:
            raise BadInput("apple_messages: a message without its id or sender", code="no_id")
        return [
            InboundMessage(
                organization_id=conn.organization_id,
                integration_id=conn.integration_id,
                channel=conn.channel,
                external_id=message_id[:500],
                thread_key=customer[:500],
                sender=Party(external_id=customer[:200]),
                text=_text(payload)[:MAX_TEXT_CHARS],
                raw_ref=f"apple_messages:{message_id}"[:500],
                metadata={
                    "type": kind,
                    "locale": str(payload.get("locale") or "")[:20],
                    "device_agent": str(request.header("device-agent") or "")[:40],
                    "attachments": len(payload.get("attachments") or []),
                },
            )
        ]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        config = _config(conn)
        customer = message.thread_key or str(message.customer.get("external_id") or "")
        if not customer:
            raise BadInput(
                "apple_messages: the customer's opaque id is unknown", code="no_recipient"
            )
        message_id = str(message.message_id)
        body = {
            "v": 1, "type": "text", "id": message_id, "sourceId": config.business_id,
            "destinationId": customer, "body": message.text,
        }  # fmt: skip
        headers = {
            "Authorization": f"Bearer {mint_token(config)}",
            "id": message_id,
            "source-id": config.business_id,
            "destination-id": customer,
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
        }
        data = gzip.compress(json.dumps(body, ensure_ascii=False).encode())
        url = (config.api_base_url or API_URL).rstrip("/") + "/message"
        try:
            response = await conn.client().post(url, content=data, headers=headers)
        except httpx.TransportError as exc:
            raise await transport_errors_are_retriable(P, exc) from exc
        raise_for_provider(response, P)
        return SendResult(external_id=message_id, thread_key=customer, sent_at=datetime.now(UTC))


def _payload(request: WebhookRequest) -> dict[str, Any]:
    body = request.body
    if (request.header("content-encoding") or "").lower() == "gzip":
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            body = inflater.decompress(body, MAX_BODY_BYTES)
        except zlib.error:
            raise BadInput("apple_messages: the gzip body is corrupt", code="bad_gzip") from None
        if inflater.unconsumed_tail:
            raise PayloadTooLarge("apple_messages: the decompressed body is too large")
    try:
        payload = json.loads(body or b"null")
    except ValueError:
        raise BadInput("apple_messages: the body is not JSON", code="invalid_json") from None
    if not isinstance(payload, dict):
        raise BadInput("apple_messages: the body is not a message", code="unknown_payload")
    return payload


def _text(payload: dict[str, Any]) -> str:
    if payload.get("type") == "text":
        return str(payload.get("body") or "")
    # An interactive reply (a list picker choice, a time slot): the bubble's title says what.
    shown = ((payload.get("interactiveData") or {}).get("receivedMessage") or {}).get("title")
    return str(shown or (payload.get("interactiveDataRef") or {}).get("title") or "")


def _config(conn: Connection) -> AppleMessagesConfig:
    if not isinstance(conn.config, AppleMessagesConfig):
        raise Fatal("apple_messages: connection carries another connector's config")
    return conn.config


SPEC = ConnectorSpec(
    slug="apple_messages",
    name="Apple Messages for Business",
    kind="chat",
    auth_type="token",
    config_model=AppleMessagesConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description=(
        "Apple Messages for Business through our messaging service provider endpoint: HS256 "
        "bearer JWTs (aud the CSP id) verified, gzip bodies read; text replies sent to Apple."
    ),
    factory=AppleMessagesConnector,
)
