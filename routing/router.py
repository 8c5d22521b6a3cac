"""The cost-aware router: decide, reserve the worst case, call with retries and failover,
settle to the actual cost, write the ledger, and degrade to the local provider when paying
is not possible.

A plain class (tested in-process); `serve/router.py` hosts it as the `Router` deployment.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping

from routing.attempts import Attempt, RetryPolicy, call_with_retries
from routing.breaker import Breakers
from routing.budget import Budget, BudgetLimits, BudgetUnavailable, Denied
from routing.calls import (
    NoRoute,
    PolicySource,
    Prepared,
    ProviderRejected,
    Refused,
    ResolvedPolicy,
    RouteRequest,
    RouteResult,
    ledger_status,
    no_route_error,
    stop_error,
)
from routing.contract import Completion, ProviderRequest, Source, TaskContext
from routing.decision import Option, plan
from routing.endpoints import EnvEndpoints, resolve
from routing.ledger import LedgerRow
from routing.masking import Masking, mask_messages
from routing.policy import RoutingPolicy, TaskPolicy
from routing.pricebook import MICRO, PriceBook, default_price_book
from routing.providers.base import Provider, ProviderError
from routing.tokens import worst_case_prompt_tokens
from store.errors import BadInput

log = logging.getLogger(__name__)
Alert = Callable[[str, list[str], dict[str, int]], Awaitable[None]]
# The call contract lives in routing/calls.py; importing it from here keeps working.
__all__ = [
    "Alert",
    "NoRoute",
    "PolicySource",
    "Prepared",
    "ProviderRejected",
    "Refused",
    "ResolvedPolicy",
    "RouteRequest",
    "RouteResult",
    "Router",
]


class Router:
    def __init__(
        self,
        *,
        budget: Budget,
        policies: PolicySource,
        providers: Mapping[str, Provider],
        book: PriceBook | None = None,
        breakers: Breakers | None = None,
        retry: RetryPolicy | None = None,
        env: EnvEndpoints | None = None,
        on_alert: Alert | None = None,
        knowledge: Callable[[str, str], Awaitable[list[tuple[Source, str]]]] | None = None,
    ) -> None:
        self.budget = budget
        self.policies = policies
        self.providers = providers
        self.book = book or default_price_book()
        self.breakers = breakers or Breakers()
        self.retry = retry or RetryPolicy()
        self.env = env or EnvEndpoints.from_settings()
        self.on_alert = on_alert
        self.knowledge = knowledge

    # -- deciding ---------------------------------------------------------------------------
    async def prepare(self, call: RouteRequest) -> Prepared:
        resolved = await self.policies.get(call.org_id)
        policy = resolved.policy
        if call.task not in policy.tasks:
            raise BadInput(f"unknown task {call.task!r}", details={"tasks": list(policy.tasks)})
        rules = policy.task(call.task)
        outbound, masking = (
            mask_messages(call.messages) if policy.mask_pii else (call.messages, Masking())
        )
        decided = plan(
            policy=policy,
            task=call.task,
            book=self.book,
            prompt_tokens=worst_case_prompt_tokens(outbound),
            endpoint_of=lambda p: resolve(p, policy, resolved.keys, self.env),
            breakers=self.breakers,
            requested=None if call.model in (None, "", "auto") else call.model,
            max_tokens=call.max_tokens,
        )
        limits = _limits(policy, rules)
        prepared = Prepared(call, rules, limits, decided, outbound, masking)
        if decided.options:
            await self._reserve(prepared)
        return prepared

    async def _reserve(self, prepared: Prepared) -> None:
        """Primary + the costliest fallback hop; else the primary alone; else degrade."""
        options = prepared.plan.options
        ttl = prepared.rules.timeout_s * (self.retry.retries + 1) * len(options) + 60
        primary = options[0].worst_micros
        hop = max((o.worst_micros for o in options[1:]), default=0)
        try:
            denied = ""
            for amount in dict.fromkeys((primary + hop, primary)):
                got = await self.budget.reserve(
                    prepared.call.org_id, prepared.call.task, amount, prepared.limits, ttl_s=ttl
                )
                if isinstance(got, Denied):
                    denied = got.limit
                    continue
                prepared.lease = got
                if amount == primary:
                    del options[1:]  # no budget for a paid fallback: local only after this
                return
            prepared.degraded = "budget"
            prepared.plan.reason += f"; budget: {denied} limit reached"
        except BudgetUnavailable:
            prepared.degraded = "budget_unavailable"
            prepared.plan.reason += "; budget store unreachable: paid calls refused"
        prepared.plan.options = []

    # -- calling ----------------------------------------------------------------------------
    async def complete(self, call: RouteRequest) -> RouteResult:
        prepared = await self.prepare(call)
        try:
            for option in prepared.plan.options:
                if not await self._may_try(prepared, option):
                    continue
                attempt = Attempt(option)
                prepared.attempts.append(attempt)
                try:
                    completion = await call_with_retries(
                        self.providers[option.provider],
                        self._request(prepared, option),
                        attempt,
                        self.breakers,
                        self.retry,
                    )
                except ProviderError as exc:
                    attempt.error = exc
                    attempt.finish()
                    if exc.kind in ("refusal", "invalid"):
                        await self._close(prepared, None, None)
                        raise stop_error(exc) from None
                    continue
                attempt.finish()
                actual, path = await self._close(prepared, attempt, completion)
                completion.text = prepared.masking.unmask(completion.text)
                return self._result(prepared, option, completion, actual, path)
            await self._close(prepared, None, None)
        except BaseException:
            if prepared.lease is not None and not prepared.lease.settled:
                await asyncio.shield(self._close(prepared, None, None))
            raise
        return await self._local(prepared)

    async def _may_try(self, prepared: Prepared, option: Option) -> bool:
        tried = {a.option.provider for a in prepared.attempts}
        if option.provider in tried or not self.breakers.allow(option.breaker_key):
            return False
        if len(prepared.attempts) < 2 or prepared.lease is None:
            return True  # the lease covers the primary and one fallback hop
        return await self.budget.extend(prepared.lease, option.worst_micros, prepared.limits)

    def _request(self, prepared: Prepared, option: Option) -> ProviderRequest:
        call = prepared.call
        return ProviderRequest(
            model=option.model,
            messages=prepared.external_messages,
            max_tokens=prepared.plan.max_tokens,
            temperature=call.temperature,
            stop=call.stop,
            timeout_s=prepared.rules.timeout_s,
            context=call.context,
        )

    async def _local(self, prepared: Prepared) -> RouteResult:
        call, decided = prepared.call, prepared.plan
        failed = [a.option.model_id for a in prepared.attempts]
        if failed and prepared.degraded is None:
            prepared.degraded = "providers_failed"
        if decided.local is None:
            raise no_route_error(prepared)
        started = time.perf_counter()
        request = ProviderRequest(
            model="local",
            messages=call.messages,
            max_tokens=decided.max_tokens,
            context=call.context or await self._chat_context(call),
        )
        try:
            completion = await self.providers["local"].complete(request, decided.local.endpoint)
        except ProviderError as exc:  # e.g. classification: the local heads already answered
            raise NoRoute(
                f"the local provider cannot do {call.task}: {exc.message}", retry_after=60
            ) from None
        row = self._row(prepared, decided.local, completion, 0, "ok", failed)
        row.latency_ms = int((time.perf_counter() - started) * 1000)
        if prepared.degraded:
            row.status = "degraded"
        try:
            await self.budget.record([row.as_dict()])
        except BudgetUnavailable:  # a free answer is still given; only its $0 row is lost
            log.warning("ledger unreachable: a local call went unrecorded")
        return self._result(prepared, decided.local, completion, 0, failed)

    async def _chat_context(self, call: RouteRequest) -> TaskContext | None:
        """A plain chat answered locally still drafts from the organization's knowledge."""
        users = [m.content for m in call.messages if m.role == "user"]
        if self.knowledge is None or not users or call.task != "draft":
            return None
        history = [m for m in call.messages[:-1] if m.role != "system"]
        hits = await self.knowledge(call.org_id, users[-1])
        return TaskContext(call.org_id, "draft", text=users[-1], history=history, knowledge=hits)

    async def _close(
        self,
        prepared: Prepared,
        winner: Attempt | None,
        completion: Completion | None,
        outcome: str = "ok",
    ) -> tuple[int, list[str]]:
        """Settle the lease to what was spent and write every attempt to the ledger; returns
        the actual cost and the models tried before the winner."""
        rows: list[LedgerRow] = []
        path: list[str] = []
        for attempt in prepared.attempts:
            for ms, error in attempt.failures:  # one row per call the provider answered badly
                row = self._row(prepared, attempt.option, None, 0, ledger_status(error), path[:])
                row.latency_ms, row.error = ms, error.message
                rows.append(row)
            if not attempt.failures and attempt is not winner:  # abandoned mid-call
                rows.append(self._row(prepared, attempt.option, None, 0, "cancelled", path[:]))
            if attempt is not winner:
                path.append(attempt.option.model_id)
        actual = 0
        if winner is not None and completion is not None:
            u = completion.usage
            actual = winner.option.rate.cost_micros(
                u.input_tokens, u.output_tokens, u.cached_input_tokens
            )
            row = self._row(prepared, winner.option, completion, actual, outcome, path)
            row.latency_ms = winner.try_ms()
            rows.append(row)
        if prepared.lease is not None:
            settled = await self.budget.settle(
                prepared.lease, actual, prepared.limits, [r.as_dict() for r in rows]
            )
            if settled.crossed and self.on_alert is not None:
                await self._alert(
                    prepared.call.org_id,
                    settled.crossed,
                    prepared.limits,
                    settled.day_spent,
                    settled.month_spent,
                )
        return actual, path

    async def _alert(
        self, org_id: str, crossed: list[str], limits: BudgetLimits, day: int, month: int
    ) -> None:
        info = {
            "day_spent": day,
            "month_spent": month,
            "daily_limit": limits.daily or -1,
            "monthly_limit": limits.monthly or -1,
        }
        try:
            assert self.on_alert is not None
            await self.on_alert(org_id, crossed, info)
        except Exception:  # an alert that cannot be sent must not fail a paid call
            log.exception("budget alert failed", extra={"org_id": org_id})

    def _row(
        self,
        prepared: Prepared,
        option: Option,
        completion: Completion | None,
        cost: int,
        status: str,
        path: list[str],
    ) -> LedgerRow:
        usage = completion.usage if completion else None
        return LedgerRow(
            org_id=prepared.call.org_id,
            task=prepared.call.task,
            provider=option.provider,
            model=option.model_id,
            status=status,
            input_tokens=usage.input_tokens if usage else 0,
            output_tokens=usage.output_tokens if usage else 0,
            cached_input_tokens=usage.cached_input_tokens if usage else 0,
            cost_micros=cost,
            estimated_micros=option.worst_micros,
            fallback_path=path,
            reason=prepared.plan.reason,
            request_id=prepared.call.request_id,
            message_id=prepared.call.message_id,
        )

    def _result(
        self,
        prepared: Prepared,
        option: Option,
        completion: Completion,
        cost: int,
        path: list[str],
    ) -> RouteResult:
        return RouteResult(
            completion=completion,
            model_id=option.model_id,
            provider=option.provider,
            cost_usd=cost / MICRO,
            estimated_cost_usd=option.worst_micros / MICRO,
            reason=prepared.plan.reason,
            fallback_path=path,
            request_id=prepared.call.request_id,
            degraded=prepared.degraded,
        )


def _limits(policy: RoutingPolicy, rules: TaskPolicy) -> BudgetLimits:
    b, t = policy.budgets, rules.budgets
    return BudgetLimits.from_usd(
        b.daily_usd,
        b.monthly_usd,
        t.daily_usd if t else None,
        t.monthly_usd if t else None,
        b.soft_ratio,
    )
