"""JMESPath field mapping from any JSON payload to InboundMessages, for the connectors that speak
a system we do not know in advance (generic_webhook, rest_poller), and the JSON body of their
replies.

The admin names, per field, a JMESPath expression evaluated on each item; `messages` selects the
items from the payload (`@`: the payload is one message; `data.items`: a list inside it).
Expressions are compiled when the integration is created, so a typo is a 4xx then, not a 500
later. `external_id` is required on every item: without a stable id nothing de-duplicates.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError
from pydantic import Field, field_validator

from ingestion.connectors.base import ConnectorConfig
from ingestion.connectors.capabilities import Connection, OutboundMessage
from ingestion.contract import MAX_TEXT_CHARS, InboundMessage, Party
from store.errors import BadInput

EXPRESSION_CHARS = 500
OPTIONAL = ("thread_key", "sender_email", "sender_name", "sender_id", "subject", "received_at")


class FieldMapping(ConnectorConfig):
    """Where each InboundMessage field is found in an item (JMESPath)."""

    messages: str = Field(
        default="@", description="the list of items, or @ for one", max_length=EXPRESSION_CHARS
    )
    external_id: str = Field(
        default="id", description="a stable id per item", max_length=EXPRESSION_CHARS
    )
    text: str = Field(default="text", max_length=EXPRESSION_CHARS)
    thread_key: str | None = Field(
        default=None, description="conversation id", max_length=EXPRESSION_CHARS
    )
    sender_email: str | None = Field(default=None, max_length=EXPRESSION_CHARS)
    sender_name: str | None = Field(default=None, max_length=EXPRESSION_CHARS)
    sender_id: str | None = Field(default=None, max_length=EXPRESSION_CHARS)
    subject: str | None = Field(default=None, max_length=EXPRESSION_CHARS)
    received_at: str | None = Field(
        default=None, description="epoch seconds or ISO 8601", max_length=EXPRESSION_CHARS
    )
    skip_when: str | None = Field(
        default=None,
        description="items for which this is truthy are ignored (echoes, bots)",
        max_length=EXPRESSION_CHARS,
    )

    @field_validator("messages", "external_id", "text", *OPTIONAL, "skip_when")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        return compiled(value)


def compiled(value: str | None) -> str | None:
    """`value` unchanged when it is a JMESPath expression (or None), else ValueError."""
    if value is not None:
        try:
            jmespath.compile(value)
        except JMESPathError as exc:
            raise ValueError(f"not a JMESPath expression: {exc}") from None
    return value


def items(mapping: FieldMapping, payload: Any) -> list[Any]:
    found = jmespath.search(mapping.messages, payload)
    if found is None:
        return []
    return found if isinstance(found, list) else [found]


def to_messages(
    conn: Connection, mapping: FieldMapping, payload: Any, source: str
) -> list[InboundMessage]:
    """Every item of `payload` that is not skipped, as an InboundMessage."""
    return [
        _message(conn, mapping, item, source)
        for item in items(mapping, payload)
        if not (mapping.skip_when and jmespath.search(mapping.skip_when, item))
    ]


def scalar(expression: str | None, item: Any, limit: int) -> str | None:
    """The expression's value as text (numbers too); None when absent or not a scalar."""
    if expression is None:
        return None
    value = jmespath.search(expression, item)
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text[:limit] or None


def _message(conn: Connection, mapping: FieldMapping, item: Any, source: str) -> InboundMessage:
    external_id = scalar(mapping.external_id, item, 500)
    if external_id is None:
        raise BadInput(
            f"{source}: an item has no {mapping.external_id!r} (external_id)", code="no_external_id"
        )
    text = jmespath.search(mapping.text, item)
    if isinstance(text, dict | list):
        text = json.dumps(text, ensure_ascii=False)
    email = scalar(mapping.sender_email, item, 320)
    return InboundMessage(
        organization_id=conn.organization_id,
        integration_id=conn.integration_id,
        channel=conn.channel,
        external_id=external_id,
        thread_key=scalar(mapping.thread_key, item, 500),
        sender=Party(
            email=email if email and "@" in email else None,
            name=scalar(mapping.sender_name, item, 200),
            external_id=scalar(mapping.sender_id, item, 200),
        ),
        subject=scalar(mapping.subject, item, 1000),
        text=("" if text is None else str(text))[:MAX_TEXT_CHARS],
        received_at=_when(scalar(mapping.received_at, item, 64)),
        raw_ref=f"{source}:{external_id}"[:500],
    )


def outbound_payload(message: OutboundMessage, sent_at: datetime) -> dict[str, Any]:
    """The documented JSON body of a reply delivered to a system we do not know in advance."""
    return {
        "type": "message.outbound",
        "message_id": str(message.message_id),
        "conversation_id": str(message.conversation_id),
        "thread_key": message.thread_key,
        "in_reply_to": message.in_reply_to_external_id,
        "subject": message.subject,
        "text": message.text,
        "html": message.html,
        "to": message.to,
        "customer": message.customer,
        "sent_at": sent_at.isoformat(),
    }


def _when(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (ValueError, OverflowError, OSError):
        pass
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return datetime.now(UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
