"""What goes into a provider call and what comes out, the same for every provider."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Task = Literal["classify_fallback", "draft", "translate", "summarize"]
TASKS: tuple[Task, ...] = ("classify_fallback", "draft", "translate", "summarize")
Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True)
class Usage:
    """Token counts as the provider reported them (never our estimate)."""

    input_tokens: int
    output_tokens: int
    cached_input_tokens: int = 0


@dataclass(frozen=True)
class Source:
    """A knowledge entry a draft was written from."""

    id: str
    kind: str  # article | reply
    title: str
    score: float

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "title": self.title, "score": self.score}


@dataclass
class TaskContext:
    """What the router knows about the task beyond the prompt; the local provider works from it,
    external providers get it rendered into their messages."""

    org_id: str
    task: Task
    text: str = ""  # the customer's message (draft), or the text to summarize / translate
    customer_name: str | None = None
    history: list[ChatMessage] = field(default_factory=list)
    knowledge: list[tuple[Source, str]] = field(default_factory=list)  # (source, body)
    entities: dict[str, str] = field(default_factory=dict)
    commerce: dict[str, Any] = field(default_factory=dict)
    source_language: str | None = None
    target_language: str | None = None


@dataclass
class ProviderRequest:
    """One call to one model. `model` is the provider's own name, without the `provider:` part."""

    model: str
    messages: list[ChatMessage]
    max_tokens: int
    temperature: float | None = None
    stop: list[str] | None = None
    timeout_s: float = 30.0
    context: TaskContext | None = None


@dataclass
class Completion:
    text: str
    finish_reason: str  # stop | length | content_filter | tool_calls
    usage: Usage
    model: str  # as the provider reported it
    sources: list[Source] = field(default_factory=list)
    confidence: float | None = None


@dataclass(frozen=True)
class StreamDelta:
    """A piece of a streamed answer; the last one carries the finish reason and, where the
    provider reports it, the usage."""

    text: str = ""
    finish_reason: str | None = None
    usage: Usage | None = None
