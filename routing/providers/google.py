"""Gemini through the official `google-genai` SDK (not the retired `google-generativeai`).

System messages become `system_instruction`, assistant turns the role "model". Async calls go
over aiohttp (our session; see `_session`). `Endpoint.base_url` is the host; the SDK appends
the API version. Here `timeout_s` bounds the whole call, a stream included, where the OpenAI and
Anthropic SDKs apply it to each read.
"""

from __future__ import annotations

import os
import urllib.request
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

import aiohttp
import httpx
from google import genai
from google.genai import errors, types

from routing.contract import Completion, ProviderRequest, StreamDelta, Usage
from routing.providers.base import Endpoint, ErrorKind, ProviderError
from routing.providers.clients import DEFAULT_SIZE, ClientCache, Transport
from routing.providers.failures import (
    StatusKinds,
    duration_s,
    no_key,
    retry_after_s,
    status_error,
    transport_error,
)

NAME = "google"
DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com/"
MAX_CONNECTIONS = 1000  # per client, as the other SDKs default to
READ_BUFFER_BYTES = 2**22  # the SDK reads stream lines up to this long
KEY_ENV = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
STATUS_KINDS: StatusKinds = {
    400: "invalid",
    401: "unavailable",
    403: "unavailable",
    404: "unavailable",
    408: "retriable",
    409: "retriable",
    429: "retriable",
}
# ErrorInfo reasons that say more than their status: Gemini answers a bad key with a 400.
REASON_KINDS: Mapping[str, ErrorKind] = {
    "API_KEY_INVALID": "unavailable",
    "API_KEY_SERVICE_BLOCKED": "unavailable",
}
FINISH: Mapping[str, str] = {"STOP": "stop", "MAX_TOKENS": "length"}
REFUSALS = frozenset(
    {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"}
)
TRANSPORT_ERRORS = (aiohttp.ClientError, httpx.TransportError, TimeoutError)


@dataclass(frozen=True)
class _Pooled:
    client: genai.Client
    session: aiohttp.ClientSession | None  # ours to close: the SDK leaves a given one open


class GoogleProvider:
    """The `google` provider: one pooled SDK client per (base URL, key), bound to one loop."""

    name = NAME

    def __init__(
        self, *, transport: Transport = "aiohttp", max_clients: int = DEFAULT_SIZE
    ) -> None:
        self._transport = transport
        self._clients: ClientCache[_Pooled] = ClientCache(self._build, _close, size=max_clients)

    def _build(self, base_url: str | None, api_key: str) -> _Pooled:
        # One attempt: the router retries with its own policy. Setting retry_options also stops
        # the SDK's hidden 1-10 s sleep-and-retry on connection errors.
        options = types.HttpOptions(
            base_url=base_url, retry_options=types.HttpRetryOptions(attempts=1)
        )
        session = None
        if self._transport == "aiohttp":
            session = options.aiohttp_client = _session(base_url or DEFAULT_BASE_URL)
        else:  # an explicit transport makes the SDK use httpx
            options.async_client_args = {"transport": httpx.AsyncHTTPTransport()}
        return _Pooled(genai.Client(api_key=api_key, http_options=options), session)

    def _client(self, endpoint: Endpoint) -> tuple[genai.Client, str]:
        key = endpoint.api_key or next((os.environ[v] for v in KEY_ENV if os.environ.get(v)), None)
        if not key:
            raise no_key(NAME)
        return self._clients.get(endpoint.base_url, key).client, key

    async def complete(self, request: ProviderRequest, endpoint: Endpoint) -> Completion:
        client, key = self._client(endpoint)
        with _translated(key):
            response = await client.aio.models.generate_content(**_params(request))
        finish = _finish(response)
        if response.usage_metadata is None:
            raise ProviderError("unavailable", f"{NAME}: answered without token usage")
        return Completion(
            text=_text(response),
            finish_reason=finish or "stop",
            usage=_usage(response.usage_metadata),
            model=response.model_version or request.model,
        )

    async def stream(
        self, request: ProviderRequest, endpoint: Endpoint
    ) -> AsyncIterator[StreamDelta]:
        client, key = self._client(endpoint)
        finish: str | None = None
        usage: Usage | None = None
        with _translated(key):
            chunks = await client.aio.models.generate_content_stream(**_params(request))
        try:
            with _translated(key):
                async for chunk in chunks:
                    finish = _finish(chunk) or finish
                    usage = _usage(chunk.usage_metadata) if chunk.usage_metadata else usage
                    if text := _text(chunk):
                        yield StreamDelta(text=text)
        finally:  # give the connection back even when the caller stops early
            await cast(AsyncGenerator[Any, None], chunks).aclose()
        if finish is None:
            raise ProviderError("retriable", f"{NAME}: stream ended without a finish reason")
        yield StreamDelta(finish_reason=finish, usage=usage)

    async def aclose(self) -> None:
        await self._clients.aclose()


@contextmanager
def _translated(key: str) -> Iterator[None]:
    try:
        yield
    except errors.APIError as exc:
        raise _error(exc, key) from None
    except TRANSPORT_ERRORS as exc:
        raise transport_error(NAME, exc) from exc


def _session(base_url: str) -> aiohttp.ClientSession:
    """The SDK's own session trusts the environment, which costs every request two thread-pool
    hops (a netrc read, a proxy lookup) that queue up under load; look the proxy up once."""
    url = urlsplit(base_url)
    proxy = None
    if not urllib.request.proxy_bypass(url.hostname or ""):
        proxy = urllib.request.getproxies().get(url.scheme)
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS),
        read_bufsize=READ_BUFFER_BYTES,
        proxy=proxy,
    )


async def _close(pooled: _Pooled) -> None:
    await pooled.client.aio.aclose()
    if pooled.session is not None:
        await pooled.session.close()


def _params(request: ProviderRequest) -> dict[str, Any]:
    system = "\n\n".join(m.content for m in request.messages if m.role == "system")
    config = types.GenerateContentConfig(
        system_instruction=system or None,
        max_output_tokens=request.max_tokens,
        temperature=request.temperature,
        stop_sequences=request.stop or None,
        http_options=types.HttpOptions(timeout=max(1, round(request.timeout_s * 1000))),
    )
    contents = [
        types.Content(
            role="model" if m.role == "assistant" else "user", parts=[types.Part(text=m.content)]
        )
        for m in request.messages
        if m.role != "system"
    ]
    return {"model": request.model, "contents": contents, "config": config}


def _text(response: types.GenerateContentResponse) -> str:
    candidate = response.candidates[0] if response.candidates else None
    if candidate is None or candidate.content is None or not candidate.content.parts:
        return ""
    return "".join(p.text for p in candidate.content.parts if p.text and not p.thought)


def _finish(response: types.GenerateContentResponse) -> str | None:
    """Our finish reason, None while a stream goes on; a safety block raises."""
    feedback = response.prompt_feedback
    if feedback is not None and feedback.block_reason is not None:
        raise ProviderError("refusal", f"{NAME}: prompt blocked ({feedback.block_reason.value})")
    candidate = response.candidates[0] if response.candidates else None
    if candidate is None or candidate.finish_reason is None:
        return None
    reason = candidate.finish_reason.value
    if reason in REFUSALS:
        raise ProviderError("refusal", f"{NAME}: answer blocked ({reason})")
    return FINISH.get(reason, "stop")


def _usage(meta: types.GenerateContentResponseUsageMetadata) -> Usage:
    # Thinking tokens are billed as output; tool-use prompt tokens as input.
    return Usage(
        (meta.prompt_token_count or 0) + (meta.tool_use_prompt_token_count or 0),
        (meta.candidates_token_count or 0) + (meta.thoughts_token_count or 0),
        meta.cached_content_token_count or 0,
    )


def _error(exc: errors.APIError, key: str) -> ProviderError:
    details = _details(exc)
    reasons = (str(d.get("reason")) for d in details)
    kind = next((REASON_KINDS[r] for r in reasons if r in REASON_KINDS), None)
    delays = (duration_s(d.get("retryDelay")) for d in details)
    retry_after = next((d for d in delays if d is not None), None)
    headers = getattr(exc.response, "headers", None)
    return status_error(
        NAME,
        exc.code,
        STATUS_KINDS,
        code=exc.status,
        detail=exc.message or "",
        secret=key,
        retry_after=retry_after_s(headers) or retry_after,
        kind=kind,
    )


def _details(exc: errors.APIError) -> list[dict[str, Any]]:
    """google.rpc error details: ErrorInfo (a reason) and RetryInfo (a retryDelay)."""
    body = exc.details.get("error", exc.details) if isinstance(exc.details, dict) else {}
    details = body.get("details") if isinstance(body, dict) else None
    return [d for d in details or [] if isinstance(d, dict)]
