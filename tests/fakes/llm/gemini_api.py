"""A fake Gemini API: `POST /v1beta/models/{model}:generateContent` and
`:streamGenerateContent?alt=sse`, errors as `{"error": {code, message, status, details}}`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.llm.base import Answer, FakeLLM, StreamDropped
from tests.fakes.llm.faults import Fault

STATUSES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
FINISH = {"stop": "STOP", "length": "MAX_TOKENS"}
SAFETY = [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True}]


def error_body(status: int, message: str, fault: Fault | None = None) -> dict[str, Any]:
    details: list[dict[str, Any]] = []
    if fault and fault.retry_after and fault.retry_after.replace(".", "", 1).isdigit():
        details.append(
            {
                "@type": "type.googleapis.com/google.rpc.RetryInfo",
                "retryDelay": f"{fault.retry_after}s",
            }
        )
    status_name = (fault and fault.error_type) or STATUSES.get(status, "UNKNOWN")
    return {
        "error": {"code": status, "message": message, "status": status_name, "details": details}
    }


def error(
    status: int, message: str, fault: Fault | None = None, reason: str | None = None
) -> JSONResponse:
    body = error_body(status, message, fault)
    if reason:
        body["error"]["details"].append(
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": reason,
                "domain": "googleapis.com",
            }
        )
    # Gemini says when to retry in a RetryInfo detail, not in a Retry-After header.
    return JSONResponse(body, status)


def sse(data: dict[str, Any]) -> str:
    return f"data: {json.dumps(data)}\r\n\r\n"


def pick(body: dict[str, Any], camel: str, snake: str) -> Any:
    """The JSON mapping of Google's protos accepts both spellings."""
    return body.get(camel, body.get(snake))


def parts_text(content: Any) -> str:
    parts = content.get("parts", []) if isinstance(content, dict) else []
    return "".join(p.get("text", "") for p in parts if isinstance(p, dict))


def usage(answer: Answer, output_tokens: int) -> dict[str, int]:
    return {
        "promptTokenCount": answer.prompt_tokens,
        "candidatesTokenCount": output_tokens,
        "totalTokenCount": answer.prompt_tokens + output_tokens,
        "cachedContentTokenCount": answer.cached_tokens,
    }


class GeminiFake(FakeLLM):
    """generateContent as the Gemini API documents it; the key comes in `x-goog-api-key`."""

    kind = "google"

    def routes(self) -> list[Route]:
        return [Route("/v1beta/models/{target}", self.generate, methods=["POST"])]

    async def generate(self, request: Request) -> Response:
        recorded, fault = await self.receive(request)
        model, _, method = request.path_params["target"].partition(":")
        body = recorded.body if isinstance(recorded.body, dict) else {}
        key = recorded.headers.get("x-goog-api-key") or recorded.query.get("key")
        if rejected := self.reject(key, model, method, body, fault):
            return rejected
        answer = self.plan(body, fault)
        if method == "streamGenerateContent":
            return self.sse(self.events(model, answer, fault))
        whole = self.response(model, answer, answer.text, fault, answer.output_tokens, last=True)
        return JSONResponse(whole)

    def reject(
        self, key: str | None, model: str, method: str, body: dict[str, Any], fault: Fault
    ) -> Response | None:
        """The error Gemini would answer before generating anything, if any."""
        if not key:
            return error(403, "Method doesn't allow unregistered callers.")
        if not self.key_ok(key):
            bad_key = "API key not valid. Please pass a valid API key."
            return error(400, bad_key, reason="API_KEY_INVALID")
        if fault.status:
            return error(fault.status, fault.message or f"fake failure {fault.status}", fault)
        if method not in ("generateContent", "streamGenerateContent"):
            return error(404, f"Method {method} not found.")
        if problem := self.invalid(body):
            return error(400, problem)
        if not self.model_known(model):
            return error(404, f"models/{model} is not found for API version v1beta.")
        return None

    def plan(self, body: dict[str, Any], fault: Fault) -> Answer:
        config = pick(body, "generationConfig", "generation_config") or {}
        system = parts_text(pick(body, "systemInstruction", "system_instruction"))
        texts = [system, *(parts_text(c) for c in body["contents"])]
        max_tokens = pick(config, "maxOutputTokens", "max_output_tokens")
        return self.answer(
            texts,
            fault,
            max_tokens=max_tokens,
            stop=pick(config, "stopSequences", "stop_sequences"),
        )

    @staticmethod
    def invalid(body: dict[str, Any]) -> str | None:
        contents = body.get("contents")
        if not isinstance(contents, list) or not contents:
            return "* GenerateContentRequest.contents: contents is not specified"
        for c in contents:
            if not isinstance(c, dict) or c.get("role", "user") not in ("user", "model"):
                return "Please use a valid role: user, model."
        return None

    @staticmethod
    def response(
        model: str, answer: Answer, text: str, fault: Fault, output_tokens: int, *, last: bool
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "usageMetadata": usage(answer, output_tokens),
            "modelVersion": model,
            "responseId": "fake-response",
        }
        if fault.prompt_blocked:
            out["promptFeedback"] = {"blockReason": "SAFETY", "safetyRatings": SAFETY}
            return out
        candidate: dict[str, Any] = {"index": 0}
        if text:
            candidate["content"] = {"role": "model", "parts": [{"text": text}]}
        if last:
            candidate["finishReason"] = "SAFETY" if fault.refusal else FINISH[answer.finish]
            if fault.refusal:
                candidate["safetyRatings"] = SAFETY
        out["candidates"] = [candidate]
        return out

    async def events(self, model: str, answer: Answer, fault: Fault) -> AsyncIterator[str]:
        chunks, cut = self.cut(fault, answer)
        for i, text in enumerate(chunks):
            await self.pause(fault)
            last = cut is None and i == len(chunks) - 1
            yield sse(self.response(model, answer, text, fault, i + 1, last=last))
        if cut == "error":
            yield sse(error_body(503, fault.message or "The model is overloaded.", fault))
            return
        if cut == "drop":
            raise StreamDropped
        if not chunks:  # a refusal or an empty answer still ends with a finish reason
            yield sse(self.response(model, answer, "", fault, 0, last=True))
