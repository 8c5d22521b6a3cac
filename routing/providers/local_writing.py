"""What the local provider writes, without a language model: drafts assembled from the
organization's knowledge, and extractive summaries. Pure functions, tested on their own."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from routing.contract import Source, TaskContext
from routing.entities import extract_entities

_PLACEHOLDER = re.compile(r"\{\{?\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}?\}")
_GREETING_LINE = re.compile(
    r"^(hi|hello|hey|dear|good (morning|afternoon|evening))\b.{0,60}$", re.I
)
_SIGN_OFF_LINE = re.compile(
    r"^(best|best regards|kind regards|regards|many thanks|thanks|thank you|cheers|sincerely|"
    r"warm regards|all the best)\b[ ,.!\w]{0,20}$",
    re.I,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|\n+")
_ASK_CUES = re.compile(
    r"\?|\b(please|can you|could you|would you|i need|i want|i would like|i'd like|help|"
    r"refund|cancel|return|exchange|deadline|urgent|asap|by (monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday|tomorrow|today))\b",
    re.I,
)


@dataclass
class Written:
    """A text and what it was written from."""

    text: str
    sources: list[Source] = field(default_factory=list)
    confidence: float | None = None


def first_name(customer_name: str | None) -> str | None:
    """The name to greet with; an address or an empty name is no name."""
    if not customer_name or "@" in customer_name:
        return None
    parts = customer_name.replace(",", " ").split()
    return parts[0].capitalize() if parts and parts[0].isalpha() else None


def fill_values(context: TaskContext) -> dict[str, str]:
    """Placeholder values: the message's entities (given, else extracted), the customer's name
    and the commerce facts the router looked up."""
    values = {k: str(v) for k, v in context.commerce.items() if _is_scalar(v)}
    values.update(extract_entities(context.text))
    values.update(context.entities)
    name = first_name(context.customer_name)
    if name:
        values.setdefault("name", name)
        values.setdefault("first_name", name)
        values.setdefault("customer_name", context.customer_name or name)
    return values


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def fill_placeholders(body: str, values: dict[str, str]) -> str:
    """`{order_number}` / `{{ name }}` → the value; an unknown one stays visible as
    `[order number]`, so the reviewer sees the gap instead of an invented fact."""

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        return values.get(key) or values.get(key.lower()) or f"[{key.replace('_', ' ')}]"

    return _PLACEHOLDER.sub(replace, body)


def strip_letter_frame(body: str) -> str:
    """A past reply's own greeting and sign-off: the draft adds fresh ones."""
    lines = body.strip().split("\n")
    if lines and _GREETING_LINE.match(lines[0].strip()):
        lines = lines[1:]
    for i in range(len(lines) - 1, max(-1, len(lines) - 6), -1):
        if _SIGN_OFF_LINE.match(lines[i].strip()):
            lines = lines[:i]
            break
    return "\n".join(lines).strip()


def write_draft(context: TaskContext, *, min_score: float, signature: str) -> Written:
    """Greeting, the best knowledge entry adapted to this message, sign-off; with no entry good
    enough, a holding reply that promises a person, and a low confidence."""
    name = first_name(context.customer_name)
    greeting = f"Hi {name}," if name else "Hello,"
    ranked = sorted(context.knowledge, key=lambda hit: hit[0].score, reverse=True)
    usable = [(source, body) for source, body in ranked if source.score >= min_score]
    sign_off = f"Best regards,\n{signature}"
    if not usable:
        best = ranked[0][0].score if ranked else 0.0
        return Written("\n\n".join([greeting, _holding(context), sign_off]), [], min(best, 0.2))
    source, body = usable[0]
    if source.kind == "reply":
        body = strip_letter_frame(body) or body
    content = fill_placeholders(body.strip(), fill_values(context))
    text = "\n\n".join([greeting, "Thank you for getting in touch.", content, sign_off])
    return Written(text, [source], source.score)


def _holding(context: TaskContext) -> str:
    values = fill_values(context)
    about = f" about order {values['order_number']}" if "order_number" in values else ""
    return (
        f"Thank you for your message{about}. We have received it, and a member of our team "
        "will look into it and get back to you as soon as possible."
    )


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def summarize(text: str, *, max_sentences: int = 3, max_chars: int = 600) -> str:
    """The sentences that carry the message: the opening one, those that ask for something and
    those with facts (numbers, dates), kept in their order; greetings and sign-offs dropped."""
    sentences = [s for s in split_sentences(text) if not _is_pleasantry(s)]
    scored = [(_weight(i, s), i) for i, s in enumerate(sentences)]
    best = sorted((pair for pair in scored if pair[0] > 0), key=lambda p: (-p[0], p[1]))
    picked: list[str] = []
    for _, i in sorted(best[:max_sentences], key=lambda p: p[1]):
        sentence = " ".join(sentences[i].split())
        if picked and len(" ".join([*picked, sentence])) > max_chars:
            break
        picked.append(sentence)
    summary = " ".join(picked)
    return summary if len(summary) <= max_chars else summary[: max_chars - 1].rstrip() + "…"


def _is_pleasantry(sentence: str) -> bool:
    short = len(sentence.split()) <= 4
    return short and bool(_GREETING_LINE.match(sentence) or _SIGN_OFF_LINE.match(sentence))


def _weight(position: int, sentence: str) -> int:
    opening = 2 if position == 0 else 0
    asks = 2 if _ASK_CUES.search(sentence) else 0
    facts = 1 if any(ch.isdigit() for ch in sentence) else 0
    return opening + asks + facts
