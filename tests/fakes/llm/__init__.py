"""Local fakes of the external LLM providers, speaking each one's documented wire format.

`FAKES` maps the router's provider name to its fake; run one standalone with
`python -m tests.fakes.llm --kind openai|anthropic|google --port N`.
"""

from __future__ import annotations

from tests.fakes.llm.anthropic_api import AnthropicFake
from tests.fakes.llm.base import DEFAULT_REPLY, FakeLLM, RecordedRequest, prompt_tokens
from tests.fakes.llm.faults import Fault, Faults
from tests.fakes.llm.gemini_api import GeminiFake
from tests.fakes.llm.openai_api import OpenAIFake

FAKES: dict[str, type[FakeLLM]] = {
    OpenAIFake.kind: OpenAIFake,
    AnthropicFake.kind: AnthropicFake,
    GeminiFake.kind: GeminiFake,
}

__all__ = [
    "DEFAULT_REPLY",
    "FAKES",
    "AnthropicFake",
    "FakeLLM",
    "Fault",
    "Faults",
    "GeminiFake",
    "OpenAIFake",
    "RecordedRequest",
    "prompt_tokens",
]
