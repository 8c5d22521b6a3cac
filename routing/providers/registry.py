"""The external provider adapters, in one place: the router adds the local provider itself."""

from __future__ import annotations

from routing.providers.anthropic import AnthropicProvider
from routing.providers.base import Provider
from routing.providers.google import GoogleProvider
from routing.providers.openai import OpenAIProvider


def external_providers() -> dict[str, Provider]:
    adapters: list[Provider] = [OpenAIProvider(), AnthropicProvider(), GoogleProvider()]
    return {adapter.name: adapter for adapter in adapters}
