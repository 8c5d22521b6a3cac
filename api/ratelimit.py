"""Rate limits kept in Redis so every API replica shares them (fixed windows, atomic INCR)."""

from __future__ import annotations

import time

from limits import RateLimitItem, parse
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from store.errors import RateLimited


class RateLimiter:
    """`limits` parses the policy strings; the counter is one MULTI round trip on our own pool."""

    def __init__(self, redis: Redis, *, enabled: bool = True) -> None:
        self._redis = redis
        self.enabled = enabled

    async def hit(self, policy: str, *identifiers: str) -> None:
        """Count one hit against `policy` for the identifiers; raise RateLimited past the limit."""
        pipe = self._redis.pipeline(transaction=True)
        window = self.stage(pipe, policy, *identifiers)
        if window is not None:
            window.check((await pipe.execute())[-1])

    def stage(self, pipe: Pipeline, policy: str, *identifiers: str) -> _Window | None:
        """Queue the hit on a MULTI pipeline (one round trip with other work); `check` the last
        result after. No script here: a pipeline with EVALSHA first asks SCRIPT EXISTS."""
        if not self.enabled:
            return None
        window = _Window(policy, identifiers)
        pipe.set(window.key, 0, ex=window.seconds, nx=True)
        pipe.incr(window.key)
        return window


class _Window:
    """The fixed window a hit falls in, and the verdict on its count."""

    def __init__(self, policy: str, identifiers: tuple[str, ...]) -> None:
        self.policy = policy
        self.item: RateLimitItem = parse(policy)
        self.seconds = self.item.get_expiry()
        self.now = int(time.time())
        self.start = self.now - self.now % self.seconds
        self.key = "rl:" + ":".join((self.item.key_for(*identifiers), str(self.start)))

    def check(self, count: object) -> None:
        if int(str(count)) > self.item.amount:
            raise RateLimited(
                f"too many requests: limit is {self.policy}",
                retry_after=self.start + self.seconds - self.now,
                details={"limit": self.policy},
            )
