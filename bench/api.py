"""API latency benchmark: GET /api/v1/conversations (50 rows of 10k) at 64 concurrent clients.

Runs against a live stack (`make up`, or any URL): registers an organization with one credential
per client (users' JWTs and API keys), seeds 10,000 conversations straight into PostgreSQL, then
drives the list endpoint with wrk (a C load generator: a Python client on the same 2 cores
measures itself) and, as the in-run baseline, GET /health (the floor of the HTTP path through
the Serve ingress).

    .venv/bin/python bench/api.py                  # reads .switchboard/stack.json
    .venv/bin/python bench/api.py --url http://127.0.0.1:8000 --database-url postgresql://...

Needs `wrk` (Debian: `apt-get install wrk`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg

from store.db import sync_url

ROWS = 10_000
HERE = Path(__file__).parent
PASSWORD = "benchmark password"


def load_stack(args: argparse.Namespace) -> tuple[str, str]:
    stack_file = Path(os.environ.get("DATA_DIR", ".switchboard")) / "stack.json"
    stack = json.loads(stack_file.read_text()) if stack_file.exists() else {}
    url = args.url or stack.get("api_url") or "http://127.0.0.1:8000"
    db = args.database_url or os.environ.get("DATABASE_URL") or stack.get("database_url")
    if not db:
        raise SystemExit("no database URL: run `make up` first or pass --database-url")
    return url.rstrip("/"), db


async def tokens_for_clients(url: str, clients: int) -> tuple[str, list[str]]:
    """A fresh organization and one credential per client (rate limits count per credential):
    half signed-in users (JWTs), half API keys, so both authentication paths carry load. Users
    are capped by the sign-in limit per address (60/minute by default)."""
    tag = uuid.uuid4().hex[:8]
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        r = await http.post(
            "/api/v1/auth/register",
            json={
                "email": f"bench-{tag}@example.com",
                "password": PASSWORD,
                "name": "Bench",
                "organization_name": f"Bench {tag}",
            },
        )
        r.raise_for_status()
        org_id, admin = r.json()["organization"]["id"], r.json()["access_token"]
        auth = {"Authorization": f"Bearer {admin}"}
        tokens = [admin]
        for i in range(1, min(clients // 2, 40)):
            email = f"bench-{tag}-{i}@example.com"
            made = await http.post(
                "/api/v1/users",
                headers=auth,
                json={"email": email, "name": f"Agent {i}", "role": "member", "password": PASSWORD},
            )
            made.raise_for_status()
            login = await sign_in(http, email)
            tokens.append(login.json()["access_token"])
        while len(tokens) < clients:
            key = await http.post(
                "/api/v1/api-keys",
                headers=auth,
                json={"name": f"client {len(tokens)}", "scopes": ["read:conversations"]},
            )
            key.raise_for_status()
            tokens.append(key.json()["key"])
    return org_id, tokens


async def sign_in(http: httpx.AsyncClient, email: str) -> httpx.Response:
    """Sign in, waiting out the sign-in rate limit (the stack's, not ours to lift)."""
    while True:
        login = await http.post(
            "/api/v1/auth/token", data={"username": email, "password": PASSWORD}
        )
        if login.status_code != 429:
            login.raise_for_status()
            return login
        await asyncio.sleep(int(login.headers.get("retry-after", "5")))


def seed(database_url: str, org_id: str, rows: int) -> None:
    dsn = sync_url(database_url).replace("postgresql+psycopg://", "postgresql://")
    now = datetime.now(UTC)
    statuses = ["open", "pending", "snoozed", "resolved"]
    priorities = ["urgent", "high", "normal", "low"]
    columns = (
        "id, organization_id, channel, subject, status, priority, tags, last_message_at, "
        "created_at, updated_at"
    )
    with (
        psycopg.connect(dsn) as conn,
        conn.cursor() as cur,
        cur.copy(f"COPY conversations ({columns}) FROM STDIN") as copy,
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


def wrk(url: str, token_file: str | None, concurrency: int, seconds: int) -> dict[str, float]:
    args = [
        "wrk",
        "-t1",
        f"-c{concurrency}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(HERE / "wrk_report.lua"),
        url,
    ]
    if token_file:
        args += ["--", token_file]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    row: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    row["rps"] = row["requests"] / row["seconds"]
    return row


def show(name: str, row: dict[str, float]) -> None:
    print(
        f"{name:<36} p50 {row['p50_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  "
        f"p99 {row['p99_ms']:7.1f} ms  {row['rps']:7.1f} req/s  "
        f"non-2xx {int(row['non_2xx'])}  socket errors {int(row['socket_errors'])}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url")
    parser.add_argument("--database-url")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=15)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    url, database_url = load_stack(args)
    org_id, tokens = asyncio.run(tokens_for_clients(url, args.concurrency))
    started = time.perf_counter()
    seed(database_url, org_id, ROWS)
    print(
        f"seeded {ROWS} conversations in {time.perf_counter() - started:.1f} s; "
        f"{len(tokens)} clients; target {url}"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".tokens") as token_file:
        token_file.write("\n".join(tokens) + "\n")
        token_file.flush()
        list_url = f"{url}/api/v1/conversations?limit=50"
        # Warm-up, not measured: connection pools, prepared statements, the principal cache.
        wrk(list_url, token_file.name, args.concurrency, 5)
        base = wrk(f"{url}/health", None, args.concurrency, args.seconds)
        show("baseline GET /health", base)
        conv = wrk(list_url, token_file.name, args.concurrency, args.seconds)
        show("GET /api/v1/conversations?limit=50", conv)
    verdict = "met" if conv["p95_ms"] < 200 and conv["non_2xx"] == 0 else "NOT met"
    print(
        f"concurrency {args.concurrency}: list p95 {conv['p95_ms']:.1f} ms "
        f"(x{conv['p95_ms'] / base['p95_ms']:.2f} the baseline's), throughput "
        f"{conv['rps'] / base['rps']:.0%} of the baseline's; target p95 < 200 ms: {verdict}"
    )


if __name__ == "__main__":
    main()
