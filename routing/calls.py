"""What a routed call is and how it ends: the request, the result, what the router decided
before the first provider call, and the errors a call can end with."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from routing.attempts import Attempt
from routing.budget import BudgetLimits, Lease
from routing.contract import ChatMessage, Completion, TaskContext
from routing.decision import Plan
from routing.masking import Masking
from routing.policy import RoutingPolicy, TaskPolicy
from routing.providers.base import ProviderError
from store.errors import BadInput, BudgetExceeded, Retriable


class NoRoute(Retriable):
    """No model can take the call now (none eligible, or every provider failed)."""

    code = "no_route"


class Refused(BadInput):
    """The provider refused on content-safety grounds; no other provider is asked."""

    code = "content_refused"
    status = 422


class ProviderRejected(BadInput):
    """A 4xx that would fail at any provider (bad parameters)."""

    code = "provider_rejected"


@dataclass(frozen=True)
class ResolvedPolicy:
    policy: RoutingPolicy
    keys: Mapping[str, str]  # provider -> API key, decrypted


class PolicySource(Protocol):
    async def get(self, org_id: str) -> ResolvedPolicy: ...


@dataclass
class RouteRequest:
    org_id: str
    task: str
    messages: list[ChatMessage]
    model: str | None = None  # None or "auto": the task's policy decides
    max_tokens: int | None = None
    temperature: float | None = None
    stop: list[str] | None = None
    context: TaskContext | None = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    message_id: str | None = None


@dataclass
class RouteResult:
    completion: Completion
    model_id: str
    provider: str
    cost_usd: float
    estimated_cost_usd: float
    reason: str
    fallback_path: list[str]
    request_id: str
    degraded: str | None = None  # budget | budget_unavailable | providers_failed


@dataclass
class Prepared:
    """Everything decided before the first provider call."""

    call: RouteRequest
    rules: TaskPolicy
    limits: BudgetLimits
    plan: Plan
    external_messages: list[ChatMessage]
    masking: Masking  # puts the customer's details back into the provider's answer
    lease: Lease | None = None
    degraded: str | None = None
    attempts: list[Attempt] = field(default_factory=list)


def ledger_status(error: ProviderError) -> str:
    return "refused" if error.kind == "refusal" else "error"


def stop_error(exc: ProviderError) -> BadInput:
    if exc.kind == "refusal":
        return Refused(f"the provider refused the request: {exc.message}")
    return ProviderRejected(
        f"the provider rejected the request: {exc.message}", details={"status": exc.status}
    )


def no_route_error(prepared: Prepared) -> Exception:
    details: dict[str, Any] = {
        "task": prepared.call.task,
        "reason": prepared.plan.reason,
        "tried": [a.option.model_id for a in prepared.attempts],
    }
    if prepared.degraded == "budget":
        return BudgetExceeded(
            "the budget cannot cover this call and the task does not allow the local provider",
            details=details,
        )
    if prepared.degraded == "budget_unavailable":
        return NoRoute(
            "the budget store is unreachable; paid calls are refused",
            retry_after=2,
            details=details,
        )
    if prepared.attempts:
        return NoRoute("every eligible provider failed", retry_after=5, details=details)
    return NoRoute("no eligible model for this task", retry_after=30, details=details)
