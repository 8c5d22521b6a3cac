"""Anthropic Messages through the official `anthropic` SDK.

System messages go to the `system` parameter (the API refuses them among the messages).
`Endpoint.base_url` is the SDK's: the host, without `/v1`.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import anthropic
import httpx
from anthropic.types import Message, MessageDeltaUsage, RawMessageStreamEvent
from anthropic.types import Usage as AnthropicUsage

from routing.contract import Completion, ProviderRequest, StreamDelta, Usage
from routing.providers.base import Endpoint, ErrorKind, ProviderError
from routing.providers.clients import DEFAULT_SIZE, ClientCache, Transport
from routing.providers.failures import (
    StatusKinds,
    no_key,
    redact,
    retry_after_s,
    status_error,
    transport_error,
)

NAME = "anthropic"
STATUS_KINDS: StatusKinds = {
    400: "invalid",
    401: "unavailable",
    403: "unavailable",
    404: "unavailable",
    408: "retriable",
    409: "retriable",
    413: "invalid",
    422: "invalid",
    429: "retriable",
    529: "retriable",  # overloaded
}
# An error event inside a 200 stream has only its type to go by.
TYPE_KINDS: Mapping[str, ErrorKind] = {
    "invalid_request_error": "invalid",
    "request_too_large": "invalid",
    "authentication_error": "unavailable",
    "permission_error": "unavailable",
    "not_found_error": "unavailable",
    "rate_limit_error": "retriable",
    "api_error": "retriable",
    "overloaded_error": "retriable",
}
FINISH: Mapping[str, str] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
}


class AnthropicProvider:
    """The `anthropic` provider: one pooled SDK client per (base URL, key)."""

    name = NAME

    def __init__(
        self, *, transport: Transport = "aiohttp", max_clients: int = DEFAULT_SIZE
    ) -> None:
        if transport == "aiohttp" and importlib.util.find_spec("httpx_aiohttp") is None:
            # Without it every call would fail inside the SDK; say so once, at start.
            raise RuntimeError("the anthropic aiohttp transport needs the httpx-aiohttp package")
        self._transport = transport
        self._clients: ClientCache[anthropic.AsyncAnthropic] = ClientCache(
            self._build, _close, size=max_clients
        )

    def _build(self, base_url: str | None, api_key: str) -> anthropic.AsyncAnthropic:
        http = (
            anthropic.DefaultAioHttpClient()
            if self._transport == "aiohttp"
            else anthropic.DefaultAsyncHttpxClient()
        )
        # The router retries with its own policy; the SDK must not retry underneath it.
        return anthropic.AsyncAnthropic(
            api_key=api_key, base_url=base_url, max_retries=0, http_client=http
        )

    def _client(self, endpoint: Endpoint) -> tuple[anthropic.AsyncAnthropic, str]:
        key = endpoint.api_key or os.environ.get("ANTHROPIC_API_KEY")
        if not key:
            raise no_key(NAME)
        return self._clients.get(endpoint.base_url, key), key

    async def complete(self, request: ProviderRequest, endpoint: Endpoint) -> Completion:
        client, key = self._client(endpoint)
        with _translated(key):
            message: Message = await client.messages.create(**_params(request))
        text = "".join(block.text for block in message.content if block.type == "text")
        return Completion(
            text=text,
            finish_reason=_finish(message.stop_reason),
            usage=_usage(message.usage),
            model=message.model,
        )

    async def stream(
        self, request: ProviderRequest, endpoint: Endpoint
    ) -> AsyncIterator[StreamDelta]:
        client, key = self._client(endpoint)
        with _translated(key):
            events = await client.messages.create(**_params(request), stream=True)
        tally = _StreamTally()
        try:
            with _translated(key):
                async for event in events:
                    if text := tally.add(event):
                        yield StreamDelta(text=text)
        finally:  # give the connection back even when the caller stops early
            await events.close()
        if tally.stop_reason is None:
            raise ProviderError("retriable", f"{NAME}: stream ended without a stop reason")
        yield StreamDelta(finish_reason=_finish(tally.stop_reason), usage=tally.usage())

    async def aclose(self) -> None:
        await self._clients.aclose()


class _StreamTally:
    """Usage arrives in two parts: message_start has the input, message_delta the output."""

    def __init__(self) -> None:
        self.start: AnthropicUsage | None = None
        self.delta: MessageDeltaUsage | None = None
        self.stop_reason: str | None = None

    def add(self, event: RawMessageStreamEvent) -> str:
        if event.type == "message_start":
            self.start = event.message.usage
        elif event.type == "message_delta":
            self.delta, self.stop_reason = event.usage, event.delta.stop_reason
        elif event.type == "content_block_delta" and event.delta.type == "text_delta":
            return event.delta.text
        return ""

    def usage(self) -> Usage | None:
        if self.start is None:
            return None
        # message_delta's counts are cumulative and, where present, the final word.
        final, first = self.delta, self.start
        counts = [_latest(getattr(final, name, None), getattr(first, name)) for name in _COUNTS]
        return _tokens(*counts)


_COUNTS = (
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
)


def _latest(final: int | None, first: int | None) -> int:
    return final if final is not None else first or 0


@contextmanager
def _translated(key: str) -> Iterator[None]:
    try:
        yield
    except anthropic.APIError as exc:
        raise _error(exc, key) from None
    except httpx.TransportError as exc:  # the SDK lets these through mid-stream
        raise transport_error(NAME, exc) from exc


async def _close(client: anthropic.AsyncAnthropic) -> None:
    await client.close()


def _params(request: ProviderRequest) -> dict[str, Any]:
    system = "\n\n".join(m.content for m in request.messages if m.role == "system")
    params: dict[str, Any] = {
        "model": request.model,
        "messages": [
            {"role": m.role, "content": m.content} for m in request.messages if m.role != "system"
        ],
        "max_tokens": request.max_tokens,
        "timeout": request.timeout_s,
    }
    if system:
        params["system"] = system
    if request.temperature is not None:
        params["temperature"] = request.temperature
    if request.stop:
        params["stop_sequences"] = request.stop
    return params


def _finish(stop_reason: str | None) -> str:
    if stop_reason == "refusal":
        raise ProviderError("refusal", f"{NAME}: the model declined to answer")
    return FINISH.get(stop_reason or "", "stop")


def _usage(usage: AnthropicUsage) -> Usage:
    return _tokens(
        usage.input_tokens,
        usage.output_tokens,
        usage.cache_read_input_tokens or 0,
        usage.cache_creation_input_tokens or 0,
    )


def _tokens(fresh: int, output: int, cache_read: int, cache_write: int) -> Usage:
    # Anthropic counts cached and cache-written input apart; ours includes them in the input.
    # Cache writes are priced as plain input (Anthropic charges them 1.25x).
    return Usage(fresh + cache_read + cache_write, output, cache_read)


def _error(exc: anthropic.APIError, key: str) -> ProviderError:
    if isinstance(exc, anthropic.APIConnectionError):  # timeouts included
        return transport_error(NAME, exc)
    error = exc.body.get("error") if isinstance(exc.body, dict) else None
    type_ = error.get("type") if isinstance(error, dict) else None
    detail = error.get("message") if isinstance(error, dict) else None
    detail = detail if isinstance(detail, str) else exc.message
    status = getattr(exc, "status_code", 200)
    if isinstance(exc, anthropic.APIStatusError) and status >= 400:
        return status_error(
            NAME,
            status,
            STATUS_KINDS,
            code=type_,
            detail=detail,
            secret=key,
            retry_after=retry_after_s(exc.response.headers),
        )
    kind = TYPE_KINDS.get(type_ or "", "retriable")
    return ProviderError(kind, f"{NAME}: stream error {type_ or ''}: {redact(detail, key)}")
