"""Freshchat: user messages in (RSA-signed webhooks), agent replies out (API v2).

Freshchat signs each webhook with its private key: `X-Freshchat-Signature` is
`base64(RSA-SHA256(raw body))` (PKCS#1 v1.5), checked against the account's public key shown
under Admin → Webhooks. No timestamp is signed; retries are de-duplicated on the message id.
A `message_create` from a user (`actor_type: user`) is one message, `external_id` the message id,
`thread_key` the conversation id; agent, bot and private messages are ignored.
"""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from pydantic import Field, SecretStr, field_validator

from ingestion.connectors import helpdesk_kit as hd
from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    SendResult,
    WebhookRequest,
)
from ingestion.connectors.signing import require_header
from ingestion.contract import InboundMessage
from store.errors import Unauthorized

P = "freshchat"


class FreshchatConfig(ConnectorConfig):
    """One Freshchat account: its API host and key, the webhook public key, the replying agent."""

    domain: str = Field(
        pattern=r"^[a-z0-9][a-z0-9.-]{0,200}\.freshchat\.com$",
        description="the API host, e.g. acme.freshchat.com or api.eu.freshchat.com",
    )
    api_key: SecretStr = Secret("API key (Admin → Configure API tokens)", min_length=8)
    webhook_public_key: str = Field(
        min_length=64, max_length=5000, description="RSA public key from Admin → Webhooks (PEM)"
    )
    agent_id: str = Field(pattern=r"^[A-Za-z0-9-]{1,64}$", description="agent replies are sent as")
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")

    @field_validator("webhook_public_key")
    @classmethod
    def _rsa_key(cls, value: str) -> str:
        _public_key(value)
        return value


class FreshchatConnector:
    """Stateless: every call is told its account through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        given = require_header(request.header("x-freshchat-signature"), P, "X-Freshchat-Signature")
        try:
            signature = base64.b64decode(given, validate=True)
        except (binascii.Error, ValueError):
            raise Unauthorized("freshchat: webhook signature is malformed") from None
        key = _public_key(_config(conn).webhook_public_key)
        try:
            key.verify(signature, request.body, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise Unauthorized("freshchat: webhook signature does not match") from None

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        event = hd.object_of(request.json(), P)
        message = (event.get("data") or {}).get("message") or {}
        if event.get("action") != "message_create" or message.get("actor_type") != "user":
            return []  # agents, bots, assignments, resolutions
        if message.get("message_type") == "private":
            return []
        convo = hd.require_id(message.get("conversation_id"), P, "conversation id", "token")
        return [
            hd.message(
                conn,
                external_id=hd.require_id(message.get("id"), P, "message id", "token"),
                thread_key=convo,
                sender=hd.party(external_id=message.get("user_id") or message.get("actor_id")),
                text=_text(message),
                received_at=message.get("created_time") or event.get("action_time"),
                raw_ref=f"freshchat:conversation/{convo}/message/{message['id']}",
                metadata={"channel_id": message.get("channel_id")},
            )
        ]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        convo = hd.require_id(message.thread_key, P, "conversation id", "token")
        body = {
            "message_parts": [{"text": {"content": message.text}}],
            "message_type": "normal",
            "actor_type": "agent",
            "actor_id": _config(conn).agent_id,
        }
        path = f"/v2/conversations/{convo}/messages"
        data = hd.as_dict(await _call(conn, "POST", path, json=body), P)
        return SendResult(
            external_id=str(data.get("id") or f"{convo}:{message.message_id}"),
            thread_key=convo,
            sent_at=hd.when(data.get("created_time")),
        )

    async def check(self, conn: Connection) -> str:
        agent = hd.as_dict(await _call(conn, "GET", f"/v2/agents/{_config(conn).agent_id}"), P)
        return f"Freshchat: replying as {agent.get('email') or agent.get('id')}"


def _text(message: dict[str, Any]) -> str:
    """`message_parts[].text.content` (current payloads) or `msg_parts[].properties.text`."""
    parts = [
        (part.get("text") or {}).get("content") or (part.get("properties") or {}).get("text")
        for part in message.get("message_parts") or message.get("msg_parts") or []
        if isinstance(part, dict)
    ]
    return "\n".join(str(p) for p in parts if p)


@lru_cache(maxsize=64)
def _public_key(text: str) -> rsa.RSAPublicKey:
    """The PEM as Freshchat shows it (PKCS#1 or SubjectPublicKeyInfo), or its bare base64."""
    body = text.strip()
    candidates = (
        [body]
        if "-----BEGIN" in body
        else [
            f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----"
            for kind in ("PUBLIC KEY", "RSA PUBLIC KEY")
        ]
    )
    key = None
    for pem in candidates:
        try:
            key = load_pem_public_key(pem.encode())
            break
        except ValueError:
            continue
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("webhook_public_key must be an RSA public key (PEM)")
    return key


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> Any:
    config = _config(conn)
    url = (config.api_base_url or f"https://{config.domain}").rstrip("/") + path
    return await hd.call(
        conn, P, method, url, {"Authorization": hd.bearer(config.api_key)}, **kwargs
    )


def _config(conn: Connection) -> FreshchatConfig:
    return hd.config_of(conn, FreshchatConfig, P)


SPEC = ConnectorSpec(
    slug="freshchat",
    name="Freshchat",
    kind="chat",
    auth_type="api_key",
    config_model=FreshchatConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description="Freshchat conversations: user messages in (RSA-signed webhooks), replies out.",
    factory=FreshchatConnector,
)
