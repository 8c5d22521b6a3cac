"""The three external adapters through their official SDKs against the provider fakes: one table
of provider specifics, one set of behaviours every adapter must show."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from typing import Any

import pytest

from routing.contract import ChatMessage, Completion, ProviderRequest, StreamDelta
from routing.providers.base import Endpoint, Provider, ProviderError
from routing.providers.registry import external_providers
from tests.fakes.http_server import free_port, serve_app
from tests.fakes.llm import AnthropicFake, FakeLLM, Fault, GeminiFake, OpenAIFake, prompt_tokens

KEY = "sk-secret-0123456789abcdef"
SYSTEM = "You are a helpful support agent. Be brief."
QUESTION = "Where is my refund for order 1234?"
Body = dict[str, Any]


@dataclass(frozen=True)
class Spec:
    """What differs between providers; everything else in this file is shared."""

    kind: str
    fake: Callable[..., FakeLLM]
    path: str  # what the SDK's base URL adds to the host
    model: str
    key_header: str
    key_value: str  # how the key appears in that header
    system_sent: Callable[[Body], str | None]
    roles_sent: Callable[[Body], list[str]]
    roles: list[str]  # of [system, user, assistant, user]
    wrong_key_status: int


SPECS = [
    Spec(
        "openai", OpenAIFake, "/v1", "gpt-4o-mini", "authorization", f"Bearer {KEY}",
        lambda b: next((m["content"] for m in b["messages"] if m["role"] == "system"), None),
        lambda b: [m["role"] for m in b["messages"]],
        ["system", "user", "assistant", "user"], 401,
    ),
    Spec(
        "anthropic", AnthropicFake, "", "claude-haiku-4-5", "x-api-key", KEY,
        lambda b: b.get("system"),
        lambda b: [m["role"] for m in b["messages"]],
        ["user", "assistant", "user"], 401,
    ),
    Spec(
        "google", GeminiFake, "", "gemini-2.5-flash", "x-goog-api-key", KEY,
        lambda b: "".join(p["text"] for p in b["systemInstruction"]["parts"]),
        lambda b: [c["role"] for c in b["contents"]],
        ["user", "model", "user"], 400,  # Gemini answers a bad key with 400 API_KEY_INVALID
    ),
]  # fmt: skip


@dataclass
class Harness:
    spec: Spec
    fake: FakeLLM
    provider: Provider
    endpoint: Endpoint

    def request(self, *messages: ChatMessage, **overrides: Any) -> ProviderRequest:
        sent = list(messages) or [ChatMessage("system", SYSTEM), ChatMessage("user", QUESTION)]
        values: dict[str, Any] = {"max_tokens": 200, "timeout_s": 5.0, **overrides}
        return ProviderRequest(model=self.spec.model, messages=sent, **values)

    async def complete(self, request: ProviderRequest | None = None, **kw: Any) -> Completion:
        endpoint = replace(self.endpoint, **kw)
        return await self.provider.complete(request or self.request(), endpoint)

    async def stream(self, request: ProviderRequest | None = None) -> list[StreamDelta]:
        return [d async for d in self.provider.stream(request or self.request(), self.endpoint)]


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, tuple[FakeLLM, str]]]:
    with ExitStack() as stack:
        served = {}
        for spec in SPECS:
            fake = spec.fake(api_key=KEY, models=[spec.model])
            served[spec.kind] = (fake, stack.enter_context(serve_app(fake.app)) + spec.path)
        yield served


@pytest.fixture(scope="module")
async def providers() -> AsyncIterator[dict[str, Provider]]:
    made = external_providers()
    yield made
    for provider in made.values():
        await provider.aclose()


@pytest.fixture(params=SPECS, ids=[s.kind for s in SPECS])
def h(
    request: pytest.FixtureRequest,
    servers: dict[str, tuple[FakeLLM, str]],
    providers: dict[str, Provider],
) -> Iterator[Harness]:
    spec: Spec = request.param
    fake, url = servers[spec.kind]
    fake.faults.clear()
    fake.clear_requests()
    yield Harness(spec, fake, providers[spec.kind], Endpoint(base_url=url, api_key=KEY))
    fake.faults.clear()
    fake.cached_tokens = 0


async def test_registry_knows_the_three_by_name(providers: dict[str, Provider]) -> None:
    assert {name: p.name for name, p in providers.items()} == {s.kind: s.kind for s in SPECS}


async def test_complete_returns_text_finish_and_the_providers_usage(h: Harness) -> None:
    h.fake.cached_tokens = 3
    done = await h.complete()
    assert done.text == h.fake.reply and done.finish_reason == "stop"
    assert done.usage.input_tokens == prompt_tokens([SYSTEM, QUESTION])
    assert done.usage.output_tokens == len(h.fake.reply.split())
    assert done.usage.cached_input_tokens == 3
    assert done.model == h.spec.model


async def test_max_tokens_cuts_the_answer_with_finish_length(h: Harness) -> None:
    done = await h.complete(h.request(max_tokens=3))
    assert done.finish_reason == "length"
    assert done.text == " ".join(h.fake.reply.split()[:3]) and done.usage.output_tokens == 3


async def test_stream_deltas_add_up_and_the_last_has_finish_and_usage(h: Harness) -> None:
    deltas = await h.stream()
    assert "".join(d.text for d in deltas) == h.fake.reply
    assert len(deltas) > 2 and all(d.finish_reason is None for d in deltas[:-1])
    last = deltas[-1]
    assert last.finish_reason == "stop" and last.usage is not None
    assert last.usage.input_tokens == prompt_tokens([SYSTEM, QUESTION])
    assert last.usage.output_tokens == len(h.fake.reply.split())


async def test_system_and_roles_go_where_the_provider_wants_them(h: Harness) -> None:
    turns = [
        ChatMessage("system", SYSTEM),
        ChatMessage("user", "Hi"),
        ChatMessage("assistant", "Hello, how can I help?"),
        ChatMessage("user", QUESTION),
    ]
    await h.complete(h.request(*turns, temperature=0.2, stop=["###"]))
    body = h.fake.last.body
    assert h.spec.system_sent(body) == SYSTEM
    assert h.spec.roles_sent(body) == h.spec.roles


async def test_the_key_travels_in_the_providers_header_and_never_in_repr(h: Harness) -> None:
    await h.complete()
    assert h.fake.last.headers[h.spec.key_header] == h.spec.key_value
    assert KEY not in repr(h.endpoint) and KEY not in str(h.endpoint)


# (fault, expected kind, expected status, expected retry_after)
STATUS_FAULTS = [
    (Fault(status=429, retry_after="2"), "retriable", 429, 2.0),
    (Fault(status=500), "retriable", 500, None),
    (Fault(status=503), "retriable", 503, None),
    (Fault(status=529), "retriable", 529, None),
    (Fault(status=401), "unavailable", 401, None),
    (Fault(status=403), "unavailable", 403, None),
    (Fault(status=400), "invalid", 400, None),
    (Fault(refusal=True), "refusal", None, None),
]


@pytest.mark.parametrize("mode", ["complete", "stream"])
@pytest.mark.parametrize(("fault", "kind", "status", "retry_after"), STATUS_FAULTS)
async def test_failures_map_to_what_the_router_should_do(
    h: Harness, mode: str, fault: Fault, kind: str, status: int | None, retry_after: float | None
) -> None:
    h.fake.faults.push(fault)
    deltas: list[StreamDelta] = []
    with pytest.raises(ProviderError) as caught:
        if mode == "complete":
            await h.complete()
        else:
            async for delta in h.provider.stream(h.request(), h.endpoint):
                deltas.append(delta)
    assert (caught.value.kind, caught.value.status) == (kind, status)
    assert caught.value.retry_after == retry_after
    assert not deltas  # failed before the first token
    assert len(h.fake.requests) == 1  # the SDK did not retry underneath the router


async def test_a_slow_upstream_times_out_as_retriable(h: Harness) -> None:
    h.fake.faults.push(Fault(delay_s=2.0))
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        await h.complete(h.request(timeout_s=0.3))
    assert caught.value.kind == "retriable" and time.monotonic() - started < 1.5


async def test_a_stalled_stream_times_out_as_retriable(h: Harness) -> None:
    h.fake.faults.push(Fault(chunk_delay_s=1.0))
    with pytest.raises(ProviderError) as caught:
        await h.stream(h.request(timeout_s=0.3))
    assert caught.value.kind == "retriable"


async def test_a_refused_connection_is_retriable(h: Harness) -> None:
    closed = f"http://127.0.0.1:{free_port()}{h.spec.path}"
    with pytest.raises(ProviderError) as caught:
        await h.complete(base_url=closed)
    assert caught.value.kind == "retriable"


async def test_an_unknown_model_is_unavailable_here(h: Harness) -> None:
    with pytest.raises(ProviderError) as caught:
        await h.complete(replace(h.request(), model="no-such-model"))
    assert (caught.value.kind, caught.value.status) == ("unavailable", 404)


async def test_a_wrong_key_is_unavailable_and_not_repeated(h: Harness) -> None:
    with pytest.raises(ProviderError) as caught:
        await h.complete(api_key="sk-wrong-key-999")
    assert (caught.value.kind, caught.value.status) == ("unavailable", h.spec.wrong_key_status)
    assert "sk-wrong-key-999" not in str(caught.value)


async def test_a_key_echoed_by_the_provider_is_cut_from_the_error(h: Harness) -> None:
    h.fake.faults.push(Fault(status=401, message=f"Incorrect API key provided: {KEY}."))
    with pytest.raises(ProviderError) as caught:
        await h.complete()
    assert KEY not in str(caught.value) and KEY not in repr(caught.value)


async def test_no_key_anywhere_is_unavailable(h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ProviderError) as caught:
        await h.complete(api_key=None)
    assert caught.value.kind == "unavailable" and not h.fake.requests


@pytest.mark.parametrize(
    "fault", [Fault(fail_after_chunks=0), Fault(drop_after_chunks=0)], ids=["event", "drop"]
)
async def test_a_stream_failing_before_the_first_token_raises_before_any_delta(
    h: Harness, fault: Fault
) -> None:
    h.fake.faults.push(fault)
    deltas: list[StreamDelta] = []
    with pytest.raises(ProviderError) as caught:
        async for delta in h.provider.stream(h.request(), h.endpoint):
            deltas.append(delta)
    assert caught.value.kind == "retriable" and not deltas


@pytest.mark.parametrize(
    "fault", [Fault(fail_after_chunks=3), Fault(drop_after_chunks=3)], ids=["event", "drop"]
)
async def test_a_stream_failing_midway_raises_after_its_deltas(h: Harness, fault: Fault) -> None:
    h.fake.faults.push(fault)
    deltas: list[StreamDelta] = []
    with pytest.raises(ProviderError) as caught:
        async for delta in h.provider.stream(h.request(), h.endpoint):
            deltas.append(delta)
    assert caught.value.kind == "retriable"
    assert "".join(d.text for d in deltas) == "".join(re.findall(r"\S+\s*", h.fake.reply)[:3])


async def test_a_stream_abandoned_early_leaves_the_client_usable(h: Harness) -> None:
    async for _ in h.provider.stream(h.request(), h.endpoint):
        break
    assert (await h.complete()).text == h.fake.reply


async def test_one_client_per_endpoint_is_reused(h: Harness) -> None:
    clients = h.provider._clients  # type: ignore[attr-defined]
    before = len(clients)
    await h.complete()
    await h.complete()
    assert len(clients) == max(before, 1)
