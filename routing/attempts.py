"""One provider, tried with retries: jittered backoff that honours `Retry-After`."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

from routing.breaker import Breakers
from routing.contract import Completion, ProviderRequest
from routing.decision import Option
from routing.providers.base import Provider, ProviderError


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 1  # extra tries on the same provider before falling back
    base_s: float = 0.2
    max_wait_s: float = 2.0  # a longer Retry-After sends us to the next provider instead


@dataclass
class Attempt:
    """What one provider did for one request: each failed try (a ledger row each), then the
    answer or the last error."""

    option: Option
    started: float = field(default_factory=time.perf_counter)
    latency_ms: int = 0
    error: ProviderError | None = None
    tries: int = 0
    failures: list[tuple[int, ProviderError]] = field(default_factory=list)
    _try_started: float = field(default_factory=time.perf_counter)

    def begin_try(self) -> None:
        self.tries += 1
        self._try_started = time.perf_counter()

    def failed(self, error: ProviderError) -> None:
        self.error = error
        self.failures.append((int((time.perf_counter() - self._try_started) * 1000), error))

    def try_ms(self) -> int:
        return int((time.perf_counter() - self._try_started) * 1000)

    def finish(self) -> None:
        self.latency_ms = int((time.perf_counter() - self.started) * 1000)


def backoff(retry: RetryPolicy, tries: int, error: ProviderError) -> float | None:
    """Seconds to wait before the next try, or None to move on to the next provider."""
    if tries > retry.retries:
        return None
    if error.retry_after is not None:
        return error.retry_after if error.retry_after <= retry.max_wait_s else None
    return random.uniform(0, retry.base_s * 2 ** (tries - 1))  # noqa: S311 - jitter, not crypto


async def call_with_retries(
    provider: Provider,
    request: ProviderRequest,
    attempt: Attempt,
    breakers: Breakers,
    retry: RetryPolicy,
) -> Completion:
    """Raise ProviderError when this provider is done for (the caller decides what's next)."""
    key = attempt.option.breaker_key
    while True:
        attempt.begin_try()
        try:
            completion = await asyncio.wait_for(
                provider.complete(request, attempt.option.endpoint), request.timeout_s + 1
            )
        except TimeoutError:
            error = ProviderError("retriable", "the provider timed out")
        except ProviderError as exc:
            error = exc
        else:
            breakers.success(key)
            return completion
        attempt.failed(error)
        if error.kind != "retriable":
            breakers.release(key)
            raise error
        breakers.failure(key)
        wait = backoff(retry, attempt.tries, error)
        if wait is None or not breakers.allow(key):
            raise error
        await asyncio.sleep(wait)
