"""Spend ledger rows: built by the router, carried by a Redis stream (appended in the same
atomic script that settles the budget), and moved into PostgreSQL by `LedgerFlusher`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class LedgerRow:
    org_id: str
    task: str
    provider: str
    model: str
    status: str  # ok | error | refused | degraded | cancelled
    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0
    cost_micros: int = 0
    estimated_micros: int = 0
    latency_ms: int = 0
    fallback_path: list[str] = field(default_factory=list)
    reason: str | None = None
    error: str | None = None
    request_id: str | None = None
    message_id: str | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "org": self.org_id,
            "task": self.task,
            "provider": self.provider,
            "model": self.model,
            "status": self.status,
            "in": self.input_tokens,
            "out": self.output_tokens,
            "cached": self.cached_input_tokens,
            "cost": self.cost_micros,
            "est": self.estimated_micros,
            "ms": self.latency_ms,
            "path": self.fallback_path,
            "reason": (self.reason or "")[:500] or None,
            "error": (self.error or "")[:500] or None,
            "req": self.request_id,
            "msg": self.message_id,
            "at": self.at,
        }
