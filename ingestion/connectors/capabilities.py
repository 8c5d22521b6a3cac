"""The capability protocols a connector implements, and what it is handed at run time.

Domain code asks for a capability (`Sender`, `Poller`...), never for a vendor. A connector class
implements the protocols its spec declares; the conformance suite checks the two agree.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

import httpx

from ingestion.connectors.base import ConnectorConfig
from ingestion.contract import InboundMessage, Party
from store.errors import BadInput


@dataclass(frozen=True)
class WebhookRequest:
    """A provider's HTTP call, as received: the raw body is what signatures are computed over."""

    method: str
    url: str
    headers: Mapping[str, str]  # lower-cased names
    query: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            raise BadInput("webhook body is not valid JSON", code="invalid_json") from None


@dataclass(frozen=True)
class WebhookReply:
    """What the webhook route answers the provider (handshakes echo tokens; others 200/202)."""

    status: int = 200
    body: str | bytes | dict[str, Any] | None = None
    media_type: str = "application/json"


@dataclass
class Connection:
    """One integration, ready to use: its validated config (secrets included), its persisted state
    (cursors), an HTTP client, and callbacks to persist refreshed secrets and new state."""

    integration_id: uuid.UUID
    organization_id: uuid.UUID
    channel: str
    config: ConnectorConfig
    state: dict[str, Any] = field(default_factory=dict)
    http: httpx.AsyncClient | None = None
    save_secrets: Callable[[dict[str, str]], Awaitable[None]] | None = None
    save_state: Callable[[dict[str, Any]], Awaitable[None]] | None = None

    def client(self) -> httpx.AsyncClient:
        if self.http is None:
            self.http = httpx.AsyncClient(timeout=httpx.Timeout(20.0, connect=5.0))
        return self.http

    async def persist_secrets(self, updates: dict[str, str]) -> None:
        if self.save_secrets is not None:
            await self.save_secrets(updates)

    async def persist_state(self, state: dict[str, Any]) -> None:
        self.state = dict(state)
        if self.save_state is not None:
            await self.save_state(self.state)


@dataclass(frozen=True)
class OutboundMessage:
    """A reply to deliver on the channel, in the thread of the message it answers."""

    message_id: uuid.UUID  # our row id: the idempotency key of the delivery
    conversation_id: uuid.UUID
    text: str
    html: str | None = None
    subject: str | None = None
    to: list[dict[str, Any]] = field(default_factory=list)
    thread_key: str | None = None
    # The provider id of the message answered, and its RFC 5322 ids for email threading.
    in_reply_to_external_id: str | None = None
    in_reply_to_header: str | None = None
    references: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    # The customer as their last inbound message named them (a Party dict: external_id, phone,
    # email, name) and when that message arrived (chat windows such as WhatsApp's 24 hours).
    customer: dict[str, Any] = field(default_factory=dict)
    last_inbound_at: datetime | None = None


@dataclass(frozen=True)
class SendResult:
    external_id: str
    thread_key: str | None = None
    message_id_header: str | None = None
    sent_at: datetime | None = None


@dataclass(frozen=True)
class PollBatch:
    """What one poll found; `state` is the cursor to persist once the messages are published."""

    messages: list[InboundMessage]
    state: dict[str, Any]
    more: bool = False


@runtime_checkable
class WebhookVerifier(Protocol):
    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        """Raise `Unauthorized` unless the request carries the provider's valid signature."""


@runtime_checkable
class Inbound(Protocol):
    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        """Turn a verified webhook call into zero or more messages (events we ignore: [])."""


@runtime_checkable
class Handshake(Protocol):
    def handshake(self, conn: Connection, request: WebhookRequest) -> WebhookReply | None:
        """Answer a provider's subscription check (GET challenge, validationToken), else None."""


@runtime_checkable
class Poller(Protocol):
    poll_interval_s: float

    async def poll(self, conn: Connection) -> PollBatch:
        """Fetch what arrived since `conn.state`'s cursor (the first poll backfills)."""


@runtime_checkable
class Sender(Protocol):
    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        """Deliver a reply in the same thread; raise `Retriable` for transient failures."""


@runtime_checkable
class Labeler(Protocol):
    async def apply_labels(self, conn: Connection, external_id: str, labels: list[str]) -> None:
        """Tag the provider's copy of a message (Gmail labels, Outlook categories, tags)."""


@runtime_checkable
class PushRenewer(Protocol):
    """Push subscriptions that expire (Gmail watch: 7 days, Graph: 3 days) are renewed by the
    poller runner, which knows our public webhook URL."""

    def push_due(self, conn: Connection) -> bool:
        """True when push is configured and missing or expiring within a day."""

    async def renew_push(self, conn: Connection, webhook_url: str) -> None:
        """Create or renew the subscription; its expiry lands in `conn.state`."""


@runtime_checkable
class ContextLookup(Protocol):
    """Context connectors (commerce, billing, CRM) answer what a draft may quote about a customer:
    `{"orders": [...], "order_number": ..., "order_status": ...}`: JSON-able facts, scalars at the
    top for placeholders, newest first. `{}` when the provider does not know the customer."""

    async def lookup(self, conn: Connection, customer: Party) -> dict[str, Any]: ...


@runtime_checkable
class ContextFeed(Protocol):
    """Context connectors whose webhooks announce changes (an order shipped, a dispute opened):
    the customer and their refreshed facts, stored on the contact for the next draft."""

    async def context_update(
        self, conn: Connection, request: WebhookRequest
    ) -> tuple[Party, dict[str, Any]] | None: ...


@runtime_checkable
class WebhookAck(Protocol):
    """Providers that require a specific answer body (Salesforce's SOAP `<Ack>true</Ack>`)."""

    def ack(self, conn: Connection, request: WebhookRequest, accepted: int) -> WebhookReply: ...


@runtime_checkable
class HealthCheck(Protocol):
    async def check(self, conn: Connection) -> str:
        """Prove the config and credentials work, with the cheapest provider call there is;
        return a line for the operator. Raise `Unauthorized` (bad credentials), `BadInput`
        (config the provider refuses) or `Retriable` (provider unreachable) otherwise."""
