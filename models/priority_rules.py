"""Parses and validates a priority rules document; compiles cues for fast word-bounded matching."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

PriorityLabel = Literal["urgent", "high", "normal", "low"]
LABELS: tuple[PriorityLabel, ...] = ("urgent", "high", "normal", "low")

_TOP_LEVEL_KEYS = frozenset(
    {
        "version",
        "description",
        "bias",
        "thresholds",
        "min_reason_contribution",
        "sentiment",
        "repeated_contact",
        "intents",
        "cues",
    }
)
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyz0123456789 '&-_,:;/\"!@#%=<>~`")
_WORD_CHARS = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789_")
_WORD_BYTES = bytes(c if c in _WORD_CHARS else 0x20 for c in range(256))
_NON_WORD = re.compile(r"[^a-z0-9_]+")


@dataclass(frozen=True, slots=True)
class CuePattern:
    """One regex run on lowercased text, skipped when a word or text it needs is absent."""

    anchor: bytes | None
    literal: str | None
    regex: re.Pattern[str]

    def found_in(self, lowered: str, words: frozenset[bytes]) -> bool:
        if self.anchor is not None and self.anchor not in words:
            return False
        if self.literal is not None and self.literal not in lowered:
            return False
        pos = 0
        # The leading \b is checked by hand: as a regex prefix it disables re's literal scan.
        while (match := self.regex.search(lowered, pos)) is not None:
            if _at_boundary(lowered, match.start()):
                return True
            pos = match.start() + 1
        return False


@dataclass(frozen=True, slots=True)
class Cue:
    """A named text cue: fires when any of its patterns matches."""

    name: str
    weight: float
    patterns: tuple[CuePattern, ...]
    min_label: PriorityLabel | None

    def fires(self, lowered: str, words: frozenset[bytes]) -> bool:
        return any(p.found_in(lowered, words) for p in self.patterns)


def word_set(lowered: str) -> frozenset[bytes]:
    """The ASCII words of a text: non-ASCII chars become separators, which can only add words."""
    return frozenset(lowered.encode("ascii", "replace").translate(_WORD_BYTES).split())


@dataclass(frozen=True, slots=True)
class PriorityRules:
    """A validated rules document."""

    version: str
    bias: float
    min_reason: float
    thresholds: dict[PriorityLabel, float]
    sentiment: dict[str, float]
    intents: dict[str, float]
    repeat_weight: float
    repeat_cap: int
    cues: tuple[Cue, ...]


def parse_rules(data: Mapping[str, object]) -> PriorityRules:
    """Validate a decoded rules document; raises ValueError naming the first problem."""
    unknown = sorted(set(data) - _TOP_LEVEL_KEYS)
    if unknown:
        raise ValueError(f"priority rules: unknown keys {unknown}")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, str | int) or version == "":
        raise ValueError("priority rules: 'version' must be a non-empty string or integer")
    repeat_weight, repeat_cap = _parse_repeated(data.get("repeated_contact"))
    return PriorityRules(
        version=str(version),
        bias=_number(data.get("bias"), "bias"),
        min_reason=_number(data.get("min_reason_contribution", 0.05), "min_reason_contribution"),
        thresholds=_parse_thresholds(data.get("thresholds")),
        sentiment=_weight_map(data.get("sentiment"), "sentiment"),
        intents=_weight_map(data.get("intents"), "intents"),
        repeat_weight=repeat_weight,
        repeat_cap=repeat_cap,
        cues=_parse_cues(data.get("cues")),
    )


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"priority rules: {where} must be a finite number, got {value!r}")
    return float(value)


def _as_label(value: object, where: str) -> PriorityLabel:
    if value not in LABELS:
        raise ValueError(f"priority rules: {where}: unknown label {value!r}, expected {LABELS}")
    return value


def _parse_thresholds(value: object) -> dict[PriorityLabel, float]:
    if not isinstance(value, dict):
        raise ValueError("priority rules: 'thresholds' must be an object")
    parsed = {_as_label(k, "thresholds"): _number(v, f"thresholds.{k}") for k, v in value.items()}
    missing = [label for label in LABELS if label not in parsed]
    if missing:
        raise ValueError(f"priority rules: thresholds missing {missing}")
    ordered = [parsed[label] for label in LABELS]
    if any(not 0.0 <= t <= 1.0 for t in ordered):
        raise ValueError("priority rules: thresholds must lie in [0, 1]")
    if any(a <= b for a, b in pairwise(ordered)):
        raise ValueError(f"priority rules: thresholds must strictly descend {LABELS}: {ordered}")
    return parsed


def _weight_map(value: object, where: str) -> dict[str, float]:
    if not isinstance(value, dict):
        raise ValueError(f"priority rules: '{where}' must be an object")
    return {str(k).lower(): _number(v, f"{where}.{k}") for k, v in value.items()}


def _parse_repeated(value: object) -> tuple[float, int]:
    if not isinstance(value, dict):
        raise ValueError("priority rules: 'repeated_contact' must be an object")
    cap = value.get("cap")
    if isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
        raise ValueError("priority rules: repeated_contact.cap must be a non-negative integer")
    return _number(value.get("weight"), "repeated_contact.weight"), cap


def _parse_cues(value: object) -> tuple[Cue, ...]:
    if not isinstance(value, list):
        raise ValueError("priority rules: 'cues' must be a list")
    cues = tuple(_parse_cue(item, i) for i, item in enumerate(value))
    names = [c.name for c in cues]
    if len(set(names)) != len(names):
        raise ValueError(f"priority rules: duplicate cue names in {names}")
    return cues


def _parse_cue(item: object, index: int) -> Cue:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
        raise ValueError(f"priority rules: cues[{index}] needs a non-empty 'name'")
    name: str = item["name"]
    patterns = item.get("patterns")
    if not isinstance(patterns, list) or not patterns:
        raise ValueError(f"priority rules: cue {name!r} needs a non-empty 'patterns' list")
    min_label = item.get("min_label")
    return Cue(
        name=name,
        weight=_number(item.get("weight"), f"cue {name!r} weight"),
        patterns=tuple(_compile(name, p) for p in patterns),
        min_label=None if min_label is None else _as_label(min_label, f"cue {name!r}"),
    )


def _compile(name: str, pattern: object) -> CuePattern:
    if not isinstance(pattern, str) or not pattern.strip():
        raise ValueError(f"priority rules: cue {name!r} has an empty or non-string pattern")
    try:
        checked = re.compile(pattern, re.IGNORECASE)
        regex = re.compile(rf"(?:{_lowercase(pattern)})\b")
    except re.error as exc:
        raise ValueError(f"priority rules: cue {name!r}: bad regex {pattern!r}: {exc}") from exc
    # A pattern that can match nothing at all would fire on every word boundary.
    if checked.fullmatch(""):
        raise ValueError(f"priority rules: cue {name!r}: pattern {pattern!r} matches empty text")
    found = None if checked.flags & re.VERBOSE else required_literal(pattern)
    if found is None:
        return CuePattern(anchor=None, literal=None, regex=regex)
    anchor = anchor_word(*found)
    return CuePattern(
        anchor=None if anchor is None else anchor.encode("ascii"), literal=found[0], regex=regex
    )


def _lowercase(pattern: str) -> str:
    """Lowercase a regex outside escapes, so it matches lowercased text as IGNORECASE would."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        step = 2 if pattern[i] == "\\" else 1
        chunk = pattern[i : i + step]
        out.append(chunk if step == 2 else chunk.lower())
        i += step
    return "".join(out)


def required_literal(pattern: str) -> tuple[str, bool, bool] | None:
    """Longest text every match contains (plain chars outside groups); does it start/end it?"""
    runs: list[tuple[str, int, int]] = []
    start, depth, i, p = 0, 0, 0, pattern.lower()
    while i < len(p):
        ch, nxt = p[i], p[i + 1] if i + 1 < len(p) else ""
        if ch == "|" and depth == 0:
            return None
        plain = depth == 0 and ch in _PLAIN and nxt not in ("?", "*", "{")
        end = i + 1 if plain else i
        if not plain or nxt == "+":
            runs.append((p[start:end], start, end))
            depth += (ch == "(") - (ch == ")")
            start = i + (1 if plain else _skip(p, i))
        i = end if plain else start
    runs.append((p[start:], start, len(p)))
    text, first, last = max(runs, key=lambda r: len(r[0]))
    return (text, first == 0, last == len(p)) if len(text.strip()) >= 2 else None


def anchor_word(literal: str, at_start: bool, at_end: bool) -> str | None:
    """The longest whole word (3+ chars) inside a mandatory literal, or None."""
    tokens = _NON_WORD.split(literal)
    whole = [
        t
        for k, t in enumerate(tokens)
        if t and (k > 0 or at_start) and (k < len(tokens) - 1 or at_end)
    ]
    best = max(whole, key=len, default="")
    # Short words like "a" or "by" are in nearly every message, so they would filter nothing.
    return best if len(best) >= 3 else None


def _skip(p: str, i: int) -> int:
    """How many chars the token at p[i] spans: escapes two, classes and braces to their end."""
    if p[i] == "\\":
        return 2
    if p[i] == "{":
        end = p.find("}", i)
        return 1 if end < 0 else end + 1 - i
    if p[i] != "[":
        return 1
    j = i + 1
    j += p[j : j + 1] == "^"
    j += p[j : j + 1] == "]"
    while j < len(p) and p[j] != "]":
        j += 2 if p[j] == "\\" else 1
    return j + 1 - i


def _at_boundary(text: str, i: int) -> bool:
    before = i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_")
    after = i < len(text) and (text[i].isalnum() or text[i] == "_")
    return before != after
