"""The Classification contract: what the local models say about one message.

Serve, the API, the pipeline and the dashboard all read this shape; ARCHITECTURE.md shows it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PiiTypeName = Literal["email", "phone", "card", "iban", "address", "person"]
PriorityName = Literal["urgent", "high", "normal", "low"]
SentimentName = Literal["negative", "neutral", "positive"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Guess(_Frozen):
    """One label with its calibrated probability."""

    label: str
    confidence: float = Field(ge=0, le=1)


class IntentGuess(Guess):
    """The top intent and the runner-up, so a reviewer sees the close call."""

    runner_up: Guess | None = None


class SentimentGuess(_Frozen):
    """Sentiment label, polarity score in [-1, 1] (P(positive) - P(negative)), and confidence."""

    label: SentimentName
    score: float = Field(ge=-1, le=1)
    confidence: float = Field(ge=0, le=1)


class PriorityGuess(_Frozen):
    """Priority label, a 0-1 score and the reasons that produced it, strongest first."""

    label: PriorityName
    score: float = Field(ge=0, le=1)
    reasons: list[str]


class PiiSpanOut(_Frozen):
    """A span of personal data; offsets index the text as submitted."""

    type: PiiTypeName
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Classification(_Frozen):
    """Everything the local models know about one message."""

    intent: IntentGuess
    category: Guess
    sentiment: SentimentGuess
    priority: PriorityGuess
    language: Guess
    pii: list[PiiSpanOut]
    needs_review: bool
    model_version: str
    model_versions: dict[str, str]


class ReviewReasons(_Frozen):
    """Why a classification needs a human: kept beside it for the pipeline and the logs."""

    low_confidence: bool = False
    out_of_scope: bool = False
    unsupported_language: bool = False

    @property
    def any(self) -> bool:
        return self.low_confidence or self.out_of_scope or self.unsupported_language
