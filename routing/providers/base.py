"""The protocol every provider adapter implements, and the errors they raise.

An adapter translates our request into its SDK's call and the SDK's answer (or exception) back
into ours; it never retries, never falls back and never prices: the router does those once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal, Protocol

from routing.contract import Completion, ProviderRequest, StreamDelta

# What the router should do about a failed call:
# - retriable: 429, 5xx, timeouts, connection errors: retry with backoff, then the next provider;
#   counts toward the provider's circuit breaker.
# - unavailable: this provider cannot serve it (bad key, unknown model there): next provider now.
# - refusal: a content-safety refusal: stop; another provider must not be asked to get round it.
# - invalid: a 4xx that would fail anywhere (bad parameters): stop.
ErrorKind = Literal["retriable", "unavailable", "refusal", "invalid"]


class ProviderError(Exception):
    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.message = message
        self.status = status
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return f"ProviderError({self.kind!r}, {self.message!r}, status={self.status})"


@dataclass(frozen=True)
class Endpoint:
    """Where and as whom to call a provider: from the org's policy, else the environment."""

    base_url: str | None = None
    api_key: str | None = None

    def __repr__(self) -> str:  # never print a key
        return f"Endpoint(base_url={self.base_url!r}, api_key={'set' if self.api_key else None})"


class Provider(Protocol):
    name: str

    async def complete(self, request: ProviderRequest, endpoint: Endpoint) -> Completion:
        """The whole answer, with the provider's token usage."""
        ...

    def stream(self, request: ProviderRequest, endpoint: Endpoint) -> AsyncIterator[StreamDelta]:
        """Deltas as they arrive; the final delta has `finish_reason` and usage when reported.
        Errors before the first delta raise ProviderError like `complete` does."""
        ...

    async def aclose(self) -> None:
        """Close pooled connections."""
        ...
