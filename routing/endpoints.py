"""Where each provider is called, and with whose key: the org's policy first, else the
environment (`OPENAI_BASE_URL`/`OPENAI_API_KEY`, `ANTHROPIC_…`, `GEMINI_…` for `google`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import SecretStr

from routing.policy import RoutingPolicy
from routing.providers.base import Endpoint
from store.settings import Settings, get_settings

ENV_PREFIX = {"openai": "OPENAI", "anthropic": "ANTHROPIC", "google": "GEMINI"}


@dataclass(frozen=True)
class EnvEndpoints:
    """The deployment-wide defaults, read once."""

    endpoints: Mapping[str, Endpoint]

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> EnvEndpoints:
        settings = settings or get_settings()
        endpoints = {}
        for provider, prefix in ENV_PREFIX.items():
            key: SecretStr | None = getattr(settings, f"{prefix.lower()}_api_key")
            endpoints[provider] = Endpoint(
                base_url=getattr(settings, f"{prefix.lower()}_base_url") or None,
                api_key=key.get_secret_value() if key else None,
            )
        return cls(endpoints)


def resolve(
    provider: str, policy: RoutingPolicy, keys: Mapping[str, str], env: EnvEndpoints
) -> Endpoint | None:
    """The endpoint to call, or None when no key is configured anywhere."""
    default = env.endpoints.get(provider, Endpoint())
    own = policy.providers.get(provider)
    base_url = (own.base_url if own and own.base_url else None) or default.base_url
    api_key = keys.get(provider) or default.api_key
    if not api_key:
        return None
    return Endpoint(base_url=base_url, api_key=api_key)
