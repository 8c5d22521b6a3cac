"""Autoscaling presets per deployment, in one place: ops pick one by name (`SERVE_SCALING`).

`fixed` is for one laptop (no scaling, least memory); `elastic` scales each deployment on its
queue, for a Ray cluster with room to grow. Numbers follow Serve's guidance: the target of
ongoing requests per replica sits below `max_ongoing_requests`, and the encoder's target is at
least one batch so replicas are not added while a batch is still filling.
"""

from __future__ import annotations

from typing import Any

PRESETS: dict[str, dict[str, dict[str, Any] | None]] = {
    "fixed": {"Ingress": None, "Embedder": None, "Classifier": None, "Router": None},
    "elastic": {
        "Ingress": {
            "min_replicas": 1,
            "max_replicas": 8,
            "target_ongoing_requests": 64,
            "upscale_delay_s": 10,
            "downscale_delay_s": 300,
        },
        "Embedder": {
            "min_replicas": 1,
            "max_replicas": 16,
            "target_ongoing_requests": 48,
            "upscale_delay_s": 5,
            "downscale_delay_s": 300,
        },
        "Classifier": {
            "min_replicas": 1,
            "max_replicas": 8,
            "target_ongoing_requests": 32,
            "upscale_delay_s": 5,
            "downscale_delay_s": 300,
        },
        # Router calls mostly wait on providers: many in flight per replica is cheap.
        "Router": {
            "min_replicas": 2,
            "max_replicas": 8,
            "target_ongoing_requests": 128,
            "upscale_delay_s": 10,
            "downscale_delay_s": 300,
        },
    },
}


def autoscaling(preset: str, deployment: str) -> dict[str, Any] | None:
    """The autoscaling config of `deployment` under `preset`, or None for a fixed replica count."""
    if preset not in PRESETS:
        raise ValueError(f"unknown scaling preset {preset!r}; choose one of {sorted(PRESETS)}")
    return PRESETS[preset][deployment]
