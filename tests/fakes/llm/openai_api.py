"""A fake OpenAI API: `POST /v1/chat/completions` (JSON or SSE ending in `data: [DONE]`) and
`GET /v1/models`, answering errors as `{"error": {message, type, param, code}}`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.llm.base import Answer, FakeLLM, StreamDropped
from tests.fakes.llm.faults import Fault

ROLES = {"system", "developer", "user", "assistant", "tool"}
# status -> (type, code) as OpenAI answers them
ERRORS: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "unsupported_country_region_territory"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
}


def error(status: int, message: str, fault: Fault | None = None) -> JSONResponse:
    type_, code = ERRORS.get(status, ("server_error", None))
    if fault and fault.error_type:
        code = fault.error_type
    body = {"error": {"message": message, "type": type_, "param": None, "code": code}}
    return JSONResponse(body, status, headers=FakeLLM.error_headers(fault) if fault else None)


def usage(answer: Answer) -> dict[str, Any]:
    return {
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": answer.output_tokens,
        "total_tokens": answer.prompt_tokens + answer.output_tokens,
        "prompt_tokens_details": {"cached_tokens": answer.cached_tokens, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
    }


class OpenAIFake(FakeLLM):
    """Chat Completions as OpenAI documents it; the key is checked from `Authorization: Bearer`."""

    kind = "openai"

    def routes(self) -> list[Route]:
        return [
            Route("/v1/chat/completions", self.chat, methods=["POST"]),
            Route("/v1/models", self.list_models, methods=["GET"]),
        ]

    async def list_models(self, request: Request) -> Response:
        if not self.key_ok(request.headers.get("authorization", "").removeprefix("Bearer ")):
            return error(401, "Incorrect API key provided.")
        data = [
            {"id": m, "object": "model", "created": 0, "owned_by": "openai"}
            for m in sorted(self.models or ["gpt-4o-mini"])
        ]
        return JSONResponse({"object": "list", "data": data})

    async def chat(self, request: Request) -> Response:
        recorded, fault = await self.receive(request)
        body = recorded.body if isinstance(recorded.body, dict) else {}
        if rejected := self.reject(recorded.headers, body, fault):
            return rejected
        max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
        texts = [str(m.get("content") or "") for m in body["messages"]]
        answer = self.answer(texts, fault, max_tokens=max_tokens, stop=body.get("stop"))
        finish = "content_filter" if fault.refusal else answer.finish
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return self.sse(self.events(body["model"], answer, finish, fault, include_usage))
        message = {"role": "assistant", "content": answer.text or None, "refusal": None}
        choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": finish}
        envelope = self.envelope(body["model"], "chat.completion")
        return JSONResponse({**envelope, "choices": [choice], "usage": usage(answer)})

    def reject(
        self, headers: dict[str, str], body: dict[str, Any], fault: Fault
    ) -> Response | None:
        """The error OpenAI would answer before generating anything, if any."""
        if not self.key_ok(headers.get("authorization", "").removeprefix("Bearer ")):
            return error(
                401,
                "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
            )
        if fault.status:
            return error(fault.status, fault.message or f"fake failure {fault.status}", fault)
        if problem := self.invalid(body):
            return error(400, problem)
        if not self.model_known(body["model"]):
            model = body["model"]
            return error(
                404, f"The model `{model}` does not exist or you do not have access to it."
            )
        return None

    @staticmethod
    def invalid(body: dict[str, Any]) -> str | None:
        if not isinstance(body.get("model"), str):
            return "you must provide a model parameter"
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return "'messages' must contain at least one message"
        for i, m in enumerate(messages):
            if not isinstance(m, dict) or m.get("role") not in ROLES:
                return f"Invalid value for 'messages[{i}].role'"
        return None

    @staticmethod
    def envelope(model: str, obj: str) -> dict[str, Any]:
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": obj,
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": "fp_fake",
        }

    async def events(
        self, model: str, answer: Answer, finish: str, fault: Fault, include_usage: bool
    ) -> AsyncIterator[str]:
        head = self.envelope(model, "chat.completion.chunk")

        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> str:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
            return f"data: {json.dumps({**head, 'choices': [choice], 'usage': None})}\n\n"

        yield chunk({"role": "assistant", "content": "", "refusal": None})
        chunks, cut = self.cut(fault, answer)
        for text in chunks:
            await self.pause(fault)
            yield chunk({"content": text})
        if cut == "error":
            err = {
                "message": fault.message
                or "The server had an error while processing your request.",
                "type": "server_error",
                "param": None,
                "code": fault.error_type,
            }
            yield f"data: {json.dumps({'error': err})}\n\n"
            return
        if cut == "drop":
            raise StreamDropped
        yield chunk({}, finish)
        if include_usage:
            yield f"data: {json.dumps({**head, 'choices': [], 'usage': usage(answer)})}\n\n"
        yield "data: [DONE]\n\n"
