"""API latency benchmark: GET /api/v1/conversations (50 rows of 10k) at 64 concurrent clients.

Runs against a live stack (`make up`, or any URL): registers a fresh organization, seeds 10,000
conversations straight into PostgreSQL, then drives the list endpoint and, as the in-run
baseline, GET /health (the floor of the HTTP path). Prints p50/p95/p99 and requests/s.

    .venv/bin/python bench/api.py                      # reads .switchboard/stack.json
    .venv/bin/python bench/api.py --url http://127.0.0.1:8000 --database-url postgresql://...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg

from store.migrate import sync_url

ROWS = 10_000


def load_stack(args: argparse.Namespace) -> tuple[str, str]:
    stack_file = Path(os.environ.get("DATA_DIR", ".switchboard")) / "stack.json"
    stack = json.loads(stack_file.read_text()) if stack_file.exists() else {}
    url = args.url or stack.get("api_url") or "http://127.0.0.1:8000"
    db = args.database_url or os.environ.get("DATABASE_URL") or stack.get("database_url")
    if not db:
        raise SystemExit("no database URL: run `make up` first or pass --database-url")
    return url.rstrip("/"), db


async def register(client: httpx.AsyncClient) -> tuple[str, str]:
    tag = uuid.uuid4().hex[:8]
    r = await client.post(
        "/api/v1/auth/register",
        json={
            "email": f"bench-{tag}@example.com",
            "password": "benchmark password",
            "name": "Bench",
            "organization_name": f"Bench {tag}",
        },
    )
    r.raise_for_status()
    body = r.json()
    return body["organization"]["id"], body["access_token"]


def seed(database_url: str, org_id: str, rows: int) -> None:
    dsn = sync_url(database_url).replace("postgresql+psycopg://", "postgresql://")
    now = datetime.now(UTC)
    statuses = ["open", "pending", "snoozed", "resolved"]
    priorities = ["urgent", "high", "normal", "low"]
    with (
        psycopg.connect(dsn) as conn,
        conn.cursor() as cur,
        cur.copy(
            "COPY conversations (id, organization_id, channel, subject, status, priority, tags, "
            "last_message_at, created_at, updated_at) FROM STDIN"
        ) as copy,
    ):
        for i in range(rows):
            at = now - timedelta(seconds=i * 37)
            copy.write_row(
                (
                    uuid.uuid4(),
                    org_id,
                    "email",
                    f"Order question #{i}",
                    statuses[i % 4],
                    priorities[i % 4],
                    "[]",
                    at,
                    at,
                    at,
                )
            )
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("ANALYZE conversations")


async def drive(
    url: str, path: str, headers: dict[str, str], concurrency: int, total: int
) -> tuple[list[float], float, int]:
    latencies: list[float] = []
    errors = 0
    remaining = total
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(
        base_url=url, headers=headers, limits=limits, timeout=30
    ) as client:

        async def worker() -> None:
            nonlocal remaining, errors
            while remaining > 0:
                remaining -= 1
                t0 = time.perf_counter()
                r = await client.get(path)
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    errors += 1

        for _ in range(concurrency):  # warm the connections
            await client.get(path)
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return latencies, elapsed, errors


def summary(name: str, latencies: list[float], elapsed: float, errors: int) -> dict[str, float]:
    q = statistics.quantiles(latencies, n=100)
    row = {
        "p50_ms": q[49] * 1000,
        "p95_ms": q[94] * 1000,
        "p99_ms": q[98] * 1000,
        "rps": len(latencies) / elapsed,
        "errors": errors,
    }
    print(
        f"{name:<34} p50 {row['p50_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  "
        f"p99 {row['p99_ms']:7.1f} ms  {row['rps']:7.1f} req/s  errors {errors}"
    )
    return row


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url")
    parser.add_argument("--database-url")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    url, database_url = load_stack(args)
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        org_id, token = await register(client)
    t0 = time.perf_counter()
    seed(database_url, org_id, ROWS)
    print(f"seeded {ROWS} conversations in {time.perf_counter() - t0:.1f} s; target {url}")
    headers = {"Authorization": f"Bearer {token}"}
    base = summary(
        "baseline GET /health", *await drive(url, "/health", {}, args.concurrency, args.requests)
    )
    conv = summary(
        "GET /api/v1/conversations?limit=50",
        *await drive(
            url, "/api/v1/conversations?limit=50", headers, args.concurrency, args.requests
        ),
    )
    print(
        f"concurrency {args.concurrency}; list/health: p95 x{conv['p95_ms'] / base['p95_ms']:.2f}"
        f", throughput {conv['rps'] / base['rps']:.0%} of baseline; target p95 < 200 ms: "
        f"{'met' if conv['p95_ms'] < 200 else 'NOT met'}"
    )


if __name__ == "__main__":
    asyncio.run(main())
