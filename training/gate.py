"""The promotion gate: a challenger replaces the champion only when it is better on the same
held-out split by the organization's margin, and fast enough.

Both versions are scored as they serve on the gate split of the challenger's data (cut from
training data, never chosen on); the numbers are returned whatever the decision, so a refusal
can say exactly why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from store.errors import Conflict
from store.tables import Promotion
from training import sources
from training.evaluation import Scorer, evaluate, latency_ms

GATE_METRICS = ("accuracy", "macro_f1")


@dataclass(frozen=True)
class GateConfig:
    """When a challenger may replace the champion: better by `margin` on `metric` on the gate
    split, and no slower than `max_latency_p95_ms` per message."""

    metric: str = "accuracy"
    margin: float = 0.005
    max_latency_p95_ms: float = 100.0

    @classmethod
    def of(cls, settings: dict[str, Any] | None) -> GateConfig:
        raw = dict((settings or {}).get("promotion_gate") or {})
        config = cls(
            metric=str(raw.get("metric", cls.metric)),
            margin=float(raw.get("margin", cls.margin)),
            max_latency_p95_ms=float(raw.get("max_latency_p95_ms", cls.max_latency_p95_ms)),
        )
        if config.metric not in GATE_METRICS:
            raise ValueError(f"promotion_gate.metric must be one of {', '.join(GATE_METRICS)}")
        return config


def gate_numbers(
    scorer_for: Callable[[str], Scorer],
    challenger: str,
    champion: str | None,
    dataset: str,
    gate: GateConfig,
    extra: list[tuple[str, str]] | None = None,
    data_params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Both versions (`scorer_for(version)`) on the same gate split: the challenger's data
    with the organization's examples, cut as it was for training; and its latency."""
    data_params = data_params or {}
    source = sources.for_run(dataset, data_params)
    if extra:
        source.add(extra)
    split = sources.shaped(source, data_params).gate
    if not split:
        raise Conflict(f"the {dataset} data has no gate examples to compare on")
    numbers: dict[str, Any] = {
        "dataset": dataset,
        "gate_examples": len(split),
        "metric": gate.metric,
        "margin": gate.margin,
        "max_latency_p95_ms": gate.max_latency_p95_ms,
    }
    scorer = scorer_for(challenger)
    numbers["challenger"] = {
        "version": challenger,
        **evaluate(scorer, split),
        **latency_ms(scorer, [t for t, _ in split]),
    }
    if champion is not None:
        numbers["champion"] = {
            "version": champion,
            **evaluate(scorer_for(champion), split),
        }
    return numbers


def decide(numbers: dict[str, Any], gate: GateConfig) -> tuple[bool, str]:
    metric = gate.metric
    challenger = float(numbers["challenger"][metric])
    champion = float(numbers["champion"][metric]) if "champion" in numbers else None
    latency = float(numbers["challenger"]["latency_p95_ms"])
    if latency > gate.max_latency_p95_ms:
        return False, (
            f"p95 latency {latency:.1f} ms per message is over the limit of "
            f"{gate.max_latency_p95_ms:.1f} ms"
        )
    if champion is not None and challenger < champion + gate.margin:
        return False, (
            f"gate {metric} {challenger:.4f} does not beat the champion's {champion:.4f} "
            f"by the required margin {gate.margin}"
        )
    if champion is None:
        return True, f"no champion; gate {metric} {challenger:.4f}"
    return True, (
        f"gate {metric} {challenger:.4f} beats the champion's {champion:.4f} "
        f"by {challenger - champion:+.4f} (margin {gate.margin})"
    )


class GateFailed(Conflict):
    """A promotion the gate refused: 409 with the numbers."""

    def __init__(self, reason: str, record: Promotion) -> None:
        super().__init__(f"promotion refused: {reason}", details={"numbers": record.numbers})
        self.record = record
