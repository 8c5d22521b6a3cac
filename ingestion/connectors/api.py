"""The generic API channel: clients post messages to /api/v1/inbound/{integration_id}.

Replies go the other way: `send` POSTs them as JSON to the integration's `callback_url`, signed
Stripe-style so receivers can check origin and reject replays:

    X-Switchboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(callback_secret, f"{t}.{body}")>
    X-Switchboard-Delivery: <message_id>   (the same on every retry: an idempotency key)

Receivers in Python can call `verify_signature` below; others recompute the HMAC the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import Field, HttpUrl, SecretStr

from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import Connection, OutboundMessage, SendResult
from ingestion.connectors.provider_http import raise_for_provider
from store.errors import BadInput, Fatal, Retriable, Unauthorized

SIGNATURE_HEADER = "X-Switchboard-Signature"
DELIVERY_HEADER = "X-Switchboard-Delivery"


class ApiChannelConfig(ConnectorConfig):
    callback_url: HttpUrl | None = Field(
        default=None, description="Where replies are POSTed as JSON, signed with HMAC-SHA256."
    )
    callback_secret: SecretStr | None = Secret(
        "HMAC-SHA256 key for the X-Switchboard-Signature header of callbacks.",
        default=None,
        min_length=16,
    )


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The X-Switchboard-Signature value for `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify_signature(
    secret: str,
    header: str | None,
    body: bytes,
    tolerance_s: int = 300,
    *,
    now: float | None = None,
) -> None:
    """Raise `Unauthorized` unless `header` signs `body` with `secret` within `tolerance_s`."""
    fields: dict[str, list[str]] = {}
    for item in (header or "").split(","):
        key, _, value = item.strip().partition("=")
        fields.setdefault(key, []).append(value)
    stamp = (fields.get("t") or [""])[0]
    if not stamp.isdigit():
        raise Unauthorized("missing or malformed signature timestamp")
    if abs((time.time() if now is None else now) - int(stamp)) > tolerance_s:
        raise Unauthorized("signature timestamp outside the tolerance (replay?)")
    expected = sign(secret, body, int(stamp)).split("v1=", 1)[1]
    # Several v1 values may be present while a receiver rotates secrets: any match is enough.
    if not any(hmac.compare_digest(expected, given) for given in fields.get("v1", [])):
        raise Unauthorized("signature does not match")


def _payload(message: OutboundMessage, sent_at: datetime) -> dict[str, Any]:
    return {
        "type": "message.outbound",
        "message_id": str(message.message_id),
        "conversation_id": str(message.conversation_id),
        "thread_id": message.thread_key,
        "in_reply_to": message.in_reply_to_external_id,
        "text": message.text,
        "html": message.html,
        "to": message.to,
        "sent_at": sent_at.isoformat(),
    }


def _receiver_id(response: httpx.Response) -> str | None:
    try:
        answer = response.json()
    except ValueError:
        return None
    value = answer.get("id") if isinstance(answer, dict) else None
    return str(value) if isinstance(value, str | int) and str(value) else None


def _config(conn: Connection) -> ApiChannelConfig:
    if not isinstance(conn.config, ApiChannelConfig):
        raise Fatal("api channel: connection carries another connector's config")
    return conn.config


class ApiChannel:
    """Sender only: inbound arrives through our own authenticated route, not a provider webhook."""

    def delivers(self, conn: Connection) -> bool:
        """Without a callback a reply is final once stored: the client reads it from the API."""
        return getattr(conn.config, "callback_url", None) is not None

    async def check(self, conn: Connection) -> str:
        """No provider to call: the config must let replies be delivered, and signed."""
        config = _config(conn)
        if config.callback_url is None:
            return "no callback_url: replies are final once stored, clients read them via the API"
        if config.callback_secret is None:
            raise BadInput("set callback_secret to sign replies", code="no_callback_secret")
        return f"replies are POSTed, signed, to {config.callback_url.host}"

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        config = _config(conn)
        if config.callback_url is None:
            raise BadInput("set callback_url to receive replies", code="no_callback_url")
        if config.callback_secret is None:
            # Unsigned replies could be forged by anyone who learns the receiver's URL.
            raise BadInput("set callback_secret to sign replies", code="no_callback_secret")
        sent_at = datetime.now(UTC)
        body = json.dumps(_payload(message, sent_at), separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(
                config.callback_secret.get_secret_value(), body, int(time.time())
            ),
            DELIVERY_HEADER: str(message.message_id),
        }
        try:
            response = await conn.client().post(
                str(config.callback_url), content=body, headers=headers
            )
        except httpx.TransportError as exc:
            raise Retriable(f"api callback: {type(exc).__name__} reaching the receiver") from exc
        raise_for_provider(response, "api callback")
        return SendResult(
            external_id=_receiver_id(response) or str(message.message_id),
            thread_key=message.thread_key,
            sent_at=sent_at,
        )


SPEC = ConnectorSpec(
    slug="api",
    name="Generic API",
    kind="api",
    auth_type="api_key",
    config_model=ApiChannelConfig,
    capabilities=frozenset({Capability.SENDER, Capability.THREADS}),
    description="Post messages over HTTP with an organization API key; replies go to a callback.",
    factory=ApiChannel,
)
