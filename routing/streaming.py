"""Streamed routing: fall back to the next provider only before the first token; after it, a
failure ends the stream with a clean error item. The spend is settled however the stream ends
(finished, failed, or abandoned by the client)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from routing.attempts import Attempt, backoff
from routing.calls import Prepared, RouteRequest, stop_error
from routing.contract import Completion, StreamDelta, Usage
from routing.decision import Option
from routing.masking import StreamUnmasker
from routing.pricebook import MICRO
from routing.providers.base import ProviderError
from routing.router import Router
from routing.tokens import worst_case_prompt_tokens


@dataclass(frozen=True)
class StreamStart:
    """Sent once, with the first token: who answers, and whether we degraded."""

    model_id: str
    provider: str
    request_id: str
    reason: str
    degraded: str | None = None
    fallback_path: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StreamEnd:
    finish_reason: str
    usage: Usage
    cost_usd: float


@dataclass(frozen=True)
class StreamFailed:
    """The provider failed after the first token: the answer is incomplete."""

    message: str
    usage: Usage
    cost_usd: float


StreamItem = StreamStart | StreamDelta | StreamEnd | StreamFailed


async def route_stream(router: Router, call: RouteRequest) -> AsyncIterator[StreamItem]:
    prepared = await router.prepare(call)
    done = False
    try:
        for option in prepared.plan.options:
            if not await router._may_try(prepared, option):
                continue
            attempt = Attempt(option)
            prepared.attempts.append(attempt)
            opened = await _open(router, prepared, attempt)
            if opened is None:
                continue
            async for item in _relay(router, prepared, attempt, *opened):
                yield item
            done = True
            return
        await router._close(prepared, None, None)
        done = True
        async for item in _local(router, prepared):
            yield item
    finally:
        lease = prepared.lease
        if not done and lease is not None and not lease.settled:
            await asyncio.shield(router._close(prepared, None, None))


async def _open(
    router: Router, prepared: Prepared, attempt: Attempt
) -> tuple[AsyncIterator[StreamDelta], StreamDelta] | None:
    """Start the stream and wait for its first delta, retrying this provider as `complete`
    would; None moves on to the next provider."""
    key = attempt.option.breaker_key
    provider = router.providers[attempt.option.provider]
    request = router._request(prepared, attempt.option)
    while True:
        attempt.begin_try()
        stream = provider.stream(request, attempt.option.endpoint).__aiter__()
        try:
            first = await asyncio.wait_for(stream.__anext__(), request.timeout_s + 1)
            return stream, first
        except StopAsyncIteration:
            return stream, StreamDelta(finish_reason="stop")
        except TimeoutError:
            error = ProviderError("retriable", "the provider timed out before the first token")
        except ProviderError as exc:
            error = exc
        attempt.failed(error)
        if error.kind in ("refusal", "invalid"):
            router.breakers.release(key)
            attempt.finish()
            await router._close(prepared, None, None)
            raise stop_error(error) from None
        if error.kind != "retriable":
            router.breakers.release(key)
            attempt.finish()
            return None
        router.breakers.failure(key)
        wait = backoff(router.retry, attempt.tries, error)
        if wait is None or not router.breakers.allow(key):
            attempt.finish()
            return None
        await asyncio.sleep(wait)


async def _relay(
    router: Router,
    prepared: Prepared,
    attempt: Attempt,
    stream: AsyncIterator[StreamDelta],
    first: StreamDelta,
) -> AsyncIterator[StreamItem]:
    option = attempt.option
    attempt.error = None
    path = [a.option.model_id for a in prepared.attempts if a is not attempt]
    yield StreamStart(
        option.model_id,
        option.provider,
        prepared.call.request_id,
        prepared.plan.reason,
        prepared.degraded,
        path,
    )
    text: list[str] = []
    usage, finish = first.usage, first.finish_reason
    failure: str | None = None
    settled = False
    unmasker = StreamUnmasker(prepared.masking)
    try:
        delta: StreamDelta | None = first
        while delta is not None:
            text.append(delta.text)
            usage, finish = delta.usage or usage, delta.finish_reason or finish
            shown = unmasker.feed(delta.text)
            if shown:
                yield StreamDelta(text=shown)
            delta = await _next(stream, prepared.rules.timeout_s)
        if rest := unmasker.flush():
            yield StreamDelta(text=rest)
    except ProviderError as exc:
        failure = exc.message
    finally:
        attempt.finish()
        used = usage or _estimate(prepared, "".join(text))
        completion = Completion("".join(text), finish or "stop", used, option.model)
        if failure is None:
            router.breakers.success(option.breaker_key)
        else:
            router.breakers.failure(option.breaker_key)
        # A stream that broke after its first token is paid for what was sent, as an error.
        outcome = "ok" if failure is None else "error"
        actual, _ = await asyncio.shield(router._close(prepared, attempt, completion, outcome))
        settled = True
    if settled and failure is not None:
        yield StreamFailed(f"the provider failed mid-stream: {failure}", used, actual / MICRO)
    elif settled:
        yield StreamEnd(finish or "stop", used, actual / MICRO)


async def _next(stream: AsyncIterator[StreamDelta], timeout_s: float) -> StreamDelta | None:
    try:
        return await asyncio.wait_for(stream.__anext__(), timeout_s)
    except StopAsyncIteration:
        return None
    except TimeoutError:
        raise ProviderError("retriable", "the stream stalled") from None


def _estimate(prepared: Prepared, text: str) -> Usage:
    """No usage reported (the stream broke): charge the worst case of what we saw."""
    return Usage(worst_case_prompt_tokens(prepared.external_messages), len(text.encode()) + 1)


async def _local(router: Router, prepared: Prepared) -> AsyncIterator[StreamItem]:
    result = await router._local(prepared)
    local: Option | None = prepared.plan.local
    assert local is not None  # _local raised otherwise
    yield StreamStart(
        local.model_id,
        local.provider,
        prepared.call.request_id,
        prepared.plan.reason,
        result.degraded,
        result.fallback_path,
    )
    words = result.completion.text.split(" ")
    for index in range(0, len(words), 8):
        chunk = " ".join(words[index : index + 8])
        yield StreamDelta(text=chunk if index == 0 else " " + chunk)
    yield StreamEnd(result.completion.finish_reason, result.completion.usage, 0.0)
