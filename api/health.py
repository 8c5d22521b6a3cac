"""Liveness, readiness (naming what is down) and Prometheus metrics."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.exceptions import RedisError
from sqlalchemy import text

from api.errors import error_response
from api.runtime import Runtime, with_timeout
from routing import metrics as router_metrics

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


async def _postgres(runtime: Runtime) -> str | None:
    async with runtime.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    return None


async def _redis(runtime: Runtime) -> str | None:
    return None if await runtime.redis.ping() else "no PONG"


async def _nats(runtime: Runtime) -> str | None:
    if runtime.nats is None or not runtime.nats.is_connected:
        return "not connected"
    await runtime.nats.flush(timeout=1)
    return None


@router.get("/ready")
async def ready(request: Request) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    probes = {
        "postgres": lambda: _postgres(runtime),
        "redis": lambda: _redis(runtime),
        "nats": lambda: _nats(runtime),
        **runtime.extra_probes,
    }
    checks: dict[str, str] = {}
    if "serve" not in probes:
        if runtime.settings.serve_enabled:
            probes["serve"] = _serve_absent
        else:
            checks["serve"] = "disabled"  # the API runs outside Ray (tests, `uvicorn api.main`)
    results = await asyncio.gather(*(with_timeout(p) for p in probes.values()))
    down = [name for name, r in zip(probes, results, strict=True) if r is not None]
    for name, reason in zip(probes, results, strict=True):
        checks[name] = "ok" if reason is None else f"down: {reason}"
    if down:
        return error_response(
            503, "not_ready", f"not ready: {', '.join(down)} down", {"checks": checks, "down": down}
        )
    return JSONResponse({"status": "ready", "checks": checks})


async def _serve_absent() -> str | None:
    return "application not deployed"


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """This process's metrics, plus the router's, which every process counts in Redis."""
    runtime: Runtime = request.app.state.runtime
    try:
        shared = await asyncio.wait_for(router_metrics.exposition(runtime.redis), 2)
    except (TimeoutError, OSError, RedisError):
        shared = b"# router metrics unavailable: Redis unreachable\n"
    return Response(generate_latest() + shared, media_type=CONTENT_TYPE_LATEST)
