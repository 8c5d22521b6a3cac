"""The messages an external model gets for each task, built from the task's `TaskContext`.

Pure functions, one per task, the same for every provider. Prompts stay compact (every token
is paid for): history, knowledge bodies and commerce data are cut to fixed sizes.
"""

from __future__ import annotations

import json
import re
from typing import Any

from routing.contract import ChatMessage, TaskContext
from store.errors import BadInput

HISTORY_TURNS = 6
TURN_CHARS = 600
KNOWLEDGE_CHARS = 1500
COMMERCE_CHARS = 1500
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)

DRAFT_RULES = (
    "Write the reply to the customer's latest message: friendly, concise, plain text, ready "
    "to send, in the customer's language. Rely on the knowledge-base articles below for facts "
    "and policies and never invent policies, prices, dates or promises; when they do not "
    "answer the question, say a colleague will check and follow up. Do not mention that you "
    "are an AI or that you were given articles."
)


def _cut(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def transcript(history: list[ChatMessage], *, turns: int = HISTORY_TURNS) -> str:
    """The last `turns` messages as `Customer:` / `Agent:` lines (system turns left out)."""
    who = {"user": "Customer", "assistant": "Agent"}
    kept = [m for m in history if m.role in who][-turns:]
    return "\n".join(f"{who[m.role]}: {_cut(m.content, TURN_CHARS)}" for m in kept)


def _knowledge(context: TaskContext) -> str:
    return "\n\n".join(
        f"[{i}] {source.title}\n{_cut(body, KNOWLEDGE_CHARS)}"
        for i, (source, body) in enumerate(context.knowledge, start=1)
    )


def _commerce(commerce: dict[str, Any]) -> str:
    return _cut(
        json.dumps(commerce, ensure_ascii=False, default=str, sort_keys=True), COMMERCE_CHARS
    )


def _draft_sections(context: TaskContext) -> list[str]:
    sections: list[str] = []
    if context.customer_name:
        sections.append(f"Customer name: {context.customer_name}")
    if context.entities:
        facts = ", ".join(f"{k}={v}" for k, v in sorted(context.entities.items()))
        sections.append(f"Facts from the customer's message: {facts}")
    if context.commerce:
        sections.append(f"Store data for this customer (JSON): {_commerce(context.commerce)}")
    if context.history:
        sections.append(f"Conversation so far:\n{transcript(context.history)}")
    if context.knowledge:
        sections.append(f"Knowledge-base articles:\n{_knowledge(context)}")
    else:
        sections.append("Knowledge-base articles: none match this message.")
    return sections


def draft_messages(context: TaskContext, *, company: str | None = None) -> list[ChatMessage]:
    """System: who the agent is, the rules, and what we know; user: the customer's message."""
    agent = f"You are a helpful customer-support agent for {company or 'the company'}."
    system = "\n\n".join([f"{agent} {DRAFT_RULES}", *_draft_sections(context)])
    return [ChatMessage("system", system), ChatMessage("user", context.text)]


def summarize_messages(context: TaskContext) -> list[ChatMessage]:
    """A short hand-over summary of the text, or of the conversation when no text is given."""
    system = (
        "Summarize this customer-support conversation for an agent taking it over, in at most "
        "three sentences of plain text: the customer's problem, what was already done, and "
        "what is still open. Answer with the summary only."
    )
    text = context.text.strip() or transcript(context.history, turns=len(context.history))
    return [ChatMessage("system", system), ChatMessage("user", text)]


def translate_messages(context: TaskContext) -> list[ChatMessage]:
    """The text, to be translated into `context.target_language`."""
    if not context.target_language:
        raise BadInput("a translation needs a target language", details={"field": "target"})
    source = f" from {context.source_language}" if context.source_language else ""
    system = (
        f"Translate the user's text{source} into {context.target_language}. Keep the meaning, "
        "tone, names, numbers and line breaks. Answer with the translation only."
    )
    return [ChatMessage("system", system), ChatMessage("user", context.text)]


def classify_messages(text: str, labels: dict[str, list[str]]) -> list[ChatMessage]:
    """Ask for one label per head (`intent`, `category`, …) as a JSON object."""
    if not labels or not all(labels.values()):
        raise BadInput("classification needs at least one label for every head")
    choices = "\n".join(f"- {head}: one of {json.dumps(names)}" for head, names in labels.items())
    shape = json.dumps({head: "..." for head in labels})
    system = (
        "Classify the customer-support message. Choose exactly one label for each field, from "
        f"its list:\n{choices}\nAnswer with one JSON object only, shaped like {shape}."
    )
    return [ChatMessage("system", system), ChatMessage("user", text)]


def parse_classification(text: str, labels: dict[str, list[str]]) -> dict[str, str]:
    """The heads the model answered with an allowed label (spelled as in `labels`); a head it
    left out or answered with another label is absent, so `{}` means an unusable answer."""
    found = _JSON_OBJECT.search(text)
    if found is None:
        return {}
    try:
        answer = json.loads(found.group(0))
    except ValueError:
        return {}
    if not isinstance(answer, dict):
        return {}
    chosen: dict[str, str] = {}
    for head, names in labels.items():
        value = answer.get(head)
        if not isinstance(value, str):
            continue
        canonical = {name.casefold(): name for name in names}.get(value.strip().casefold())
        if canonical is not None:
            chosen[head] = canonical
    return chosen
