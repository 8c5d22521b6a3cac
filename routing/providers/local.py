"""The free provider: drafts from the organization's knowledge, extractive summaries, no keys.

It works from the request's TaskContext (the router fills `knowledge` from `routing.knowledge`
search); a bare chat request is answered like a draft written without knowledge. It cannot
translate or classify: translate returns the text unchanged with confidence 0.0, classify is
`unavailable` (the router classifies with the local heads itself).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable

from routing.contract import (
    ChatMessage,
    Completion,
    ProviderRequest,
    StreamDelta,
    Task,
    TaskContext,
    Usage,
)
from routing.knowledge import DEFAULT_MIN_SCORE
from routing.providers.base import Endpoint, ProviderError
from routing.providers.local_writing import Written, summarize, write_draft

MODEL = "local"
# Why a translation came back unchanged, for the router to show (confidence 0.0 flags it).
TRANSLATION_UNAVAILABLE = "the local models cannot translate; the text was returned unchanged"
_WORD = re.compile(r"\S+\s*")


def word_count(text: str) -> int:
    """The local provider's token count: words (it is free, so approximate is exact enough)."""
    return len(_WORD.findall(text))


def chat_context(messages: list[ChatMessage]) -> TaskContext:
    """A plain chat request (the OpenAI-compatible endpoint) as a draft for its last user
    message, with the earlier turns as history and no knowledge."""
    users = [i for i, m in enumerate(messages) if m.role == "user"]
    last = users[-1] if users else len(messages)
    text = messages[last].content if users else ""
    history = [m for m in messages[:last] if m.role != "system"]
    return TaskContext(org_id="", task="draft", text=text, history=history)


class LocalProvider:
    """Implements `routing.providers.base.Provider` at $0, offline, for every organization."""

    name = "local"

    def __init__(
        self,
        *,
        min_score: float = DEFAULT_MIN_SCORE,
        signature: str = "The support team",
        chunk_words: int = 4,
        summary_sentences: int = 3,
    ) -> None:
        self.min_score = min_score
        self.signature = signature
        self.chunk_words = max(1, chunk_words)
        self.summary_sentences = summary_sentences
        self._writers: dict[Task, Callable[[TaskContext], Written]] = {
            "draft": self._draft,
            "summarize": self._summarize,
            "translate": self._translate,
        }

    async def complete(self, request: ProviderRequest, endpoint: Endpoint) -> Completion:
        context = request.context or chat_context(request.messages)
        writer = self._writers.get(context.task)
        if writer is None:
            raise ProviderError(
                "unavailable", f"the local provider does not serve the {context.task} task"
            )
        written = writer(context)
        text, finish_reason = _capped(written.text, request.max_tokens)
        usage = Usage(input_tokens=_input_words(request, context), output_tokens=word_count(text))
        return Completion(
            text=text,
            finish_reason=finish_reason,
            usage=usage,
            model=MODEL,
            sources=written.sources,
            confidence=written.confidence,
        )

    async def stream(
        self, request: ProviderRequest, endpoint: Endpoint
    ) -> AsyncIterator[StreamDelta]:
        """The same answer as `complete`, a few words per delta."""
        completion = await self.complete(request, endpoint)
        words = _WORD.findall(completion.text)
        for start in range(0, len(words), self.chunk_words):
            yield StreamDelta(text="".join(words[start : start + self.chunk_words]))
        yield StreamDelta(finish_reason=completion.finish_reason, usage=completion.usage)

    async def aclose(self) -> None:
        """Nothing pooled to close."""

    def _draft(self, context: TaskContext) -> Written:
        return write_draft(context, min_score=self.min_score, signature=self.signature)

    def _summarize(self, context: TaskContext) -> Written:
        text = context.text or "\n".join(m.content for m in context.history if m.role == "user")
        return Written(summarize(text, max_sentences=self.summary_sentences))

    def _translate(self, context: TaskContext) -> Written:
        # Never an invented translation: the text as it came, flagged by a zero confidence
        # (unless it is already in the language asked for).
        same = context.source_language is not None and (
            context.source_language == context.target_language
        )
        return Written(context.text, confidence=1.0 if same else 0.0)


def _capped(text: str, max_tokens: int) -> tuple[str, str]:
    words = _WORD.findall(text)
    if max_tokens <= 0 or len(words) <= max_tokens:
        return text, "stop"
    return "".join(words[:max_tokens]).rstrip(), "length"


def _input_words(request: ProviderRequest, context: TaskContext) -> int:
    prompt = sum(word_count(m.content) for m in request.messages)
    knowledge = sum(word_count(body) for _, body in context.knowledge)
    return prompt + knowledge + (word_count(context.text) if request.context else 0)
