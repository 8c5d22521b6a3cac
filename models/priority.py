"""Priority with reasons: score = sigmoid(bias + sum(weight * feature)), labelled by thresholds.

Features (weights, cues and thresholds all in the rules JSON): sentiment x confidence, intent,
word-bounded regex cues (0/1; a cue may also floor the label) and min(repeated_contact, cap).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from models.priority_rules import LABELS, PriorityLabel, PriorityRules, parse_rules, word_set

__all__ = ["DEFAULT_RULES_PATH", "LABELS", "PriorityLabel", "PriorityResult", "PriorityScorer"]

DEFAULT_RULES_PATH = Path(__file__).parent / "data" / "priority_rules.json"


@dataclass(frozen=True, slots=True)
class PriorityResult:
    """A priority label, its 0..1 score and the features that pushed it up, strongest first."""

    label: PriorityLabel
    score: float
    reasons: list[str]


class PriorityScorer:
    """Interprets a validated priority rules document; code holds no weights of its own."""

    __slots__ = ("_rules",)

    def __init__(self, rules: Mapping[str, object] | PriorityRules) -> None:
        self._rules = rules if isinstance(rules, PriorityRules) else parse_rules(rules)

    @classmethod
    def from_file(cls, path: str | Path) -> PriorityScorer:
        text = Path(path).read_text(encoding="utf-8")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"priority rules {path}: invalid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ValueError(f"priority rules {path}: the top level must be an object")
        return cls(cast(dict[str, object], data))

    @classmethod
    def default(cls) -> PriorityScorer:
        return cls.from_file(DEFAULT_RULES_PATH)

    @property
    def version(self) -> str:
        return self._rules.version

    def score(
        self,
        text: str,
        *,
        intent: str | None,
        sentiment: str | None,
        sentiment_confidence: float = 1.0,
        repeated_contact: int = 0,
    ) -> PriorityResult:
        rules = self._rules
        parts = self._model_parts(intent, sentiment, sentiment_confidence, repeated_contact)
        lowered = text.lower()
        words = word_set(lowered)
        floor = 0.0
        for cue in rules.cues:
            if cue.fires(lowered, words):
                parts.append((cue.weight, cue.name))
                if cue.min_label is not None:
                    floor = max(floor, rules.thresholds[cue.min_label])
        value = max(_sigmoid(rules.bias + math.fsum(w for w, _ in parts)), floor)
        return PriorityResult(self._label(value), value, self._reasons(parts))

    def _model_parts(
        self, intent: str | None, sentiment: str | None, confidence: float, repeated: int
    ) -> list[tuple[float, str]]:
        rules = self._rules
        parts: list[tuple[float, str]] = []
        if sentiment is not None:
            key = sentiment.lower()
            weight = rules.sentiment.get(key, 0.0) * min(max(confidence, 0.0), 1.0)
            parts.append((weight, f"{key}_sentiment"))
        if intent is not None and intent.lower() in rules.intents:
            parts.append((rules.intents[intent.lower()], f"intent:{intent}"))
        if repeated > 0:
            count = min(repeated, rules.repeat_cap)
            parts.append((rules.repeat_weight * count, "prior_contacts"))
        return parts

    def _label(self, value: float) -> PriorityLabel:
        for label in LABELS:
            if value >= self._rules.thresholds[label]:
                return label
        return "low"

    def _reasons(self, parts: Sequence[tuple[float, str]]) -> list[str]:
        kept = [(w, name) for w, name in parts if w >= self._rules.min_reason]
        # A stable sort keeps file order among equal weights, so reasons are reproducible.
        return [name for _, name in sorted(kept, key=lambda p: -p[0])]


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)
