"""Checks a schema-valid definition can still fail: conditions that can never hold.

The schema accepts any JSON `value`; the engine then quietly never matches an `in` whose value
is not a list, or a `gte` on a word. The builder shows these before the workflow is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workflows.engine import PRIORITY_RANK
from workflows.schema import Condition, Definition

NUMERIC_FACTS = ("priority_score", "intent_confidence")


@dataclass(frozen=True)
class Problem:
    """`path` is a dotted path into the definition ("conditions.0.value")."""

    path: str
    message: str


def lint(definition: Definition) -> list[Problem]:
    problems = []
    for index, condition in enumerate(definition.conditions):
        message = _condition_problem(condition)
        if message is not None:
            problems.append(Problem(f"conditions.{index}.value", message))
    return problems


def _condition_problem(condition: Condition) -> str | None:
    op, value = condition.op, condition.value
    if op in ("in", "not_in") and not isinstance(value, list):
        return f"'{op}' needs a list of values"
    if op in ("gte", "lte"):
        return _comparison_problem(condition.fact, value)
    if op == "contains" and (not isinstance(value, str) or not value):
        return "'contains' needs non-empty text"
    return None


def _comparison_problem(fact: str, value: Any) -> str | None:
    if fact == "priority":
        ok = value in PRIORITY_RANK
        return None if ok else f"compare priority with one of {', '.join(PRIORITY_RANK)}"
    if fact not in NUMERIC_FACTS:
        return f"'{fact}' is not a number: use eq, neq, in or contains"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "compare with a number"
    return None
