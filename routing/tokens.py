"""Offline worst-case token counts: no tokenizer download (tiktoken fetches its files at run time).

Every BPE tokenizer the providers use emits at most one token per UTF-8 byte, so the byte length
is an upper bound; each message adds a few tokens of framing.
"""

from __future__ import annotations

from collections.abc import Sequence

from routing.contract import ChatMessage

PER_MESSAGE_OVERHEAD = 8  # role markers and separators, generously
PER_REQUEST_OVERHEAD = 16


def worst_case_prompt_tokens(messages: Sequence[ChatMessage]) -> int:
    return PER_REQUEST_OVERHEAD + sum(
        len(m.content.encode("utf-8")) + PER_MESSAGE_OVERHEAD for m in messages
    )
