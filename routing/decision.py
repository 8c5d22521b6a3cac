"""The routing decision: which models to try for one call, in what order, and why.

Pure and fast (no I/O): the router calls it on every request; `bench/router.py` times it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from routing.breaker import Breakers
from routing.policy import LOCAL, RoutingPolicy, TaskPolicy
from routing.pricebook import PriceBook, Rate, model_name, provider_of
from routing.providers.base import Endpoint


@dataclass(frozen=True)
class Option:
    model_id: str
    provider: str
    model: str
    rate: Rate
    worst_micros: int
    endpoint: Endpoint

    @property
    def breaker_key(self) -> str:
        """Per endpoint and credential: one organization's exhausted rate limit (429s on its
        own key) must not open the circuit for another organization's key."""
        key = hashlib.sha256((self.endpoint.api_key or "").encode()).hexdigest()[:12]
        return f"{self.provider}|{self.endpoint.base_url or 'default'}|{key}"


@dataclass
class Plan:
    task: str
    options: list[Option]  # paid options, in the order they will be tried
    local: Option | None  # the free last resort, when the task allows it
    prompt_tokens: int
    max_tokens: int
    skipped: list[tuple[str, str]] = field(default_factory=list)
    reason: str = ""


def plan(
    *,
    policy: RoutingPolicy,
    task: str,
    book: PriceBook,
    prompt_tokens: int,
    endpoint_of: Callable[[str], Endpoint | None],
    breakers: Breakers,
    requested: str | None = None,
    max_tokens: int | None = None,
) -> Plan:
    """Eligible options for `task`: allowed, keyed, circuit closed, fits the context window,
    worst case within the task's `max_cost_usd`; ordered by preference or by price."""
    rules = policy.task(task)
    wanted = min(max_tokens or rules.output_tokens(task), rules.output_tokens(task) * 8)
    chain = _chain(rules, requested)
    result = Plan(task=task, options=[], local=None, prompt_tokens=prompt_tokens, max_tokens=wanted)
    for model_id in chain:
        option, why = _option(
            model_id, policy, rules, book, prompt_tokens, wanted, endpoint_of, breakers
        )
        if option is None:
            result.skipped.append((model_id, why))
        elif option.provider == LOCAL:
            result.local = option
        else:
            result.options.append(option)
    if rules.strategy == "cheapest" and not requested:
        _cheapest_first(result, book, rules)
    result.reason = _explain(result, rules, requested)
    return result


def _chain(rules: TaskPolicy, requested: str | None) -> list[str]:
    if not requested:
        return list(rules.models)
    return [requested, *(m for m in rules.models if m != requested)]


def _option(
    model_id: str,
    policy: RoutingPolicy,
    rules: TaskPolicy,
    book: PriceBook,
    prompt_tokens: int,
    wanted: int,
    endpoint_of: Callable[[str], Endpoint | None],
    breakers: Breakers,
) -> tuple[Option | None, str]:
    if not policy.allows(model_id):
        return None, "provider not allowed (residency)"
    provider = provider_of(model_id)
    entry, rate = book.entry(model_id), book.rate(model_id)  # unknown or unpriced: raises
    if provider == LOCAL:
        return Option(model_id, LOCAL, LOCAL, rate, 0, Endpoint()), ""
    endpoint = endpoint_of(provider)
    if endpoint is None:
        return None, "no API key configured"
    if prompt_tokens + wanted > entry.context_window:
        return None, f"prompt may exceed the {entry.context_window}-token context window"
    worst = rate.worst_case_micros(prompt_tokens, min(wanted, entry.max_output_tokens))
    if rules.max_cost_usd is not None and worst > rules.max_cost_usd * 1_000_000:
        return None, f"worst case ${worst / 1e6:.6f} over max_cost_usd ${rules.max_cost_usd}"
    option = Option(model_id, provider, model_name(model_id), rate, worst, endpoint)
    if not breakers.allow_soon(option.breaker_key):
        return None, "circuit open"
    return option, ""


def _cheapest_first(result: Plan, book: PriceBook, rules: TaskPolicy) -> None:
    meets = [o for o in result.options if book.meets(o.model_id, rules.quality)]
    below = [o for o in result.options if o not in meets]
    for option in below:
        result.skipped.append((option.model_id, f"below the {rules.quality} quality tier"))
    result.options = sorted(meets, key=lambda o: (o.worst_micros, o.model_id))


def _explain(result: Plan, rules: TaskPolicy, requested: str | None) -> str:
    how = (
        "requested model"
        if requested
        else f"cheapest meeting {rules.quality}"
        if rules.strategy == "cheapest"
        else "preference order"
    )
    first = result.options[0] if result.options else result.local
    head = (
        f"{how}: {first.model_id} (worst case ${first.worst_micros / 1e6:.6f})"
        if first
        else f"{how}: no eligible model"
    )
    skipped = "; ".join(f"{m} skipped: {why}" for m, why in result.skipped)
    return head + (f"; {skipped}" if skipped else "")
