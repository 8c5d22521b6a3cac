"""Budgets enforced atomically in Redis, across requests and processes.

Before a paid call the router reserves its worst-case cost (a lease); afterwards it settles the
lease to the actual cost, which also appends the call's ledger rows in the same script. A lease
whose holder died is returned to the budget when it expires. Amounts are integer micro-dollars.
When Redis cannot be reached nothing is reserved, so nothing paid may run: we fail closed.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

from routing.pricebook import MICRO
from store.errors import Retriable

LUA = Path(__file__).parent / "lua"
LEDGER_STREAM = "sb:ledger"
LEDGER_MAXLEN = 1_000_000


class BudgetUnavailable(Retriable):
    """The budget store cannot be reached; paid calls are refused until it can."""

    code = "budget_unavailable"


@dataclass(frozen=True)
class BudgetLimits:
    """Hard limits in micro-dollars; None is "no limit"."""

    daily: int | None = None
    monthly: int | None = None
    task_daily: int | None = None
    task_monthly: int | None = None
    soft_ratio: float = 0.8

    @classmethod
    def from_usd(
        cls,
        daily: float | None,
        monthly: float | None,
        task_daily: float | None = None,
        task_monthly: float | None = None,
        soft_ratio: float = 0.8,
    ) -> BudgetLimits:
        def micros(value: float | None) -> int | None:
            return None if value is None else round(value * MICRO)

        return cls(
            micros(daily), micros(monthly), micros(task_daily), micros(task_monthly), soft_ratio
        )

    def args(self) -> list[int]:
        return [
            -1 if v is None else v
            for v in (self.daily, self.monthly, self.task_daily, self.task_monthly)
        ]


@dataclass
class Lease:
    org_id: str
    task: str
    amount: int
    day_key: str
    month_key: str
    key: str
    settled: bool = False


@dataclass(frozen=True)
class Denied:
    limit: str  # daily | monthly | task_daily | task_monthly
    used: int
    cap: int


@dataclass
class Settlement:
    day_spent: int
    month_spent: int
    crossed: list[str] = field(default_factory=list)  # e.g. ["daily:soft"]


def _keys(org_id: str, now: datetime) -> tuple[str, str, str]:
    tag = "{" + org_id + "}"  # one hash slot per organization, should Redis be a cluster
    return (
        f"sb:b:{tag}:d:{now:%Y-%m-%d}",
        f"sb:b:{tag}:m:{now:%Y-%m}",
        f"sb:b:{tag}:leases",
    )


class Budget:
    """reserve → (extend) → settle, each one Lua script run atomically by Redis."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._reserve = redis.register_script((LUA / "reserve.lua").read_text())
        self._extend = redis.register_script((LUA / "extend.lua").read_text())
        self._settle = redis.register_script((LUA / "settle.lua").read_text())

    async def reserve(
        self, org_id: str, task: str, amount: int, limits: BudgetLimits, *, ttl_s: float
    ) -> Lease | Denied:
        now = datetime.now(UTC)
        day, month, leases = _keys(org_id, now)
        key = f"sb:b:{{{org_id}}}:lease:{uuid.uuid4().hex}"
        now_ms = int(time.time() * 1000)
        args = [amount, now_ms, now_ms + int(ttl_s * 1000), task, *limits.args()]
        result = await self._run(self._reserve, [day, month, leases, key], args)
        if int(result[0]) != 1:
            return Denied(limit=_text(result[1]), used=int(result[2]), cap=int(result[3]))
        return Lease(org_id, task, amount, day, month, key)

    async def extend(self, lease: Lease, amount: int, limits: BudgetLimits) -> bool:
        keys = [
            lease.day_key,
            lease.month_key,
            _keys(lease.org_id, datetime.now(UTC))[2],
            lease.key,
        ]
        result = await self._run(self._extend, keys, [amount, lease.task, *limits.args()])
        if int(result[0]) == 1:
            lease.amount += amount
            return True
        return False

    async def settle(
        self, lease: Lease, actual: int, limits: BudgetLimits, rows: list[dict[str, Any]]
    ) -> Settlement:
        """Book `actual` (0 releases everything) and append the ledger rows, once."""
        if lease.settled:
            raise RuntimeError("lease settled twice")
        keys = [
            lease.day_key,
            lease.month_key,
            _keys(lease.org_id, datetime.now(UTC))[2],
            lease.key,
            LEDGER_STREAM,
            "sb:metrics:budget",
        ]
        args: list[Any] = [
            actual,
            lease.task,
            LEDGER_MAXLEN,
            *limits.args()[:2],
            limits.soft_ratio,
            lease.org_id,
            *(orjson.dumps(r) for r in rows),
        ]
        result = await self._run(self._settle, keys, args)
        lease.settled = True
        return Settlement(int(result[0]), int(result[1]), [_text(c) for c in result[2]])

    async def record(self, rows: list[dict[str, Any]]) -> None:
        """Ledger rows of calls that cost nothing and held no lease (local, refused)."""
        if not rows:
            return
        try:
            pipe = self._redis.pipeline(transaction=False)
            for row in rows:
                pipe.xadd(
                    LEDGER_STREAM,
                    {"row": orjson.dumps(row)},
                    maxlen=LEDGER_MAXLEN,
                    approximate=True,
                )
            await pipe.execute()
        except (RedisError, OSError) as exc:
            raise BudgetUnavailable("the budget store is unreachable", retry_after=2) from exc

    async def usage(self, org_id: str) -> dict[str, int]:
        """Spent and held today and this month, in micro-dollars."""
        day, month, _ = _keys(org_id, datetime.now(UTC))
        try:
            pipe = self._redis.pipeline(transaction=False)
            pipe.hmget(day, "spent", "held")
            pipe.hmget(month, "spent", "held")
            (ds, dh), (ms, mh) = await pipe.execute()
        except (RedisError, OSError) as exc:
            raise BudgetUnavailable("the budget store is unreachable", retry_after=2) from exc
        return {
            "day_spent": int(ds or 0),
            "day_held": int(dh or 0),
            "month_spent": int(ms or 0),
            "month_held": int(mh or 0),
        }

    async def _run(self, script: Any, keys: list[str], args: list[Any]) -> Any:
        try:
            return await script(keys=keys, args=args)
        except (RedisError, OSError) as exc:
            raise BudgetUnavailable("the budget store is unreachable", retry_after=2) from exc


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
