"""Rate limits kept in Redis so every API replica shares them (fixed windows, atomic INCR)."""

from __future__ import annotations

import time

from limits import RateLimitItem, parse
from redis.asyncio import Redis

from store.errors import RateLimited

_SCRIPT = """
local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return current
"""


class RateLimiter:
    """`limits` parses the policy strings; the counter is one Lua round trip on our own pool."""

    def __init__(self, redis: Redis, *, enabled: bool = True) -> None:
        self._redis = redis
        self._script = redis.register_script(_SCRIPT)
        self.enabled = enabled

    async def hit(self, policy: str, *identifiers: str) -> None:
        """Count one hit against `policy` for the identifiers; raise RateLimited past the limit."""
        if not self.enabled:
            return
        item: RateLimitItem = parse(policy)
        window = item.get_expiry()
        now = int(time.time())
        window_start = now - now % window
        key = "rl:" + ":".join((item.key_for(*identifiers), str(window_start)))
        count = int(await self._script(keys=[key], args=[window]))
        if count > item.amount:
            raise RateLimited(
                f"too many requests: limit is {policy}",
                retry_after=window_start + window - now,
                details={"limit": policy},
            )
