"""A fake Anthropic Messages API: `POST /v1/messages`, JSON or the documented SSE event stream
(message_start, content_block_start, ping, content_block_delta, content_block_stop,
message_delta, message_stop), errors as `{"type": "error", "error": {type, message}}`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.llm.base import Answer, FakeLLM, StreamDropped
from tests.fakes.llm.faults import Fault

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}
STOP_REASONS = {"stop": "end_turn", "length": "max_tokens"}


def error_body(status: int, message: str, fault: Fault | None) -> dict[str, Any]:
    type_ = (fault and fault.error_type) or ERROR_TYPES.get(status, "api_error")
    return {
        "type": "error",
        "error": {"type": type_, "message": message},
        "request_id": f"req_{uuid.uuid4().hex[:24]}",
    }


def error(status: int, message: str, fault: Fault | None = None) -> JSONResponse:
    headers = FakeLLM.error_headers(fault) if fault else None
    return JSONResponse(error_body(status, message, fault), status, headers=headers)


def text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(b.get("text", "") for b in content or [] if isinstance(b, dict))


def usage(answer: Answer, output_tokens: int) -> dict[str, int]:
    # Anthropic's input_tokens excludes what was read from the cache.
    return {
        "input_tokens": answer.prompt_tokens - answer.cached_tokens,
        "output_tokens": output_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": answer.cached_tokens,
    }


def event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps({'type': name, **data})}\n\n"


class AnthropicFake(FakeLLM):
    """Messages as Anthropic documents it: `x-api-key` and `anthropic-version` are required."""

    kind = "anthropic"

    def routes(self) -> list[Route]:
        return [Route("/v1/messages", self.messages, methods=["POST"])]

    async def messages(self, request: Request) -> Response:
        recorded, fault = await self.receive(request)
        body = recorded.body if isinstance(recorded.body, dict) else {}
        if rejected := self.reject(recorded.headers, body, fault):
            return rejected
        system = text_of(body.get("system"))
        texts = [system, *(text_of(m.get("content")) for m in body["messages"])]
        stop = body.get("stop_sequences")
        answer = self.answer(texts, fault, max_tokens=body["max_tokens"], stop=stop)
        stop_reason = "refusal" if fault.refusal else STOP_REASONS[answer.finish]
        if body.get("stream"):
            return self.sse(self.events(body["model"], answer, stop_reason, fault))
        content = [{"type": "text", "text": answer.text}] if answer.text else []
        counts = usage(answer, answer.output_tokens)
        return JSONResponse(self.message(body["model"], content, stop_reason, counts))

    def reject(
        self, headers: dict[str, str], body: dict[str, Any], fault: Fault
    ) -> Response | None:
        """The error Anthropic would answer before generating anything, if any."""
        if not self.key_ok(headers.get("x-api-key")):
            return error(401, "invalid x-api-key")
        if not headers.get("anthropic-version"):
            return error(400, "anthropic-version: header is required")
        if fault.status:
            return error(fault.status, fault.message or f"fake failure {fault.status}", fault)
        if problem := self.invalid(body):
            return error(400, problem)
        if not self.model_known(body["model"]):
            return error(404, f"model: {body['model']}")
        return None

    @staticmethod
    def invalid(body: dict[str, Any]) -> str | None:
        if not isinstance(body.get("model"), str):
            return "model: Field required"
        if not isinstance(body.get("max_tokens"), int) or body["max_tokens"] < 1:
            return "max_tokens: Field required"
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return "messages: at least one message is required"
        for i, m in enumerate(messages):
            if not isinstance(m, dict) or m.get("role") not in ("user", "assistant"):
                return f"messages.{i}.role: Input should be 'user' or 'assistant'"
        return None

    @staticmethod
    def message(
        model: str, content: list[Any], stop_reason: str | None, usage: dict[str, int]
    ) -> dict[str, Any]:
        return {
            "id": f"msg_{uuid.uuid4().hex[:24]}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": usage,
        }

    async def events(
        self, model: str, answer: Answer, stop_reason: str, fault: Fault
    ) -> AsyncIterator[str]:
        yield event("message_start", {"message": self.message(model, [], None, usage(answer, 1))})
        yield event(
            "content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}}
        )
        yield event("ping", {})
        chunks, cut = self.cut(fault, answer)
        for text in chunks:
            await self.pause(fault)
            yield event(
                "content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": text}}
            )
        if cut == "error":
            body = error_body(529, fault.message or "Overloaded", fault)
            yield event("error", {"error": body["error"]})
            return
        if cut == "drop":
            raise StreamDropped
        yield event("content_block_stop", {"index": 0})
        delta = {"stop_reason": stop_reason, "stop_sequence": None}
        yield event(
            "message_delta", {"delta": delta, "usage": {"output_tokens": answer.output_tokens}}
        )
        yield event("message_stop", {})
