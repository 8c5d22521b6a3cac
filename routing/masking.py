"""Reversible PII masking for external calls: each value becomes a numbered placeholder
(`[EMAIL_1]`, `[PERSON_2]`) before the prompt leaves, and the placeholders in the provider's
answer are put back, so the customer reads their own details and the provider never saw them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from models.pii import find_pii
from routing.contract import ChatMessage

_PLACEHOLDER = re.compile(r"\[([A-Z]+)_(\d+)\]")
_LONGEST = 24  # no placeholder is longer: a stream holds back at most this much


@dataclass
class Masking:
    """The placeholders given out for one request, the same value always the same one."""

    values: dict[str, str] = field(default_factory=dict)  # placeholder -> original
    _given: dict[tuple[str, str], str] = field(default_factory=dict)

    def mask(self, text: str) -> str:
        parts: list[str] = []
        position = 0
        for span in sorted(find_pii(text), key=lambda s: s.start):
            if span.start < position:
                continue
            original = text[span.start : span.end]
            parts += [text[position : span.start], self._placeholder(span.type, original)]
            position = span.end
        parts.append(text[position:])
        return "".join(parts)

    def _placeholder(self, kind: str, original: str) -> str:
        key = (kind, original)
        if key not in self._given:
            count = sum(1 for k in self._given if k[0] == kind) + 1
            self._given[key] = f"[{kind.upper()}_{count}]"
            self.values[self._given[key]] = original
        return self._given[key]

    def unmask(self, text: str) -> str:
        if not self.values:
            return text
        return _PLACEHOLDER.sub(lambda m: self.values.get(m.group(0), m.group(0)), text)


def mask_messages(messages: list[ChatMessage]) -> tuple[list[ChatMessage], Masking]:
    masking = Masking()
    return [replace(m, content=masking.mask(m.content)) for m in messages], masking


class StreamUnmasker:
    """Unmasks a stream whose placeholders may be split across deltas: text after an
    unclosed `[` is held back until it closes (or grows too long to be a placeholder)."""

    def __init__(self, masking: Masking) -> None:
        self.masking = masking
        self._held = ""

    def feed(self, text: str) -> str:
        if not self.masking.values:
            return text
        pending = self._held + text
        cut = pending.rfind("[")
        if cut != -1 and "]" not in pending[cut:] and len(pending) - cut < _LONGEST:
            self._held, pending = pending[cut:], pending[:cut]
        else:
            self._held = ""
        return self.masking.unmask(pending)

    def flush(self) -> str:
        held, self._held = self._held, ""
        return self.masking.unmask(held)
