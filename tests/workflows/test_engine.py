"""Workflow conditions, table-driven: every operator on the facts a message offers."""

from __future__ import annotations

from typing import Any

import pytest

from workflows.engine import holds, matches
from workflows.schema import Condition, Definition

FACTS: dict[str, Any] = {
    "channel": "email",
    "intent": "get_refund",
    "intent_confidence": 0.91,
    "category": "REFUND",
    "sentiment": "negative",
    "priority": "high",
    "priority_score": 0.7,
    "language": "en",
    "needs_review": False,
    "subject": "Charged TWICE",
    "text": "refund me",
    "sender_email": "ada@example.com",
}


@pytest.mark.parametrize(
    ("fact", "op", "value", "expected"),
    [
        ("category", "eq", "REFUND", True),
        ("category", "neq", "REFUND", False),
        ("intent", "in", ["get_refund", "track_refund"], True),
        ("intent", "in", "get_refund", False),  # `in` needs a list
        ("language", "not_in", ["fr", "de"], True),
        ("subject", "contains", "twice", True),
        ("needs_review", "contains", "x", False),  # contains needs text
        ("priority", "gte", "high", True),
        ("priority", "gte", "urgent", False),
        ("priority", "lte", "normal", False),
        ("priority_score", "gte", 0.5, True),
        ("intent_confidence", "lte", 0.5, False),
        ("sentiment", "gte", 3, False),  # not comparable: never true
    ],
)
def test_conditions(fact: str, op: str, value: Any, expected: bool) -> None:
    assert holds(Condition(fact=fact, op=op, value=value), FACTS) is expected  # type: ignore[arg-type]


def test_all_and_any() -> None:
    conditions = [
        {"fact": "category", "op": "eq", "value": "REFUND"},
        {"fact": "language", "op": "eq", "value": "fr"},
    ]
    actions = [{"type": "request_draft"}]
    assert not matches(
        Definition.model_validate({"conditions": conditions, "actions": actions}), FACTS
    )
    assert matches(
        Definition.model_validate({"conditions": conditions, "actions": actions, "match": "any"}),
        FACTS,
    )
