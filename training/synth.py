"""Deterministic email, chat and SMS messages built around one-line support requests.

Used to augment intent training data and to build an email-like evaluation set.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Literal

from training.placeholders import (
    FIRST_NAMES,
    LAST_NAMES,
    MAIL_DOMAINS,
    SHOPS,
    fill_placeholders,
    fill_template,
    phone_number,
    phrases,
    pool,
)
from training.synth_thread import quoted_thread

__all__ = ["STYLES", "Style", "email_eval_set", "fill_placeholders", "render", "render_many"]

Style = Literal["email", "chat", "sms"]
STYLES: tuple[Style, ...] = ("email", "chat", "sms")

GREETINGS = pool("greetings")
OPENERS = pool("openers")
CONTEXTS = pool("contexts")
LEAD_INS = pool("lead_ins")
AFTER_REMARKS = pool("after_remarks")
FOLLOWUPS = pool("followups")
SIGNOFFS = pool("signoffs")
TITLES = pool("titles")
COMPANIES = pool("companies")
AGENTS = pool("agents")
MOBILE_FOOTERS = pool("mobile_footers")
DISCLAIMERS = pool("disclaimers")
CHAT_PREFIXES = pool("chat_prefixes")
CHAT_SUFFIXES = pool("chat_suffixes")
EMOJI = pool("emoji")
SMS_SUFFIXES = pool("sms_suffixes")
ABBREVIATIONS: dict[str, str] = dict(phrases()["abbreviations"])


def _topic_contexts() -> dict[str, tuple[str, ...]]:
    """Intent -> context sentences consistent with it (an intent may sit in several groups)."""
    merged: dict[str, tuple[str, ...]] = {}
    for group in phrases()["intent_contexts"].values():
        for intent in group["intents"]:
            merged[intent] = (*merged.get(intent, ()), *group["sentences"])
    return merged


TOPIC_CONTEXTS = _topic_contexts()

_LONGEST_FIRST = sorted(ABBREVIATIONS, key=len, reverse=True)
_ABBREVIATION = re.compile(
    r"\b(?:" + "|".join(re.escape(k) for k in _LONGEST_FIRST) + r")\b", re.IGNORECASE
)
_QUESTION_START = re.compile(
    r"(?:how|what|where|when|why|who|which|can|could|would|will|is|are|do|does|did|should|may)\b",
    re.IGNORECASE,
)


def render(
    text: str, rng: random.Random, *, style: Style | None = None, intent: str | None = None
) -> str:
    """Fill the request's placeholders, then wrap it as an email, a chat line or an SMS."""
    request = fill_placeholders(text, rng).strip()
    chosen = style if style is not None else rng.choices(STYLES, weights=(0.6, 0.25, 0.15))[0]
    if chosen == "email":
        return _email(request, rng, intent)
    if chosen == "chat":
        return _chat(request, rng)
    if chosen == "sms":
        return _sms(request, rng)
    raise ValueError(f"unknown style {chosen!r}; expected one of {STYLES}")


def render_many(
    texts: Sequence[str],
    *,
    seed: int,
    styles: Sequence[Style] = STYLES,
    weights: Sequence[float] = (0.6, 0.25, 0.15),
    intents: Sequence[str | None] | None = None,
) -> list[str]:
    """Render each text with one seeded generator; intents, when given, align with texts."""
    if not styles or len(styles) != len(weights):
        raise ValueError("styles and weights must be non-empty and the same length")
    if intents is not None and len(intents) != len(texts):
        raise ValueError("intents must align with texts")
    rng = random.Random(seed)
    labels = intents if intents is not None else [None] * len(texts)
    return [
        render(text, rng, style=rng.choices(styles, weights=weights)[0], intent=label)
        for text, label in zip(texts, labels, strict=True)
    ]


def email_eval_set(rows: Sequence[tuple[str, str]], *, seed: int) -> list[tuple[str, str]]:
    """Map (instruction, label) rows to (email-style text, label), deterministically."""
    rng = random.Random(seed)
    return [(render(text, rng, style="email", intent=label), label) for text, label in rows]


def _email(request: str, rng: random.Random, intent: str | None) -> str:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    shop, agent = rng.choice(SHOPS), rng.choice(AGENTS)
    blocks: list[str] = []
    if rng.random() < 0.9:
        blocks.append(fill_template(rng.choice(GREETINGS), shop=shop, agent=agent))
    blocks.extend(_email_body(request, rng, intent))
    sign_off = [_signature(first, last, rng)]
    if rng.random() < 0.2:
        sign_off.append(rng.choice(MOBILE_FOOTERS))
    if rng.random() < 0.33:
        sign_off.append(rng.choice(DISCLAIMERS))
    blocks.extend(sign_off)
    if rng.random() < 0.55:
        thread_sign_off = "\n\n".join(sign_off)
        customer = (first, last)
        blocks.append(
            quoted_thread(rng, customer=customer, shop=shop, agent=agent, sign_off=thread_sign_off)
        )
    return "\n\n".join(blocks)


def _email_body(request: str, rng: random.Random, intent: str | None) -> list[str]:
    before = _context_sentences(rng, intent)
    ask = [_polish(request, rng)]
    if rng.random() < 0.35:
        ask.append(rng.choice(AFTER_REMARKS))
    follow = [rng.choice(FOLLOWUPS)] if rng.random() < 0.7 else []
    if rng.random() < 0.4:
        return [" ".join([*before, *ask, *follow])]
    return [" ".join(part) for part in (before, ask, follow) if part]


def _context_sentences(rng: random.Random, intent: str | None) -> list[str]:
    count = rng.choices((0, 1, 2, 3), weights=(0.05, 0.2, 0.37, 0.38))[0]
    sentences = rng.sample(CONTEXTS, count)
    topical = TOPIC_CONTEXTS.get(intent or "")
    if topical and rng.random() < 0.3:
        sentences.insert(rng.randint(0, len(sentences)), rng.choice(topical))
    if rng.random() < 0.5:
        sentences.insert(0, rng.choice(OPENERS))
    return sentences


def _polish(request: str, rng: random.Random) -> str:
    """Light rephrasing an email writer would do: a lead-in, a capital, closing punctuation."""
    ask = request
    if rng.random() < 0.15:
        lead = rng.choice(LEAD_INS)
        keep_case = re.match(r"I\b", ask) is not None or lead.endswith(": ")
        ask = lead + (ask if keep_case else ask[:1].lower() + ask[1:])
    elif rng.random() < 0.7:
        ask = ask[:1].upper() + ask[1:]
    if ask[-1:].isalnum() and rng.random() < 0.8:
        ask += "?" if _QUESTION_START.match(request) else "."
    return ask


def _signature(first: str, last: str, rng: random.Random) -> str:
    lines = [rng.choice(SIGNOFFS), f"{first} {last}" if rng.random() < 0.6 else first]
    if rng.random() < 0.3:
        lines.append(rng.choice(TITLES))
    if rng.random() < 0.25:
        lines.append(rng.choice(COMPANIES))
    if rng.random() < 0.3:
        lines.append(rng.choice(("", "Tel: ", "Mobile: ", "M: ", "Phone: ")) + phone_number(rng))
    if rng.random() < 0.1:
        lines.append(f"{first.lower()}.{last.lower()}@{rng.choice(MAIL_DOMAINS)}")
    return "\n".join(lines)


def _chat(request: str, rng: random.Random) -> str:
    message = request.rstrip(".") if rng.random() < 0.6 else request
    if rng.random() < 0.5:
        message = message.lower()
    message = _typos(message, rng, rate=0.05)
    parts = [rng.choice(CHAT_PREFIXES)] if rng.random() < 0.45 else []
    parts.append(message)
    if rng.random() < 0.3:
        parts.append(rng.choice(CHAT_SUFFIXES))
    text = rng.choice((" ", "\n")).join(parts)
    if rng.random() < 0.25:
        text += rng.choice(("", " ")) + rng.choice(EMOJI)
    return text


def _typos(text: str, rng: random.Random, *, rate: float) -> str:
    """Swap, drop or double one letter in a few longer words, as fast typists do."""
    words = text.split(" ")
    for i, word in enumerate(words):
        if len(word) < 4 or not word.isalpha() or rng.random() >= rate:
            continue
        j = rng.randrange(len(word) - 1)
        kind = rng.randrange(3)
        if kind == 0:
            words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
        elif kind == 1:
            words[i] = word[:j] + word[j + 1 :]
        else:
            words[i] = word[: j + 1] + word[j:]
    return " ".join(words)


def _sms(request: str, rng: random.Random) -> str:
    message = _ABBREVIATION.sub(
        lambda m: ABBREVIATIONS[m.group(0).lower()] if rng.random() < 0.7 else m.group(0), request
    )
    if rng.random() < 0.5:
        message = message.lower()
    if rng.random() < 0.6:
        message = message.rstrip(".!")
    if rng.random() < 0.3:
        message += " " + fill_template(rng.choice(SMS_SUFFIXES), first=rng.choice(FIRST_NAMES))
    return message
