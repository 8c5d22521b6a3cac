"""Events on `events.<org>.<kind>`: what live clients (the inbox, websockets) are told.

Each event's id is derived from what it reports (message id + kind), so a redelivered pipeline
message republishes the same `Nats-Msg-Id` and JetStream stores the event once.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from nats.js import JetStreamContext
from pydantic import BaseModel, Field

from ingestion.streams import publish

EventKind = Literal[
    "message.created",
    "message.classified",
    "message.outbound",
    "draft.requested",
    "draft.created",
    "draft.failed",
    "conversation.updated",
    "conversation.typing",  # data: {"from": "visitor", "state": bool}; ephemeral
    "budget.alert",
]


class Event(BaseModel):
    id: str
    kind: EventKind
    organization_id: uuid.UUID
    conversation_id: uuid.UUID | None = None
    message_id: uuid.UUID | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @property
    def subject(self) -> str:
        return f"events.{self.organization_id}.{self.kind}"


def event_id(kind: str, key: uuid.UUID | str, version: str | int = "") -> str:
    return f"{kind}:{key}:{version}" if version != "" else f"{kind}:{key}"


async def emit(js: JetStreamContext, event: Event) -> int:
    """Publish one event; returns its stream sequence (a client resumes after it)."""
    ack = await publish(
        js, event.subject, orjson.dumps(event.model_dump(mode="json")), msg_id=f"ev:{event.id}"
    )
    return int(ack.seq)


async def budget_alert(
    js: JetStreamContext, org_id: str, crossed: list[str], usage: dict[str, int]
) -> None:
    """A budget threshold was crossed (`daily:soft`, `monthly:hard`, …): tell the org's admins.
    Each threshold is crossed by exactly one settlement, so the id is per day and threshold."""
    day = datetime.now(UTC).date().isoformat()
    for threshold in crossed:
        await emit(
            js,
            Event(
                id=event_id("budget.alert", org_id, f"{threshold}:{day}"),
                kind="budget.alert",
                organization_id=uuid.UUID(org_id),
                data={"threshold": threshold, **{k: v / 1e6 for k, v in usage.items()}},
            ),
        )
