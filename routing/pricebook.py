"""The price book: model prices, context windows and capabilities, read from YAML data.

Costs are computed in integer micro-dollars so that budgets add up exactly across processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from store.errors import BadInput

DEFAULT_PRICE_BOOK = Path(__file__).parent / "data" / "prices.yaml"
QUALITY_TIERS = ("economy", "standard", "premium")
MICRO = 1_000_000  # micro-dollars per dollar


class UnknownModel(BadInput):
    code = "unknown_model"


class PriceMissing(BadInput):
    code = "price_missing"


class _Price(BaseModel):
    model_config = ConfigDict(extra="forbid")

    effective: date
    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cached_input: float | None = Field(default=None, ge=0)


class _LongContext(BaseModel):
    model_config = ConfigDict(extra="forbid")

    above_tokens: int = Field(gt=0)
    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cached_input: float | None = Field(default=None, ge=0)


class ModelEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    context_window: int = Field(gt=0)
    max_output_tokens: int = Field(gt=0)
    quality: str
    capabilities: list[str]
    prices: list[_Price] = Field(min_length=1)
    long_context: _LongContext | None = None

    @model_validator(mode="after")
    def _check(self) -> ModelEntry:
        if self.quality not in QUALITY_TIERS:
            raise ValueError(f"quality must be one of {QUALITY_TIERS}")
        self.prices.sort(key=lambda p: p.effective)
        return self


@dataclass(frozen=True)
class Rate:
    """USD per million tokens in force for one model on one day."""

    model_id: str
    input: float
    output: float
    cached_input: float
    long_context: _LongContext | None

    def cost_micros(
        self, input_tokens: int, output_tokens: int, cached_input_tokens: int = 0
    ) -> int:
        """The exact cost of a call, rounded up to the micro-dollar (never under-charged)."""
        rate_in, rate_out, rate_cached = self.input, self.output, self.cached_input
        lc = self.long_context
        if lc is not None and input_tokens > lc.above_tokens:
            rate_in, rate_out = lc.input, lc.output
            rate_cached = lc.cached_input if lc.cached_input is not None else lc.input
        fresh = max(0, input_tokens - cached_input_tokens)
        # prices are per 1M tokens and results are in micro-dollars: the two millions cancel.
        total = fresh * rate_in + cached_input_tokens * rate_cached + output_tokens * rate_out
        return int(-(-round(total * 1000) // 1000))  # ceil, after trimming float noise

    def worst_case_micros(self, input_tokens: int, max_output_tokens: int) -> int:
        """Nothing cached and every output token used, at the long-context rate if reachable."""
        return self.cost_micros(input_tokens, max_output_tokens)


class PriceBook:
    """Looks up entries and the rate in force; unknown models and missing prices raise."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.version = str(data.get("version", "0"))
        raw = data.get("models") or {}
        if not isinstance(raw, dict) or not raw:
            raise ValueError("the price book lists no models")
        self.models: dict[str, ModelEntry] = {
            name: ModelEntry.model_validate(entry) for name, entry in raw.items()
        }

    @classmethod
    def load(cls, path: Path = DEFAULT_PRICE_BOOK) -> PriceBook:
        with path.open(encoding="utf-8") as handle:
            return cls(yaml.safe_load(handle))

    def entry(self, model_id: str) -> ModelEntry:
        found = self.models.get(model_id)
        if found is None:
            raise UnknownModel(
                f"model {model_id!r} is not in the price book; add it with its prices first",
                details={"model": model_id, "price_book_version": self.version},
            )
        return found

    def rate(self, model_id: str, on: date | None = None) -> Rate:
        entry = self.entry(model_id)
        day = on or date.today()
        in_force = [p for p in entry.prices if p.effective <= day]
        if not in_force:
            raise PriceMissing(
                f"model {model_id!r} has no price in force on {day.isoformat()}",
                details={"model": model_id, "day": day.isoformat()},
            )
        price = in_force[-1]
        cached = price.cached_input if price.cached_input is not None else price.input
        return Rate(model_id, price.input, price.output, cached, entry.long_context)

    def meets(self, model_id: str, quality: str) -> bool:
        return QUALITY_TIERS.index(self.entry(model_id).quality) >= QUALITY_TIERS.index(quality)


@lru_cache(maxsize=1)
def default_price_book() -> PriceBook:
    return PriceBook.load()


def provider_of(model_id: str) -> str:
    """`openai:gpt-4o-mini` → `openai`; `local` → `local`."""
    return model_id.split(":", 1)[0]


def model_name(model_id: str) -> str:
    """`openai:gpt-4o-mini` → `gpt-4o-mini`; `local` → `local`."""
    return model_id.split(":", 1)[1] if ":" in model_id else model_id


def resolve_model(book: PriceBook, name: str) -> str | None:
    """A client's model name as a price-book id: "auto" → None (the policy decides),
    `provider:model` and `local` as they are, a bare `gpt-4o-mini` when it is unambiguous."""
    if name in ("", "auto"):
        return None
    if ":" in name or name == "local":
        book.entry(name)
        return name
    matches = [m for m in book.models if model_name(m) == name]
    if len(matches) != 1:
        book.entry(name)  # raises UnknownModel with the usual message
    return matches[0]
