"""An organization's routing policy: one JSON document (YAML accepted), validated when saved.

Model ids are `provider:model` from the price book, or `local`. A task's `models` list is its
preference order; `"strategy": "cheapest"` picks the cheapest eligible one instead.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from routing.contract import TASKS, Task
from routing.pricebook import (
    QUALITY_TIERS,
    PriceBook,
    PriceMissing,
    UnknownModel,
    default_price_book,
    provider_of,
)
from store.errors import BadInput

PROVIDERS = ("openai", "anthropic", "google")
LOCAL = "local"
# Every task answers in chat form; a task that is streamed needs streaming models.
TASK_CAPABILITIES: dict[str, tuple[str, ...]] = {task: ("chat",) for task in TASKS}
DEFAULT_MAX_OUTPUT: dict[str, int] = {
    "classify_fallback": 64,
    "draft": 600,
    "translate": 1200,
    "summarize": 300,
}
DEFAULT_MODELS = [
    "openai:gpt-4o-mini",
    "anthropic:claude-haiku-4-5",
    "google:gemini-2.5-flash",
    LOCAL,
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProviderSettings(_Strict):
    base_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://")
    # Write-only: read back as null with `api_key_set`; omitted in a PUT keeps the stored one.
    api_key: SecretStr | None = Field(default=None, max_length=500)


class Limits(_Strict):
    daily_usd: float | None = Field(default=None, ge=0)
    monthly_usd: float | None = Field(default=None, ge=0)


class Budgets(Limits):
    soft_ratio: float = Field(default=0.8, gt=0, le=1)


class TaskPolicy(_Strict):
    models: list[str] = Field(default_factory=lambda: list(DEFAULT_MODELS), min_length=1)
    strategy: Literal["preference", "cheapest"] = "preference"
    quality: Literal["economy", "standard", "premium"] = "standard"
    max_cost_usd: float | None = Field(default=None, gt=0)
    max_output_tokens: int | None = Field(default=None, ge=1, le=200_000)
    timeout_s: float = Field(default=30.0, gt=0, le=600)
    stream: bool = False
    budgets: Limits | None = None

    def output_tokens(self, task: str) -> int:
        return self.max_output_tokens or DEFAULT_MAX_OUTPUT[task]


class RoutingPolicy(_Strict):
    providers: dict[str, ProviderSettings] = Field(default_factory=dict)
    tasks: dict[str, TaskPolicy] = Field(default_factory=dict)
    budgets: Budgets = Field(default_factory=lambda: Budgets(daily_usd=5.0, monthly_usd=100.0))
    allowed_providers: list[str] | None = None  # data residency: only these may be called
    escalation_threshold: float = Field(default=0.6, ge=0, le=1)
    mask_pii: bool = True

    @field_validator("providers")
    @classmethod
    def _known_providers(cls, value: dict[str, ProviderSettings]) -> dict[str, ProviderSettings]:
        unknown = sorted(set(value) - set(PROVIDERS))
        if unknown:
            raise ValueError(f"unknown providers {unknown}; known: {list(PROVIDERS)}")
        return value

    @field_validator("tasks")
    @classmethod
    def _known_tasks(cls, value: dict[str, TaskPolicy]) -> dict[str, TaskPolicy]:
        unknown = sorted(set(value) - set(TASKS))
        if unknown:
            raise ValueError(f"unknown tasks {unknown}; known: {list(TASKS)}")
        return value

    @field_validator("allowed_providers")
    @classmethod
    def _allowed(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and set(value) - {*PROVIDERS, LOCAL}:
            raise ValueError(f"allowed_providers may name {[*PROVIDERS, LOCAL]}")
        return value

    @model_validator(mode="after")
    def _fill_tasks(self) -> RoutingPolicy:
        # Tasks left out get the default chain, minus providers the residency rule excludes.
        defaults = [m for m in DEFAULT_MODELS if self.allows(m)] or [LOCAL]
        for task in TASKS:
            self.tasks.setdefault(task, TaskPolicy(models=list(defaults)))
        return self

    def task(self, task: Task | str) -> TaskPolicy:
        return self.tasks[task]

    def allows(self, model_id: str) -> bool:
        allowed = self.allowed_providers
        return allowed is None or provider_of(model_id) in allowed


def validate_policy(policy: RoutingPolicy, book: PriceBook | None = None) -> None:
    """Reject what would fail at call time: unknown or unpriced models, repeats (cycles),
    outputs no model can hold, capability mismatches, residency breaches, impossible caps."""
    book = book or default_price_book()
    problems: list[dict[str, Any]] = []
    for task, rules in policy.tasks.items():
        problems.extend(_task_problems(task, rules, policy, book))
    if problems:
        raise BadInput(
            "the routing policy is invalid: " + "; ".join(p["message"] for p in problems),
            details=problems,
            code="invalid_policy",
        )


def _task_problems(
    task: str, rules: TaskPolicy, policy: RoutingPolicy, book: PriceBook
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def bad(model: str, message: str) -> None:
        out.append({"task": task, "model": model, "message": f"{task}: {message}"})

    seen: set[str] = set()
    for model in rules.models:
        if model in seen:
            bad(model, f"{model} is listed twice (a fallback cycle)")
            continue
        seen.add(model)
        if model != LOCAL and provider_of(model) not in PROVIDERS:
            bad(model, f"{model} names no known provider; use provider:model or 'local'")
            continue
        try:
            entry = book.entry(model)
            rate = book.rate(model)
        except (UnknownModel, PriceMissing) as exc:
            bad(model, exc.message)
            continue
        if not policy.allows(model):
            bad(model, f"{model} is outside allowed_providers {policy.allowed_providers}")
        needed = set(TASK_CAPABILITIES[task]) | ({"stream"} if rules.stream else set())
        missing = sorted(needed - set(entry.capabilities))
        if missing:
            bad(model, f"{model} lacks {missing}")
        wanted = rules.output_tokens(task)
        if wanted > entry.max_output_tokens or wanted >= entry.context_window:
            bad(model, f"{model} cannot write {wanted} tokens (max {entry.max_output_tokens})")
        if rules.max_cost_usd is not None and model != LOCAL:
            floor = rate.worst_case_micros(64, wanted) / 1_000_000
            if floor > rules.max_cost_usd:
                bad(
                    model,
                    f"{model} costs up to ${floor:.4f} even for a short prompt, over "
                    f"max_cost_usd ${rules.max_cost_usd}",
                )
    if rules.quality not in QUALITY_TIERS:  # pragma: no cover - pydantic checks it first
        bad("", f"unknown quality {rules.quality}")
    return out
