"""Evaluate an organization's workflows against a stored message and apply their actions.

Every action is idempotent (setting a value, adding a tag, a draft unique per message), so the
pipeline may run this step again after a crash without doing anything twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from store.tables import Conversation, Draft, Message, User, Workflow
from workflows.schema import Assign, Condition, Definition, RequestDraft, SetPriority, Tag

PRIORITY_RANK = {"low": 0, "normal": 1, "high": 2, "urgent": 3}


@dataclass
class Outcome:
    """What the workflows did to one message: the pipeline turns it into events."""

    matched: list[uuid.UUID] = field(default_factory=list)
    draft_requested: bool = False
    draft_id: uuid.UUID | None = None
    changed: set[str] = field(default_factory=set)


def facts_of(message: Message, conversation: Conversation) -> dict[str, Any]:
    c = message.classification or {}
    return {
        "channel": conversation.channel,
        "intent": (c.get("intent") or {}).get("label"),
        "intent_confidence": (c.get("intent") or {}).get("confidence"),
        "category": (c.get("category") or {}).get("label"),
        "sentiment": (c.get("sentiment") or {}).get("label"),
        "priority": (c.get("priority") or {}).get("label"),
        "priority_score": (c.get("priority") or {}).get("score"),
        "language": (c.get("language") or {}).get("label"),
        "needs_review": c.get("needs_review"),
        "subject": message.subject or "",
        "text": message.text or "",
        "sender_email": (message.sender or {}).get("email"),
    }


def holds(condition: Condition, facts: dict[str, Any]) -> bool:
    actual, expected = facts.get(condition.fact), condition.value
    match condition.op:
        case "eq":
            return bool(actual == expected)
        case "neq":
            return bool(actual != expected)
        case "in":
            return isinstance(expected, list) and actual in expected
        case "not_in":
            return isinstance(expected, list) and actual not in expected
        case "contains":
            return isinstance(actual, str) and str(expected).lower() in actual.lower()
        case "gte" | "lte":
            return _compare(condition.op, actual, expected)
    return False


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if isinstance(actual, str) and actual in PRIORITY_RANK and expected in PRIORITY_RANK:
        actual, expected = PRIORITY_RANK[actual], PRIORITY_RANK[expected]
    if not isinstance(actual, int | float) or not isinstance(expected, int | float):
        return False
    return actual >= expected if op == "gte" else actual <= expected


def matches(definition: Definition, facts: dict[str, Any]) -> bool:
    results = (holds(c, facts) for c in definition.conditions)
    return all(results) if definition.match == "all" else any(results)


async def enabled_workflows(session: AsyncSession, org_id: uuid.UUID) -> list[Workflow]:
    rows = await session.scalars(
        select(Workflow)
        .where(Workflow.organization_id == org_id, Workflow.is_enabled)
        .order_by(Workflow.created_at, Workflow.id)
    )
    return list(rows)


async def run_workflows(
    session: AsyncSession,
    *,
    message: Message,
    conversation: Conversation,
    workflows: list[Workflow] | None = None,
) -> Outcome:
    """Apply every enabled, matching workflow of the message's organization, in creation order
    (`workflows`: that list, already loaded for a batch)."""
    rows = (
        workflows
        if workflows is not None
        else await enabled_workflows(session, message.organization_id)
    )
    facts = facts_of(message, conversation)
    outcome = Outcome()
    for row in rows:
        try:
            definition = Definition.model_validate(row.definition)
        except ValidationError:
            continue  # saved before a schema change; the API refuses new invalid ones
        if not definition.conditions or matches(definition, facts):
            outcome.matched.append(row.id)
            for action in definition.actions:
                await _apply(session, action, message, conversation, outcome)
            if definition.stop:
                break
    return outcome


async def _apply(
    session: AsyncSession, action: Any, message: Message, conv: Conversation, outcome: Outcome
) -> None:
    if isinstance(action, SetPriority) and conv.priority != action.priority:
        conv.priority = action.priority
        outcome.changed.add("priority")
    elif isinstance(action, Assign) and conv.assignee_id != action.user_id:
        if await _member(session, message.organization_id, action.user_id):
            conv.assignee_id = action.user_id
            outcome.changed.add("assignee_id")
    elif isinstance(action, Tag):
        merged = list(dict.fromkeys([*conv.tags, *action.tags]))
        if merged != conv.tags:
            conv.tags = merged
            outcome.changed.add("tags")
    elif isinstance(action, RequestDraft):
        outcome.draft_id = await request_draft(session, message)
        outcome.draft_requested = True


async def _member(session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(User.id).where(User.organization_id == org_id, User.id == user_id, User.is_active)
    )
    return found is not None


async def request_draft(session: AsyncSession, message: Message) -> uuid.UUID:
    """Record a draft request for the router; at most one per message, whoever asks."""
    await session.execute(
        insert(Draft)
        .values(
            id=uuid.uuid4(),
            organization_id=message.organization_id,
            conversation_id=message.conversation_id,
            message_id=message.id,
            status="requested",
        )
        .on_conflict_do_nothing(index_elements=["message_id"])
    )
    draft_id = await session.scalar(select(Draft.id).where(Draft.message_id == message.id))
    assert draft_id is not None
    return draft_id
