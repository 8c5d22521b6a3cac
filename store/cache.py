"""Redis client factory (counters, rate limits, token deny-lists, caches)."""

from __future__ import annotations

from redis.asyncio import Redis

from store.settings import Settings


def create_redis(settings: Settings) -> Redis:
    return Redis.from_url(
        settings.require("redis_url"),
        decode_responses=True,
        socket_timeout=5,
        socket_connect_timeout=5,
        health_check_interval=30,
    )
