"""The OpenAI-compatible endpoint: any OpenAI SDK gets budgets, fallbacks and spend tracking.

`model: "auto"` lets the router pick by the task's policy (`X-Switchboard-Task`, default
`draft`); `provider:model` (or an unambiguous bare name) asks for that model first.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Header, Response
from fastapi.responses import StreamingResponse

from api.deps import Principal, RuntimeDep, require
from api.llm.schemas import ChatCompletionIn
from api.runtime import Runtime
from routing import policies
from routing.contract import TASKS
from routing.pricebook import default_price_book, provider_of, resolve_model
from routing.router import RouteRequest, RouteResult
from routing.streaming import StreamEnd, StreamFailed, StreamItem, StreamStart
from store.errors import BadInput, Retriable

router = APIRouter(prefix="/v1", tags=["openai-compatible"])
CanCall = Annotated[Principal, Depends(require("llm"))]
TaskHeader = Annotated[str, Header(alias="X-Switchboard-Task", max_length=40)]


def _backend(runtime: Runtime) -> Any:
    if runtime.router is None:
        raise Retriable("the router is not running", retry_after=5)
    return runtime.router


def _route_request(principal: Principal, body: ChatCompletionIn, task: str) -> RouteRequest:
    if task not in TASKS:
        raise BadInput(f"unknown task {task!r}; one of {list(TASKS)}", code="unknown_task")
    return RouteRequest(
        org_id=str(principal.org_id),
        task=task,
        messages=[m.plain() for m in body.messages],
        model=resolve_model(default_price_book(), body.model),
        max_tokens=body.output_limit(),
        temperature=body.temperature,
        stop=body.stops(),
    )


def _headers(
    model_id: str, request_id: str, degraded: str | None, path: list[str], cost: float | None = None
) -> dict[str, str]:
    headers = {"X-Switchboard-Model": model_id, "X-Switchboard-Request-Id": request_id}
    if cost is not None:
        headers["X-Switchboard-Cost-Usd"] = f"{cost:.6f}"
    if degraded:
        headers["X-Switchboard-Degraded"] = degraded
    if path:
        headers["X-Switchboard-Fallbacks"] = ",".join(path)
    return headers


def _completion(result: RouteResult) -> dict[str, Any]:
    usage = result.completion.usage
    return {
        "id": f"chatcmpl-{result.request_id}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": result.model_id,
        "choices": [
            {
                "index": 0,
                "finish_reason": result.completion.finish_reason,
                "message": {"role": "assistant", "content": result.completion.text},
            }
        ],
        "usage": {
            "prompt_tokens": usage.input_tokens,
            "completion_tokens": usage.output_tokens,
            "total_tokens": usage.input_tokens + usage.output_tokens,
        },
    }


@router.post("/chat/completions")
async def chat_completions(
    body: ChatCompletionIn,
    principal: CanCall,
    runtime: RuntimeDep,
    task: TaskHeader = "draft",
) -> Response:
    call = _route_request(principal, body, task)
    backend = _backend(runtime)
    if body.stream:
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        return await _stream(backend.stream(call), include_usage)
    result: RouteResult = await backend.complete(call)
    headers = _headers(
        result.model_id, result.request_id, result.degraded, result.fallback_path, result.cost_usd
    )
    return Response(
        orjson.dumps(_completion(result)), media_type="application/json", headers=headers
    )


async def _stream(items: AsyncIterator[StreamItem], include_usage: bool) -> Response:
    """Wait for the first item (fallbacks happen before it), then stream SSE chunks."""
    first = await anext(items)
    assert isinstance(first, StreamStart)
    headers = _headers(first.model_id, first.request_id, first.degraded, first.fallback_path)
    headers["Cache-Control"] = "no-cache"
    return StreamingResponse(
        _sse(first, items, include_usage), media_type="text/event-stream", headers=headers
    )


async def _sse(
    start: StreamStart, items: AsyncIterator[StreamItem], include_usage: bool
) -> AsyncIterator[bytes]:
    base = {
        "id": f"chatcmpl-{start.request_id}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": start.model_id,
    }

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return b"data: " + orjson.dumps({**base, "choices": [choice], **extra}) + b"\n\n"

    yield chunk({"role": "assistant", "content": ""})
    try:
        async for item in items:
            if isinstance(item, StreamEnd):
                yield chunk({}, item.finish_reason)
                if include_usage:
                    u = item.usage
                    usage = {
                        "prompt_tokens": u.input_tokens,
                        "completion_tokens": u.output_tokens,
                        "total_tokens": u.input_tokens + u.output_tokens,
                    }
                    yield (
                        b"data: " + orjson.dumps({**base, "choices": [], "usage": usage}) + b"\n\n"
                    )
                yield b"data: [DONE]\n\n"
            elif isinstance(item, StreamFailed):
                error = {"message": item.message, "type": "api_error", "code": "upstream_failed"}
                yield b"data: " + orjson.dumps({"error": error}) + b"\n\n"
            elif not isinstance(item, StreamStart):
                yield chunk({"content": item.text})
    finally:
        await items.aclose()  # type: ignore[attr-defined]


@router.get("/models")
async def list_models(principal: CanCall, runtime: RuntimeDep) -> dict[str, Any]:
    """`auto` plus every price-book model the organization's policy allows."""
    store = runtime.policy_store
    policy = (await store.get(str(principal.org_id))).policy if store else None
    book = default_price_book()
    data = [{"id": "auto", "object": "model", "created": 0, "owned_by": "switchboard"}]
    data += [
        {"id": model_id, "object": "model", "created": 0, "owned_by": provider_of(model_id)}
        for model_id in book.models
        if policy is None or policy.allows(model_id)
    ]
    return {"object": "list", "data": data}


__all__ = ["policies", "router"]
