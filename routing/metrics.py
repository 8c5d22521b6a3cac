"""Router metrics for Prometheus, shared by every process: counted in Redis from the spend
ledger (each call counted once, when its ledger row is stored) and read at scrape time.

- `switchboard_router_calls_total{org,provider,model,outcome}`
- `switchboard_router_errors_total{org,provider}` (provider errors and refusals)
- `switchboard_router_fallbacks_total{org,task}` (answers that came after a failed provider)
- `switchboard_router_spend_usd_total{org,provider}`
- `switchboard_router_budget_remaining_usd{org,period}` (after the latest settlement)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from redis.asyncio import Redis

COUNTERS = "sb:metrics:router"
BUDGET = "sb:metrics:budget"


def count(pipe: Any, rows: Iterable[dict[str, Any]]) -> None:
    """Stage the counter increments of newly stored ledger rows on a Redis pipeline."""
    for r in rows:
        pipe.hincrby(COUNTERS, f"calls|{r['org']}|{r['provider']}|{r['model']}|{r['status']}", 1)
        if r["status"] in ("error", "refused"):
            pipe.hincrby(COUNTERS, f"errors|{r['org']}|{r['provider']}", 1)
        if r["status"] in ("ok", "degraded") and r["path"]:
            pipe.hincrby(COUNTERS, f"fallbacks|{r['org']}|{r['task']}", 1)
        if r["cost"]:
            pipe.hincrby(COUNTERS, f"spend|{r['org']}|{r['provider']}", int(r["cost"]))


class _Snapshot:
    def __init__(self, counters: dict[str, str], budget: dict[str, str]) -> None:
        self.counters, self.budget = counters, budget

    def collect(self) -> Iterator[Metric]:
        calls = CounterMetricFamily(
            "switchboard_router_calls",
            "Router calls by outcome",
            labels=["org", "provider", "model", "outcome"],
        )
        errors = CounterMetricFamily(
            "switchboard_router_errors", "Provider errors", labels=["org", "provider"]
        )
        fallbacks = CounterMetricFamily(
            "switchboard_router_fallbacks",
            "Answers after a failed provider",
            labels=["org", "task"],
        )
        spend = CounterMetricFamily(
            "switchboard_router_spend_usd", "Spend in USD", labels=["org", "provider"]
        )
        families = {"calls": calls, "errors": errors, "fallbacks": fallbacks, "spend": spend}
        for field, value in self.counters.items():
            kind, *labels = field.split("|")
            amount = int(value) / 1e6 if kind == "spend" else float(value)
            families[kind].add_metric(labels, amount)
        remaining = GaugeMetricFamily(
            "switchboard_router_budget_remaining_usd",
            "Budget left after the latest settlement",
            labels=["org", "period"],
        )
        for field, value in self.budget.items():
            remaining.add_metric(field.split("|"), int(value) / 1e6)
        yield from (*families.values(), remaining)


async def exposition(redis: Redis) -> bytes:
    """The router's metrics in Prometheus text format."""
    pipe = redis.pipeline(transaction=False)
    pipe.hgetall(COUNTERS)
    pipe.hgetall(BUDGET)
    counters, budget = await pipe.execute()
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(counters, budget))
    return generate_latest(registry)
