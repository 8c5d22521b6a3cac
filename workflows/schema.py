"""The workflow definition language: a trigger, conditions on the message's facts, actions.

The dashboard's visual builder edits exactly this; `definition_json_schema()` is its contract.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

Fact = Literal[
    "channel",
    "intent",
    "category",
    "sentiment",
    "priority",
    "priority_score",
    "language",
    "needs_review",
    "subject",
    "text",
    "sender_email",
    "intent_confidence",
]
FACTS: tuple[str, ...] = get_args(Fact)
Priority = Literal["urgent", "high", "normal", "low"]


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fact: Fact
    op: Literal["eq", "neq", "in", "not_in", "contains", "gte", "lte"]
    value: Any


class SetPriority(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["set_priority"]
    priority: Priority


class Assign(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["assign"]
    user_id: uuid.UUID


class Tag(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["tag"]
    tags: list[Annotated[str, Field(min_length=1, max_length=60)]] = Field(min_length=1)


class RequestDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["request_draft"]


Action = Annotated[SetPriority | Assign | Tag | RequestDraft, Field(discriminator="type")]


class Definition(BaseModel):
    """Run `actions` on each new inbound message whose facts match the conditions."""

    model_config = ConfigDict(extra="forbid")

    trigger: Literal["message.received"] = "message.received"
    match: Literal["all", "any"] = "all"
    conditions: list[Condition] = Field(default_factory=list, max_length=50)
    actions: list[Action] = Field(min_length=1, max_length=20)
    # Later workflows (by creation order) are skipped once one with stop=True matched.
    stop: bool = False


def definition_json_schema() -> dict[str, Any]:
    return Definition.model_json_schema()
