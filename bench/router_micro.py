"""Router benchmark, micro figures: the routing decision alone and the budget round trip."""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def percentiles(values_us: list[float]) -> dict[str, float]:
    xs = sorted(values_us)
    q = statistics.quantiles(xs, n=100, method="inclusive")
    return {
        "p50_us": round(q[49], 2),
        "p99_us": round(q[98], 2),
        "max_us": round(xs[-1], 2),
        "mean_us": round(statistics.fmean(xs), 2),
        "n": len(xs),
    }


SYSTEM = (
    "You are the support assistant of Northwind Outfitters. Answer in the customer's language, "
    "be brief and polite, never promise refunds the policy does not allow, and cite the order "
    "number when there is one. Escalate to a human when the customer asks for one."
)
CHAT = [
    (
        "user",
        "Hi, I ordered a pair of hiking boots (order #58213) two weeks ago and they still "
        "haven't arrived. The tracking page says 'label created' since 10 days. My email is "
        "jane.doe@example.com and my phone is +1 415 555 0199. Can you check?",
    ),
    (
        "assistant",
        "I'm sorry about the delay, Jane. I've checked order #58213: the carrier never "
        "scanned the parcel. I can reship it today or refund it, which do you prefer?",
    ),
    (
        "user",
        "Please reship, but to my office instead: 221B Baker Street, London NW1 6XE. "
        "And can you make sure it's express this time? I need them for a trip on Friday.",
    ),
]


def micro_decision(calls: int) -> dict[str, Any]:
    from routing.breaker import Breakers
    from routing.contract import ChatMessage
    from routing.decision import plan
    from routing.endpoints import EnvEndpoints, resolve
    from routing.masking import mask_messages
    from routing.policy import RoutingPolicy, validate_policy
    from routing.pricebook import default_price_book
    from routing.tokens import worst_case_prompt_tokens

    book = default_price_book()
    policy = RoutingPolicy.model_validate(
        {
            "providers": {
                "openai": {"base_url": "http://127.0.0.1:8001/v1"},
                "anthropic": {},
                "google": {},
            },
            "tasks": {
                "draft": {
                    "models": [
                        "anthropic:claude-haiku-4-5",
                        "openai:gpt-4.1-mini",
                        "google:gemini-2.5-flash",
                        "openai:gpt-4o-mini",
                    ],
                    "strategy": "cheapest",
                    "quality": "standard",
                    "max_cost_usd": 0.05,
                    "max_output_tokens": 600,
                }
            },
            "budgets": {"daily_usd": 50, "monthly_usd": 1000},
        }
    )
    validate_policy(policy, book)
    keys = {"openai": "sk-openai-dummy", "anthropic": "sk-ant-dummy"}  # google: no key
    env = EnvEndpoints({})
    breakers = Breakers()
    messages = [ChatMessage("system", SYSTEM)] + [ChatMessage(r, t) for r, t in CHAT]  # type: ignore[arg-type]
    masked, _ = mask_messages(messages)
    prompt_tokens = worst_case_prompt_tokens(masked)

    def endpoint_of(provider: str) -> Any:
        return resolve(provider, policy, keys, env)

    def decide() -> Any:
        return plan(
            policy=policy,
            task="draft",
            book=book,
            prompt_tokens=prompt_tokens,
            endpoint_of=endpoint_of,
            breakers=breakers,
            max_tokens=None,
        )

    first = decide()
    assert [o.model_id for o in first.options] == [
        "openai:gpt-4o-mini",
        "openai:gpt-4.1-mini",
        "anthropic:claude-haiku-4-5",
    ], first.reason
    for _ in range(1000):
        decide()
    clock = time.perf_counter_ns
    times = []
    for _ in range(calls):
        t0 = clock()
        decide()
        times.append((clock() - t0) / 1000)
    # What the router does before the decision on every request: mask PII, bound the prompt.
    prep = []
    for _ in range(max(1000, calls // 4)):
        t0 = clock()
        worst_case_prompt_tokens(mask_messages(messages)[0])
        prep.append((clock() - t0) / 1000)
    return {
        "plan": percentiles(times),
        "mask_and_count": percentiles(prep),
        "prompt_chars": sum(len(m.content) for m in messages),
        "prompt_tokens_bound": prompt_tokens,
        "order": [o.model_id for o in first.options],
        "skipped": first.skipped,
        "reason": first.reason,
    }


async def micro_budget(redis_url: str, calls: int) -> dict[str, Any]:
    from redis.asyncio import Redis

    from routing.budget import Budget, BudgetLimits, Lease
    from routing.ledger import LedgerRow

    redis = Redis.from_url(redis_url, decode_responses=True, socket_timeout=5)
    budget = Budget(redis)
    limits = BudgetLimits.from_usd(1_000_000, 1_000_000)
    org = str(uuid.uuid4())
    clock = time.perf_counter_ns
    ping: list[float] = []
    reserve: list[float] = []
    settle: list[float] = []
    both: list[float] = []
    try:
        for i in range(calls + 200):
            row = LedgerRow(
                org_id=org,
                task="draft",
                provider="openai",
                model="openai:gpt-4o-mini",
                status="ok",
                input_tokens=120,
                output_tokens=16,
                cost_micros=28,
                estimated_micros=90,
                latency_ms=3,
                reason="preference order",
                request_id=uuid.uuid4().hex,
            ).as_dict()
            t0 = clock()
            await redis.ping()
            t1 = clock()
            lease = await budget.reserve(org, "draft", 90, limits, ttl_s=120)
            t2 = clock()
            assert isinstance(lease, Lease), lease
            await budget.settle(lease, 28, limits, [row])
            t3 = clock()
            if i >= 200:
                ping.append((t1 - t0) / 1000)
                reserve.append((t2 - t1) / 1000)
                settle.append((t3 - t2) / 1000)
                both.append((t3 - t1) / 1000)
    finally:
        await redis.aclose()
    return {
        "reserve_plus_settle": percentiles(both),
        "reserve": percentiles(reserve),
        "settle": percentiles(settle),
        "ping": percentiles(ping),
    }


# -- setup ----------------------------------------------------------------------------------------


def run_micro(
    redis_url: str, decision_calls: int, budget_calls: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both micro benchmarks, printed as they finish: (decision, budget)."""
    dec = micro_decision(decision_calls)
    print(
        f"routing decision plan() x{dec['plan']['n']}: p50 {dec['plan']['p50_us']:.1f} us, "
        f"p99 {dec['plan']['p99_us']:.1f} us (target p99 < 1000 us); order {dec['order']}, "
        f"skipped {dec['skipped']}",
        flush=True,
    )
    print(
        f"  + mask PII and bound the prompt ({dec['prompt_chars']} chars): p50 "
        f"{dec['mask_and_count']['p50_us']:.1f} us, p99 {dec['mask_and_count']['p99_us']:.1f} us",
        flush=True,
    )
    try:
        import uvloop

        b = uvloop.run(micro_budget(redis_url, budget_calls))
    except ImportError:
        b = asyncio.run(micro_budget(redis_url, budget_calls))
    pair = b["reserve_plus_settle"]
    print(
        f"budget reserve+settle x{pair['n']}: p50 {pair['p50_us']:.0f} us, "
        f"p99 {pair['p99_us']:.0f} us "
        f"(reserve p50 {b['reserve']['p50_us']:.0f}, settle p50 {b['settle']['p50_us']:.0f}, "
        f"PING p50 {b['ping']['p50_us']:.0f} us)",
        flush=True,
    )
    return dec, b
