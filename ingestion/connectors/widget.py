"""The website chat widget: visitors write over our own websocket (api/widget), agents answer here.

There is no provider. The widget's SDK (api/widget/static/widget.js) talks to the ingress, which
publishes each visitor message to INBOUND as the webhook route does. A reply is delivered by
pushing a frame on core NATS, `widget.<integration>.<thread hash>`, which the socket of every tab
of that visitor subscribes to, on whichever ingress replica holds it. A visitor who is away reads
the reply from the conversation's history when they come back, so a push nobody hears loses
nothing.

Identity verification (optional, as Intercom does it): the customer's server computes
`hex(HMAC-SHA256(identity_secret, user_id))` (or of the email, for users known by email only) and
the page hands it to the widget. Only a verified identity may name the contact or select a
conversation; anything else the page says about the visitor is shown as a claim.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Self

import nats
import orjson
from nats.aio.client import Client as NatsClient
from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator

from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import Connection, OutboundMessage, SendResult
from ingestion.connectors.signing import digest, same, secret_bytes
from store.errors import BadInput, Fatal, Retriable, Unauthorized
from store.settings import get_settings

KEY_PREFIX = "wk_"
PUBLIC_KEY = re.compile(r"^wk_[0-9a-f]{32}$")
ORIGIN = r"^https?://[a-z0-9.-]+(:\d{1,5})?$"
FLUSH_TIMEOUT_S = 2


def public_key(integration_id: uuid.UUID) -> str:
    """The key the snippet carries. It is public: it names the integration and proves nothing,
    and being derived from the id it is unique without a lookup table."""
    return KEY_PREFIX + integration_id.hex


def integration_for(key: str | None) -> uuid.UUID | None:
    if not key or not PUBLIC_KEY.match(key):
        return None
    return uuid.UUID(hex=key[len(KEY_PREFIX) :])


class WidgetConfig(ConnectorConfig):
    """One widget: what the panel says, where it may be embedded, how visitors are identified."""

    title: str = Field(default="Chat with us", min_length=1, max_length=80,
                       description="the chat panel's heading")  # fmt: skip
    welcome_text: str | None = Field(
        default=None, max_length=500, description="shown above the conversation"
    )
    allowed_origins: list[Annotated[str, Field(pattern=ORIGIN, max_length=300)]] = Field(
        default_factory=list,
        max_length=50,
        description="sites that may open the widget, e.g. https://shop.example.com; empty: any",
    )
    identity_secret: SecretStr | None = Secret(
        "HMAC-SHA256 key your server signs user ids with (identity verification)",
        default=None,
        min_length=16,
        max_length=200,
    )
    require_identity: bool = Field(
        default=False, description="refuse visitors whose page does not pass a verified user"
    )

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _normalise_origins(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [v.strip().rstrip("/").lower() if isinstance(v, str) else v for v in value]
        return value

    @model_validator(mode="after")
    def _identity(self) -> Self:
        if self.require_identity and self.identity_secret is None:
            raise ValueError("require_identity needs an identity_secret")
        return self


def identity_hash(secret: SecretStr | str, identity: str) -> str:
    """What the customer's server computes for a user: hex HMAC-SHA256(secret, user id)."""
    return digest(secret_bytes(secret, "widget"), identity.encode())


def verify_identity(config: WidgetConfig, identity: str | None, user_hash: str | None) -> bool:
    """True for a verified user, False for a visitor the widget may serve unverified; raise
    `Unauthorized` for a wrong hash, a hash we cannot check, or a required identity missing."""
    if user_hash:
        if config.identity_secret is None:
            raise Unauthorized("widget: identity verification is not configured",
                               code="identity_not_configured")  # fmt: skip
        if not identity:
            raise Unauthorized("widget: a userHash needs a userId or email",
                               code="identity_invalid")  # fmt: skip
        if not same(identity_hash(config.identity_secret, identity), user_hash.lower()):
            raise Unauthorized("widget: the user hash does not match", code="identity_invalid")
        return True
    if config.require_identity:
        raise Unauthorized("widget: this widget serves verified users only",
                           code="identity_required")  # fmt: skip
    return False


def visitor_subject(integration_id: uuid.UUID, thread_key: str) -> str:
    """The core NATS subject a visitor's sockets listen on. Thread keys may hold any character
    (user ids), so the subject carries a digest of it."""
    return f"widget.{integration_id}.{hashlib.sha256(thread_key.encode()).hexdigest()[:32]}"


class AgentMessage(BaseModel):
    """An agent's reply, as the visitor's socket receives it."""

    type: Literal["message"] = "message"
    id: str
    text: str
    from_: Literal["agent"] = Field(default="agent", serialization_alias="from")
    at: datetime


class AgentTyping(BaseModel):
    type: Literal["typing"] = "typing"
    from_: Literal["agent"] = Field(default="agent", serialization_alias="from")
    state: bool


def frame_bytes(frame: BaseModel) -> bytes:
    return orjson.dumps(frame.model_dump(mode="json", by_alias=True))


async def push(nc: NatsClient, subject: str, frame: BaseModel) -> None:
    """Publish one frame and wait until the server has it (a reply is `sent` only then)."""
    try:
        await nc.publish(subject, frame_bytes(frame))
        await nc.flush(timeout=FLUSH_TIMEOUT_S)
    except (nats.errors.Error, TimeoutError) as exc:
        raise Retriable("widget: the message bus did not take the push", retry_after=2) from exc


class VisitorBus:
    """Core NATS for pushes to visitors: one connection per process, opened on first use from
    NATS_URL, unless the process lends one it already holds (`use`)."""

    def __init__(self) -> None:
        self._nc: NatsClient | None = None
        self._lock = asyncio.Lock()

    def use(self, client: NatsClient) -> None:
        self._nc = client

    async def client(self) -> NatsClient:
        async with self._lock:
            if self._nc is None or self._nc.is_closed:
                self._nc = await _connect()
            return self._nc

    async def push(self, subject: str, frame: BaseModel) -> None:
        await push(await self.client(), subject, frame)


async def _connect() -> NatsClient:
    url = get_settings().nats_url
    if not url:
        raise Fatal("widget: NATS_URL is not set, replies cannot reach visitors")
    try:
        return await nats.connect(url, connect_timeout=2, max_reconnect_attempts=-1,
                                  reconnect_time_wait=1)  # fmt: skip
    except (OSError, TimeoutError, nats.errors.Error) as exc:
        raise Retriable("widget: the message bus is unreachable", retry_after=2) from exc


BUS = VisitorBus()


class WidgetConnector:
    """Replies only: visitor messages arrive through the ingress's websocket, not a webhook."""

    def __init__(self, bus: VisitorBus = BUS) -> None:
        self.bus = bus

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        if not message.thread_key:
            raise BadInput("widget: the reply has no visitor thread", code="no_thread")
        at = datetime.now(UTC)
        frame = AgentMessage(id=str(message.message_id), text=message.text, at=at)
        await self.bus.push(visitor_subject(conn.integration_id, message.thread_key), frame)
        return SendResult(external_id=f"widget:{message.message_id}",
                          thread_key=message.thread_key, sent_at=at)  # fmt: skip


SPEC = ConnectorSpec(
    slug="widget",
    name="Website chat widget",
    kind="chat",
    auth_type="hmac",
    config_model=WidgetConfig,
    capabilities=frozenset({Capability.LIVE_CHAT, Capability.SENDER, Capability.THREADS}),
    description=(
        "A chat launcher for your website: one script tag with the widget's public key. "
        "Visitors chat live over a websocket; optional identity verification by HMAC of the "
        "user id; replies, typing indicators and offline history."
    ),
    factory=WidgetConnector,
)
