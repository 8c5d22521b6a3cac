"""Label bodies: an agent's correction (or confirmation) of one head of a message."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import datetime
from typing import Annotated, get_args

from pydantic import AfterValidator, BaseModel, StringConstraints, computed_field, model_validator

from api.schemas import ReadModel, RequestModel
from models.contract import PriorityName, SentimentName
from training.export import Head

# Heads whose labels are fixed by the Classification contract; intent and category labels are
# the organization's own taxonomy.
CLOSED_LABELS: dict[str, tuple[str, ...]] = {
    "sentiment": get_args(SentimentName),
    "priority": get_args(PriorityName),
}


def _printable(value: str) -> str:
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValueError("a label cannot contain control characters")
    return value


LabelText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=80),
    AfterValidator(_printable),
]


class LabelCreate(RequestModel):
    """The label an agent says is right; the model's own label makes it a confirmation."""

    head: Head
    label: LabelText

    @model_validator(mode="after")
    def _known_label(self) -> LabelCreate:
        allowed = CLOSED_LABELS.get(self.head)
        if allowed is not None and self.label not in allowed:
            raise ValueError(f"{self.head} label must be one of {', '.join(allowed)}")
        return self


class LabelRead(ReadModel):
    id: uuid.UUID
    message_id: uuid.UUID
    head: Head
    old_label: str | None
    new_label: str
    user_id: uuid.UUID | None
    created_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def confirmed(self) -> bool:
        """The agent kept the model's label."""
        return self.new_label == self.old_label


class LabelList(BaseModel):
    """A message's labels, newest first (a message has a handful: no pagination)."""

    items: list[LabelRead]
