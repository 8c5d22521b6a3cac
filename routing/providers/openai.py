"""OpenAI Chat Completions through the official `openai` SDK.

`Endpoint.base_url` is what the SDK takes (ending in `/v1`); without one the SDK's default (or
`OPENAI_BASE_URL`) applies. Usage always comes from OpenAI: streams ask for it with
`stream_options.include_usage`, which adds a last chunk carrying it.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import openai
from openai.types import CompletionUsage

from routing.contract import ChatMessage, Completion, ProviderRequest, StreamDelta, Usage
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

NAME = "openai"
STATUS_KINDS: StatusKinds = {
    400: "invalid",
    401: "unavailable",
    403: "unavailable",  # key without access to this model or region
    404: "unavailable",  # no such model for this key
    408: "retriable",
    409: "retriable",
    413: "invalid",
    422: "invalid",
    429: "retriable",
}
# Error codes that say more than their status: a 429 for an exhausted quota will not pass.
CODE_KINDS: Mapping[str, ErrorKind] = {"insufficient_quota": "unavailable"}


class OpenAIProvider:
    """The `openai` provider: one pooled SDK client per (base URL, key)."""

    name = NAME

    def __init__(
        self, *, transport: Transport = "aiohttp", max_clients: int = DEFAULT_SIZE
    ) -> None:
        self._transport = transport
        self._clients: ClientCache[openai.AsyncOpenAI] = ClientCache(
            self._build, _close, size=max_clients
        )

    def _build(self, base_url: str | None, api_key: str) -> openai.AsyncOpenAI:
        http = (
            openai.DefaultAioHttpClient()
            if self._transport == "aiohttp"
            else openai.DefaultAsyncHttpxClient()
        )
        # The router retries with its own policy; the SDK must not retry underneath it.
        return openai.AsyncOpenAI(
            api_key=api_key, base_url=base_url, max_retries=0, http_client=http
        )

    def _client(self, endpoint: Endpoint) -> tuple[openai.AsyncOpenAI, str]:
        key = endpoint.api_key or os.environ.get("OPENAI_API_KEY")
        if not key:
            raise no_key(NAME)
        return self._clients.get(endpoint.base_url, key), key

    async def complete(self, request: ProviderRequest, endpoint: Endpoint) -> Completion:
        client, key = self._client(endpoint)
        with _translated(key):
            response = await client.chat.completions.create(**_params(request))
        if not response.choices:
            raise ProviderError("retriable", f"{NAME}: answered without a choice")
        choice = response.choices[0]
        if choice.finish_reason == "content_filter" or choice.message.refusal:
            raise _refusal()
        if response.usage is None:
            raise ProviderError("unavailable", f"{NAME}: answered without token usage")
        return Completion(
            text=choice.message.content or "",
            finish_reason=choice.finish_reason,
            usage=_usage(response.usage),
            model=response.model,
        )

    async def stream(
        self, request: ProviderRequest, endpoint: Endpoint
    ) -> AsyncIterator[StreamDelta]:
        client, key = self._client(endpoint)
        params = {**_params(request), "stream_options": {"include_usage": True}}
        with _translated(key):
            chunks = await client.chat.completions.create(**params, stream=True)
        finish: str | None = None
        usage: Usage | None = None
        try:
            with _translated(key):
                async for chunk in chunks:
                    if chunk.usage is not None:
                        usage = _usage(chunk.usage)
                    for choice in chunk.choices[:1]:
                        finish = choice.finish_reason or finish
                        if choice.delta.content:
                            yield StreamDelta(text=choice.delta.content)
        finally:  # give the connection back even when the caller stops early
            await chunks.close()
        if finish == "content_filter":
            raise _refusal()
        if finish is None:
            raise ProviderError("retriable", f"{NAME}: stream ended without a finish reason")
        yield StreamDelta(finish_reason=finish, usage=usage)

    async def aclose(self) -> None:
        await self._clients.aclose()


@contextmanager
def _translated(key: str) -> Iterator[None]:
    try:
        yield
    except openai.APIError as exc:
        raise _error(exc, key) from None


async def _close(client: openai.AsyncOpenAI) -> None:
    await client.close()


def _params(request: ProviderRequest) -> dict[str, Any]:
    params: dict[str, Any] = {
        "model": request.model,
        "messages": [_message(m) for m in request.messages],
        "max_completion_tokens": request.max_tokens,
        "timeout": request.timeout_s,
    }
    if request.temperature is not None:
        params["temperature"] = request.temperature
    if request.stop:
        params["stop"] = request.stop
    return params


def _message(message: ChatMessage) -> dict[str, str]:
    return {"role": message.role, "content": message.content}


def _usage(usage: CompletionUsage) -> Usage:
    details = usage.prompt_tokens_details
    cached = (details.cached_tokens or 0) if details else 0
    return Usage(usage.prompt_tokens, usage.completion_tokens, cached)


def _refusal() -> ProviderError:
    return ProviderError("refusal", f"{NAME}: the content filter stopped the answer")


def _error(exc: openai.APIError, key: str) -> ProviderError:
    if isinstance(exc, openai.APIConnectionError):  # timeouts included
        return transport_error(NAME, exc)
    body = exc.body.get("error", exc.body) if isinstance(exc.body, dict) else {}
    code = body.get("code") or body.get("type") if isinstance(body, dict) else None
    detail = body.get("message") if isinstance(body, dict) else None
    detail = detail if isinstance(detail, str) else exc.message
    if isinstance(exc, openai.APIStatusError):
        return status_error(
            NAME,
            exc.status_code,
            STATUS_KINDS,
            code=code,
            detail=detail,
            secret=key,
            retry_after=retry_after_s(exc.response.headers),
            kind=CODE_KINDS.get(code or ""),
        )
    # An error event inside a 200 stream, or an answer that did not parse: the upstream broke.
    kind = CODE_KINDS.get(code or "", "retriable")
    return ProviderError(kind, f"{NAME}: stream error {code or ''}: {redact(detail, key)}")
