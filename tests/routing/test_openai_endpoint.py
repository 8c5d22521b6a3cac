"""The OpenAI-compatible endpoint driven by the `openai` SDK, over a live server, with the
routing policy and spend read back through the API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import openai
import pytest
import yaml

from api.runtime import Runtime
from routing.ledger_flush import LedgerFlusher
from tests.conftest import add_user, register
from tests.fakes.llm import Fault
from tests.ingestion.live import api_key, live_app
from tests.routing.conftest import Fakes

pytestmark = pytest.mark.usefixtures("db")


@dataclass
class Client:
    http: httpx.AsyncClient
    headers: dict[str, str]
    sdk: openai.AsyncOpenAI
    base: str
    org_id: str

    async def policy(self, document: dict[str, Any]) -> dict[str, Any]:
        r = await self.http.put("/api/v1/routing/policy", headers=self.headers, json=document)
        assert r.status_code == 200, r.text
        return dict(r.json())


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[Client]:
    async with live_app(runtime) as host, httpx.AsyncClient(base_url=f"http://{host}") as http:
        tenant = await register(http)
        key = await api_key(http, tenant.headers, scopes=["llm"])
        sdk = openai.AsyncOpenAI(base_url=f"http://{host}/v1", api_key=key, max_retries=0)
        yield Client(http, tenant.headers, sdk, f"http://{host}", tenant.org_id)
        await sdk.close()


def chain(fakes: Fakes, *models: str, **extra: Any) -> dict[str, Any]:
    return {
        "providers": fakes.providers(),
        "tasks": {"draft": {"models": list(models)}, "summarize": {"models": ["local"]}},
        "budgets": {"daily_usd": 10, "monthly_usd": 100},
        **extra,
    }


async def test_completion_with_fallback_headers_and_spend(
    client: Client, llm: Fakes, ledger: LedgerFlusher
) -> None:
    await client.policy(chain(llm, "openai:gpt-4o-mini", "anthropic:claude-haiku-4-5", "local"))
    llm.openai.faults.always(Fault(status=500))
    raw = await client.sdk.chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": "Where is my parcel?"}]
    )
    reply = raw.parse()
    assert reply.choices[0].message.content == llm.anthropic.reply
    assert reply.model == "anthropic:claude-haiku-4-5"
    assert raw.headers["x-switchboard-fallbacks"] == "openai:gpt-4o-mini"
    assert reply.usage is not None and reply.usage.prompt_tokens > 0
    await ledger.drain()
    spend = (await client.http.get("/api/v1/routing/spend", headers=client.headers)).json()
    assert spend["by_provider"]["anthropic"] == pytest.approx(
        float(raw.headers["x-switchboard-cost-usd"])
    )
    assert spend["by_provider"]["openai"] == 0
    assert spend["calls"] == {"error": 2, "ok": 1}  # a try and a retry, then the fallback
    assert spend["total_usd"] == pytest.approx(spend["by_task"]["draft"])
    assert spend["budget"]["today_spent_usd"] == pytest.approx(spend["total_usd"])


async def test_streaming_falls_back_before_the_first_token(client: Client, llm: Fakes) -> None:
    await client.policy(chain(llm, "google:gemini-2.5-flash", "openai:gpt-4o-mini"))
    llm.google.faults.always(Fault(status=503))
    stream = await client.sdk.chat.completions.create(
        model="auto",
        stream=True,
        stream_options={"include_usage": True},
        messages=[{"role": "user", "content": "hello"}],
    )
    parts, usage = [], None
    async for chunk in stream:
        parts += [c.delta.content or "" for c in chunk.choices]
        usage = chunk.usage or usage
    assert "".join(parts) == llm.openai.reply
    assert usage is not None and usage.completion_tokens > 0


async def test_a_stream_that_breaks_after_the_first_token_ends_with_a_clean_error(
    client: Client, llm: Fakes, ledger: LedgerFlusher
) -> None:
    await client.policy(chain(llm, "openai:gpt-4o-mini", "anthropic:claude-haiku-4-5"))
    llm.openai.faults.push(Fault(fail_after_chunks=2))
    stream = await client.sdk.chat.completions.create(
        model="auto", stream=True, messages=[{"role": "user", "content": "hello"}]
    )
    with pytest.raises(openai.APIError, match="mid-stream"):
        async for _ in stream:
            pass
    assert not llm.anthropic.requests  # no fallback once tokens were sent
    await ledger.drain()
    spend = (await client.http.get("/api/v1/routing/spend", headers=client.headers)).json()
    assert spend["calls"] == {"error": 1}  # paid for what was sent, recorded as an error
    assert spend["by_provider"]["openai"] > 0


async def test_over_budget_degrades_with_a_header_or_402(client: Client, llm: Fakes) -> None:
    tiny = {"daily_usd": 0.000001, "monthly_usd": 1}
    await client.policy(chain(llm, "openai:gpt-4o-mini", "local", budgets=tiny))
    raw = await client.sdk.chat.completions.with_raw_response.create(
        model="openai:gpt-4o-mini", messages=[{"role": "user", "content": "Hi, my order is late"}]
    )
    assert raw.headers["x-switchboard-degraded"] == "budget"
    assert raw.parse().model == "local" and not llm.openai.requests
    await client.policy(chain(llm, "openai:gpt-4o-mini", budgets=tiny))
    with pytest.raises(openai.APIStatusError) as caught:
        await client.sdk.chat.completions.create(
            model="auto", messages=[{"role": "user", "content": "hi"}]
        )
    assert caught.value.status_code == 402
    assert caught.value.body["type"] == "insufficient_quota"  # type: ignore[index]


async def test_task_header_models_list_and_errors(client: Client, llm: Fakes) -> None:
    await client.policy(chain(llm, "openai:gpt-4o-mini", allowed_providers=["openai", "local"]))
    raw = await client.sdk.chat.completions.with_raw_response.create(
        model="auto",
        messages=[{"role": "user", "content": "A. B. Can you help?"}],
        extra_headers={"X-Switchboard-Task": "summarize"},
    )
    assert raw.parse().model == "local"
    models = {m.id for m in (await client.sdk.models.list()).data}
    assert {"auto", "openai:gpt-4o-mini", "local"} <= models
    assert not any(m.startswith("anthropic:") for m in models)
    with pytest.raises(openai.BadRequestError, match="not in the price book"):
        await client.sdk.chat.completions.create(
            model="gpt-99", messages=[{"role": "user", "content": "hi"}]
        )
    bad = openai.AsyncOpenAI(base_url=f"{client.base}/v1", api_key="sb_nope", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        await bad.chat.completions.create(model="auto", messages=[{"role": "user", "content": "x"}])
    await bad.close()


async def test_policy_keys_are_write_only_kept_when_omitted_cleared_by_null(
    client: Client, llm: Fakes
) -> None:
    saved = await client.policy(chain(llm, "openai:gpt-4o-mini"))
    assert saved["providers"]["openai"] == {
        "base_url": llm.urls["openai"],
        "api_key": None,
        "api_key_set": True,
    }
    kept = await client.policy({"providers": {"openai": {"base_url": llm.urls["openai"]}}})
    assert kept["providers"]["openai"]["api_key_set"] is True
    assert "sk-test-openai" not in str(kept)
    cleared = await client.policy({"providers": {"openai": {"api_key": None}}})
    assert cleared["providers"]["openai"]["api_key_set"] is False
    as_yaml = yaml.safe_dump({"tasks": {"draft": {"models": ["local"]}}, "mask_pii": False})
    r = await client.http.put(
        "/api/v1/routing/policy",
        content=as_yaml,
        headers={
            **client.headers,
            "Content-Type": "application/yaml",
            "Accept": "application/yaml",
        },
    )
    assert r.status_code == 200 and yaml.safe_load(r.text)["mask_pii"] is False


@pytest.mark.parametrize(
    ("document", "needle"),
    [
        ({"tasks": {"draft": {"models": ["openai:gpt-4o-mini", "openai:gpt-4o-mini"]}}}, "twice"),
        ({"tasks": {"draft": {"models": ["openai:gpt-7"]}}}, "not in the price book"),
        (
            {"tasks": {"draft": {"models": ["openai:gpt-4"], "max_output_tokens": 9000}}},
            "cannot write",
        ),
        ({"tasks": {"draft": {"models": ["local"]}}, "allowed_providers": ["openai"]}, "outside"),
        (
            {"tasks": {"draft": {"models": ["openai:gpt-4"], "max_cost_usd": 0.0001}}},
            "max_cost_usd",
        ),
        ({"tasks": {"dance": {}}}, "unknown tasks"),
        ({"budgets": {"daily_usd": -1}}, "budgets.daily_usd"),
    ],
)
async def test_invalid_policies_are_refused_with_reasons(
    client: Client, document: dict[str, Any], needle: str
) -> None:
    r = await client.http.put("/api/v1/routing/policy", headers=client.headers, json=document)
    assert r.status_code == 400, r.text
    assert needle in str(r.json()["error"])


async def test_members_cannot_set_the_policy_and_malformed_bodies_get_400(client: Client) -> None:
    r = await client.http.put(
        "/api/v1/routing/policy",
        headers=client.headers,
        content=b"{not json",
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "malformed_policy"
    admin = type("T", (), {"headers": client.headers, "org_id": ""})()
    member = await add_user(client.http, admin, "member")  # type: ignore[arg-type]
    r = await client.http.put("/api/v1/routing/policy", headers=member.headers, json={})
    assert r.status_code == 403
    assert (
        await client.http.get("/api/v1/routing/policy", headers=member.headers)
    ).status_code == 200


async def test_prometheus_metrics_count_calls_fallbacks_spend_and_budget(
    client: Client, llm: Fakes, ledger: LedgerFlusher
) -> None:
    await client.policy(chain(llm, "openai:gpt-4o-mini", "anthropic:claude-haiku-4-5"))
    llm.openai.faults.always(Fault(status=500))
    await client.sdk.chat.completions.create(
        model="auto", messages=[{"role": "user", "content": "x"}]
    )
    await ledger.drain()
    text = (await client.http.get("/metrics")).text
    org_id = client.org_id
    assert f'switchboard_router_errors_total{{org="{org_id}",provider="openai"}} 2.0' in text
    assert f'switchboard_router_fallbacks_total{{org="{org_id}",task="draft"}} 1.0' in text
    assert f'switchboard_router_budget_remaining_usd{{org="{org_id}",period="daily"}}' in text
    assert f'switchboard_router_spend_usd_total{{org="{org_id}",provider="anthropic"}}' in text


async def test_a_key_made_with_the_default_scopes_can_call_the_gateway(client: Client) -> None:
    r = await client.http.post("/api/v1/api-keys", headers=client.headers, json={"name": "sdk"})
    assert r.status_code == 201 and "llm" in r.json()["scopes"]
    sdk = openai.AsyncOpenAI(base_url=f"{client.base}/v1", api_key=r.json()["key"], max_retries=0)
    assert any(m.id == "auto" for m in (await sdk.models.list()).data)
    await sdk.close()
