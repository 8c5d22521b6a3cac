"""The router against the three provider fakes, through the official SDKs: decisions, failover,
circuit breakers, PII masking, prices, budgets and the ledger."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from nats.js import JetStreamContext
from redis.asyncio import Redis

from api.runtime import Runtime
from ingestion.events import Event, budget_alert
from ingestion.streams import EVENTS
from routing.budget import Budget
from routing.contract import ChatMessage
from routing.ledger import LedgerRow
from routing.ledger_flush import LedgerFlusher
from routing.pricebook import UnknownModel, default_price_book
from routing.router import NoRoute, Refused, Router, RouteRequest
from store.errors import BadInput, BudgetExceeded
from tests.fakes.llm import Fault
from tests.routing.conftest import Fakes, drop_org, ledger_rows, make_org

pytestmark = pytest.mark.usefixtures("db")
HELLO = [ChatMessage("user", "Where is my order #12345? It was due on Monday.")]


def policy(fakes: Fakes, models: list[str], **task: object) -> dict[str, object]:
    return {
        "providers": fakes.providers(),
        "tasks": {"draft": {"models": models, **task}},
        "budgets": {"daily_usd": 100, "monthly_usd": 1000},
    }


async def test_preference_order_and_fallback_on_5xx(
    router: Router, runtime: Runtime, llm: Fakes, ledger: LedgerFlusher
) -> None:
    org = await make_org(runtime, policy(llm, ["openai:gpt-4o-mini", "anthropic:claude-haiku-4-5"]))
    llm.openai.faults.always(Fault(status=500))
    result = await router.complete(RouteRequest(org, "draft", HELLO))
    assert (result.provider, result.fallback_path) == ("anthropic", ["openai:gpt-4o-mini"])
    assert len(llm.openai.requests) == 2  # one retry, then the next provider
    assert result.completion.text == llm.anthropic.reply
    await ledger.drain()
    rows = await ledger_rows(runtime, org)
    # one row per call the providers saw: the try, the retry, the fallback
    assert [(r.provider, r.status) for r in rows] == [
        ("openai", "error"), ("openai", "error"), ("anthropic", "ok"),
    ]  # fmt: skip
    usage = result.completion.usage
    rate = default_price_book().rate("anthropic:claude-haiku-4-5")
    assert float(rows[2].cost_usd) == pytest.approx(
        rate.cost_micros(usage.input_tokens, usage.output_tokens) / 1e6
    )
    assert rows[2].fallback_path == ["openai:gpt-4o-mini"]
    assert "preference order" in (rows[2].reason or "")
    assert rows[0].error and rows[0].latency_ms >= 0


async def test_cheapest_strategy_picks_the_cheapest_meeting_the_tier(
    router: Router, runtime: Runtime, llm: Fakes
) -> None:
    models = ["anthropic:claude-sonnet-4-5", "openai:gpt-4o-mini", "google:gemini-2.5-flash"]
    org = await make_org(runtime, policy(llm, models, strategy="cheapest", quality="standard"))
    result = await router.complete(RouteRequest(org, "draft", HELLO))
    assert result.model_id == "openai:gpt-4o-mini"
    assert "cheapest meeting standard" in result.reason


async def test_retry_after_is_honoured_on_the_same_provider(
    router: Router, runtime: Runtime, llm: Fakes
) -> None:
    org = await make_org(runtime, policy(llm, ["openai:gpt-4o-mini", "anthropic:claude-haiku-4-5"]))
    llm.openai.faults.push(Fault(status=429, retry_after="0.3"))
    started = time.perf_counter()
    result = await router.complete(RouteRequest(org, "draft", HELLO))
    assert result.provider == "openai" and not result.fallback_path
    assert time.perf_counter() - started >= 0.3
    assert len(llm.openai.requests) == 2 and not llm.anthropic.requests


async def test_a_long_retry_after_moves_on_at_once(
    router: Router, runtime: Runtime, llm: Fakes
) -> None:
    org = await make_org(runtime, policy(llm, ["openai:gpt-4o-mini", "google:gemini-2.5-flash"]))
    llm.openai.faults.push(Fault(status=429, retry_after="30"))
    result = await router.complete(RouteRequest(org, "draft", HELLO))
    assert result.provider == "google" and len(llm.openai.requests) == 1


async def test_timeouts_fail_over(router: Router, runtime: Runtime, llm: Fakes) -> None:
    models = ["google:gemini-2.5-flash", "openai:gpt-4o-mini"]
    org = await make_org(runtime, policy(llm, models, timeout_s=0.3))
    llm.google.faults.always(Fault(delay_s=2))
    result = await router.complete(RouteRequest(org, "draft", HELLO))
    assert result.provider == "openai"


@pytest.mark.parametrize("fault", [Fault(refusal=True), Fault(status=400)])
async def test_no_fallback_on_a_refusal_or_a_bad_request(
    router: Router, runtime: Runtime, llm: Fakes, fault: Fault
) -> None:
    org = await make_org(runtime, policy(llm, ["openai:gpt-4o-mini", "anthropic:claude-haiku-4-5"]))
    llm.openai.faults.push(fault)
    with pytest.raises(BadInput) as caught:
        await router.complete(RouteRequest(org, "draft", HELLO))
    assert isinstance(caught.value, Refused) == fault.refusal
    assert not llm.anthropic.requests


async def test_never_the_same_provider_twice(router: Router, runtime: Runtime, llm: Fakes) -> None:
    models = ["openai:gpt-4o-mini", "openai:gpt-4.1-mini", "anthropic:claude-haiku-4-5"]
    org = await make_org(runtime, policy(llm, models))
    llm.openai.faults.always(Fault(status=503))
    result = await router.complete(RouteRequest(org, "draft", HELLO))
    assert result.provider == "anthropic"
    assert {r.body["model"] for r in llm.openai.requests} == {"gpt-4o-mini"}


async def test_the_circuit_opens_then_a_probe_closes_it(
    router: Router, runtime: Runtime, llm: Fakes
) -> None:
    org = await make_org(runtime, policy(llm, ["openai:gpt-4o-mini", "anthropic:claude-haiku-4-5"]))
    llm.openai.faults.always(Fault(status=500))
    for _ in range(2):
        assert (await router.complete(RouteRequest(org, "draft", HELLO))).provider == "anthropic"
    calls = len(llm.openai.requests)
    assert calls == 3  # the breaker (threshold 3) opened during the second request
    result = await router.complete(RouteRequest(org, "draft", HELLO))
    assert result.provider == "anthropic" and len(llm.openai.requests) == calls
    assert "circuit open" in result.reason
    llm.openai.faults.clear()
    await asyncio.sleep(0.6)  # the cooldown: one probe goes through, succeeds, closes it
    assert (await router.complete(RouteRequest(org, "draft", HELLO))).provider == "openai"


async def test_unknown_models_and_missing_prices_are_refused(
    router: Router, runtime: Runtime, llm: Fakes
) -> None:
    org = await make_org(runtime, policy(llm, ["openai:gpt-4o-mini"]))
    with pytest.raises(UnknownModel):
        await router.complete(RouteRequest(org, "draft", HELLO, model="openai:gpt-9-turbo"))
    assert not llm.openai.requests


async def test_pii_is_masked_before_external_calls(
    router: Router, runtime: Runtime, llm: Fakes
) -> None:
    text = (
        "I'm Jane, mail me at jane.doe@example.com or call +44 20 7946 0958, "
        "card 4111 1111 1111 1111"
    )
    org = await make_org(runtime, policy(llm, ["openai:gpt-4o-mini"]))
    llm.openai.faults.push(Fault(reply="We will write to [EMAIL_1] today."))
    result = await router.complete(RouteRequest(org, "draft", [ChatMessage("user", text)]))
    sent = str(llm.openai.last.body["messages"])
    for secret in ("jane.doe@example.com", "7946 0958", "4111 1111 1111 1111"):
        assert secret not in sent
    assert "[EMAIL_1]" in sent and "[CARD_1]" in sent
    # the customer reads their own address; the provider never saw it
    assert result.completion.text == "We will write to jane.doe@example.com today."
    unmasked = await make_org(runtime, {**policy(llm, ["openai:gpt-4o-mini"]), "mask_pii": False})
    await router.complete(RouteRequest(unmasked, "draft", [ChatMessage("user", text)]))
    assert "jane.doe@example.com" in str(llm.openai.last.body["messages"])


async def test_over_budget_degrades_to_local_or_refuses(
    router: Router, runtime: Runtime, llm: Fakes, ledger: LedgerFlusher
) -> None:
    tiny = {**policy(llm, ["openai:gpt-4o-mini", "local"]),
            "budgets": {"daily_usd": 0.000001, "monthly_usd": 1}}  # fmt: skip
    org = await make_org(runtime, tiny)
    result = await router.complete(RouteRequest(org, "draft", HELLO))
    assert (result.provider, result.degraded) == ("local", "budget")
    assert "daily limit reached" in result.reason and not llm.openai.requests
    await ledger.drain()
    assert [(r.provider, r.status) for r in await ledger_rows(runtime, org)] == [
        ("local", "degraded")
    ]
    strict = {**tiny, "tasks": {"draft": {"models": ["openai:gpt-4o-mini"]}}}
    with pytest.raises(BudgetExceeded):
        await router.complete(RouteRequest(await make_org(runtime, strict), "draft", HELLO))


async def test_without_keys_the_local_provider_answers_at_no_cost(
    router: Router, runtime: Runtime
) -> None:
    org = await make_org(runtime, {})
    result = await router.complete(RouteRequest(org, "draft", HELLO))
    assert (result.provider, result.cost_usd, result.degraded) == ("local", 0.0, None)
    assert "no API key configured" in result.reason


async def test_all_providers_down_degrades_to_local(
    router: Router, runtime: Runtime, llm: Fakes
) -> None:
    org = await make_org(runtime, policy(llm, ["openai:gpt-4o-mini", "google:gemini-2.5-flash",
                                               "local"]))  # fmt: skip
    llm.openai.faults.always(Fault(status=502))
    llm.google.faults.always(Fault(status=503))
    result = await router.complete(RouteRequest(org, "draft", HELLO))
    assert (result.provider, result.degraded) == ("local", "providers_failed")
    assert result.fallback_path == ["openai:gpt-4o-mini", "google:gemini-2.5-flash"]


async def test_the_budget_is_settled_to_the_actual_cost(
    router: Router, runtime: Runtime, llm: Fakes
) -> None:
    org = await make_org(runtime, policy(llm, ["openai:gpt-4o-mini"]))
    result = await router.complete(RouteRequest(org, "draft", HELLO))
    used = await router.budget.usage(org)
    assert used["day_held"] == 0
    assert used["day_spent"] == round(result.cost_usd * 1e6)
    assert 0 < result.cost_usd < result.estimated_cost_usd


async def test_an_unreachable_budget_store_fails_closed(
    router: Router, runtime: Runtime, llm: Fakes
) -> None:
    org = await make_org(runtime, policy(llm, ["openai:gpt-4o-mini", "local"]))
    dead = Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=0.2)
    router.budget = Budget(dead)
    result = await router.complete(RouteRequest(org, "draft", HELLO))
    assert (result.provider, result.degraded) == ("local", "budget_unavailable")
    assert not llm.openai.requests  # nothing paid without a reservation
    strict = await make_org(runtime, policy(llm, ["openai:gpt-4o-mini"]))
    with pytest.raises(NoRoute):
        await router.complete(RouteRequest(strict, "draft", HELLO))
    await dead.aclose()


async def test_a_cancelled_call_releases_its_reservation(
    router: Router, runtime: Runtime, llm: Fakes, ledger: LedgerFlusher
) -> None:
    org = await make_org(runtime, policy(llm, ["openai:gpt-4o-mini"]))
    llm.openai.faults.always(Fault(delay_s=2))
    call = asyncio.create_task(router.complete(RouteRequest(org, "draft", HELLO)))
    await asyncio.sleep(0.3)
    assert (await router.budget.usage(org))["day_held"] > 0
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    used = await router.budget.usage(org)
    assert used == {"day_spent": 0, "day_held": 0, "month_spent": 0, "month_held": 0}
    await ledger.drain()
    assert [r.status for r in await ledger_rows(runtime, org)] == ["cancelled"]


async def test_ledger_rows_of_deleted_messages_or_organizations_never_block_the_flush(
    runtime: Runtime, ledger: LedgerFlusher
) -> None:
    org = await make_org(runtime, {})
    gone = await make_org(runtime, {})
    rows = [
        LedgerRow(org, "draft", "local", "local", "ok", message_id=str(uuid.uuid4())),
        LedgerRow(gone, "draft", "local", "local", "ok"),
        LedgerRow(org, "draft", "local", "local", "ok"),
    ]
    await drop_org(runtime, gone)
    await Budget(runtime.redis).record([r.as_dict() for r in rows])
    assert await ledger.drain() == 3
    stored = await ledger_rows(runtime, org)
    assert len(stored) == 2 and stored[0].message_id is None


async def test_a_ledger_row_moved_twice_is_stored_and_counted_once(
    runtime: Runtime, ledger: LedgerFlusher
) -> None:
    org = await make_org(runtime, {})
    row = LedgerRow(org, "draft", "local", "local", "ok").as_dict()
    others = [LedgerRow(org, "draft", "local", "local", "ok").as_dict() for _ in range(3)]
    await Budget(runtime.redis).record([row, *others, row])  # e.g. a flusher died mid-move
    assert await ledger.drain() == 5
    assert len(await ledger_rows(runtime, org)) == 4
    counted = await runtime.redis.hget("sb:metrics:router", f"calls|{org}|local|local|ok")
    assert counted == "4"


async def test_one_organizations_failing_key_does_not_open_the_circuit_for_another(
    router: Router, runtime: Runtime, llm: Fakes
) -> None:
    chain = ["openai:gpt-4o-mini", "anthropic:claude-haiku-4-5"]
    throttled = await make_org(runtime, policy(llm, chain))
    other_providers = {
        **llm.providers(),
        "openai": {**llm.providers()["openai"], "api_key": "sk-b"},
    }
    other = await make_org(runtime, {**policy(llm, chain), "providers": other_providers})
    llm.openai.faults.always(Fault(status=429))
    for _ in range(2):  # opens the circuit of the first organization's key (threshold 3)
        await router.complete(RouteRequest(throttled, "draft", HELLO))
    llm.openai.faults.clear()
    assert (await router.complete(RouteRequest(other, "draft", HELLO))).provider == "openai"
    result = await router.complete(RouteRequest(throttled, "draft", HELLO))
    assert result.provider == "anthropic" and "circuit open" in result.reason


async def test_crossing_the_soft_budget_alerts_the_organization_once(
    router: Router, runtime: Runtime, llm: Fakes, js: JetStreamContext
) -> None:
    async def alert(org_id: str, crossed: list[str], usage: dict[str, int]) -> None:
        await budget_alert(js, org_id, crossed, usage)

    router.on_alert = alert
    tight = {**policy(llm, ["openai:gpt-4o-mini"], max_output_tokens=20),
             "budgets": {"daily_usd": 0.0002, "monthly_usd": 1}}  # fmt: skip
    org = await make_org(runtime, tight)
    llm.openai.faults.always(Fault(reply="word " * 15))
    # ~11 µ$ a call until the worst case no longer fits: the 80% line (160 µ$) is crossed once
    with pytest.raises(BudgetExceeded):
        for _ in range(40):
            await router.complete(RouteRequest(org, "draft", HELLO))
    sub = await js.pull_subscribe(f"events.{org}.budget.alert", stream=EVENTS.name)
    events = [Event.model_validate_json(m.data) for m in await sub.fetch(10, timeout=2)]
    assert [e.data["threshold"] for e in events] == ["daily:soft"]
    assert events[0].data["day_spent"] >= 0.8 * 0.0002
    await sub.unsubscribe()
