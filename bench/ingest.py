"""Ingestion benchmark: the generic API channel, end to end, against a running `make up`.

In one run, on the same realistic email-length texts (Bitext held-out requests rendered as
emails with greetings, stories, signatures and quoted threads):

1. the classifier's own in-process rate on those texts (the model is the limit);
2. 2,000 messages from 64 concurrent senders through POST /api/v1/inbound/{id} (wrk):
   accepted/s and p95 accept latency;
3. classified-and-stored/s for those 2,000 (first to last row written), as a share of 1.;
4. p50/p95 accept-to-classified latency at a steady rate of half that capacity.

    .venv/bin/python bench/ingest.py [--messages 2000] [--senders 64]

Needs `wrk` (Debian: `apt-get install wrk`). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.classify import rate, realistic_texts
from models.service import ClassifierService

HERE = Path(__file__).parent


def load_stack() -> dict[str, Any]:
    path = Path(os.environ.get("DATA_DIR", ".switchboard")) / "stack.json"
    if not path.exists():
        raise SystemExit("no running stack: start it with `make up` first")
    return dict(json.loads(path.read_text()))


async def setup(url: str, senders: int, drafts: bool) -> tuple[str, str, list[str]]:
    """A fresh organization, an `api` integration and one API key per sender. Without `drafts`
    the organization's default workflow (an AI draft for every message) is switched off, so the
    figures are the pipeline's alone, comparable with runs before that default existed."""
    tag = uuid.uuid4().hex[:8]
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        r = await http.post("/api/v1/auth/register", json={
            "email": f"ingest-{tag}@example.com", "password": "benchmark password",
            "name": "Bench", "organization_name": f"Ingest {tag}"})  # fmt: skip
        r.raise_for_status()
        org_id = r.json()["organization"]["id"]
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        if not drafts:
            flows = await http.get("/api/v1/workflows", headers=headers)
            flows.raise_for_status()
            for flow in flows.json()["items"]:
                off = await http.patch(f"/api/v1/workflows/{flow['id']}", headers=headers,
                                       json={"is_enabled": False})  # fmt: skip
                off.raise_for_status()
        made = await http.post("/api/v1/integrations", headers=headers,
                               json={"name": "bench", "type": "api", "config": {}})  # fmt: skip
        made.raise_for_status()
        keys = []
        for i in range(senders):
            k = await http.post("/api/v1/api-keys", headers=headers,
                                json={"name": f"sender-{i}", "scopes": ["inbound"]})  # fmt: skip
            k.raise_for_status()
            keys.append(str(k.json()["key"]))
        return org_id, str(made.json()["id"]), keys


def body(text: str, external_id: str, i: int) -> dict[str, Any]:
    sender = {"email": f"customer{i % 500}@example.com", "name": f"Customer {i % 500}"}
    return {"external_id": external_id, "subject": f"Request {i}", "text": text, "from": sender}


def flood(endpoint: str, keys: list[str], bodies: list[str], senders: int) -> dict[str, float]:
    with (
        tempfile.NamedTemporaryFile("w", suffix=".keys") as kf,
        tempfile.NamedTemporaryFile("w", suffix=".jsonl") as bf,
    ):
        kf.write("\n".join(keys) + "\n")
        bf.write("\n".join(bodies) + "\n")
        kf.flush()
        bf.flush()
        args = ["wrk", "-t1", f"-c{senders}", "-d30s", "--timeout", "10s",
                "-s", str(HERE / "wrk_ingest.lua"), endpoint, "--", kf.name, bf.name]  # fmt: skip
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    row: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    row["rps"] = row["requests"] / row["seconds"]
    return row


def stored(
    database_url: str, org_id: str, column: str = "created_at", prefix: str = ""
) -> tuple[int, float | None, float | None]:
    """(classified rows, first and last `column`) of the organization's messages.

    `received_at` is stamped by the API when it accepts a message (the senders give none), and
    `created_at` when the pipeline stores it, classified."""
    assert column in {"created_at", "received_at"}
    query = (
        f"SELECT count(*), min({column}), max({column}) FROM messages "
        "WHERE organization_id = %s AND classification IS NOT NULL AND external_id LIKE %s"
    )
    with psycopg.connect(database_url) as conn:
        count, first, last = conn.execute(query, (org_id, prefix + "%")).fetchone()  # type: ignore[misc]
    return int(count), first.timestamp() if first else None, last.timestamp() if last else None


def wait_stored(
    database_url: str, org_id: str, n: int, within_s: float = 600, prefix: str = ""
) -> tuple[float, float]:
    deadline = time.time() + within_s
    while True:
        count, first, last = stored(database_url, org_id, prefix=prefix)
        if count >= n or time.time() > deadline:
            if count < n:
                print(f"  only {count}/{n} stored after {within_s:.0f} s")
            return first or 0.0, last or 0.0
        time.sleep(0.5)


async def steady(endpoint: str, keys: list[str], texts: list[str], rps: float,
                 seconds: float) -> dict[str, float]:  # fmt: skip
    """Open loop at `rps`: record when each message was accepted (wall clock)."""
    accepted: dict[str, float] = {}
    async with httpx.AsyncClient(timeout=10) as http:

        async def one(i: int) -> None:
            external_id = f"steady-{uuid.uuid4().hex}"
            r = await http.post(endpoint, json=body(texts[i % len(texts)], external_id, i),
                                headers={"X-Api-Key": keys[i % len(keys)]})  # fmt: skip
            if r.status_code == 202:
                accepted[external_id] = time.time()

        begin, tasks = time.perf_counter(), []
        for i in range(int(rps * seconds)):
            await asyncio.sleep(max(0.0, begin + i / rps - time.perf_counter()))
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
    return accepted


def latencies(database_url: str, org_id: str, accepted: dict[str, float]) -> list[float]:
    deadline = time.time() + 60
    while time.time() < deadline:
        with psycopg.connect(database_url) as conn:
            rows = conn.execute(
                "SELECT external_id, created_at FROM messages WHERE organization_id = %s "
                "AND external_id = ANY(%s) AND classification IS NOT NULL",
                (org_id, list(accepted)),
            ).fetchall()
        if len(rows) >= len(accepted):
            break
        time.sleep(0.5)
    return [max(0.0, (at.timestamp() - accepted[eid]) * 1000) for eid, at in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--senders", type=int, default=64)
    parser.add_argument("--steady-seconds", type=float, default=20)
    parser.add_argument(
        "--drafts", action="store_true", help="keep the default workflow: drafts for every message"
    )
    args = parser.parse_args()
    stack = load_stack()
    url, database_url = stack["api_url"].rstrip("/"), stack["database_url"]
    texts = [t for t, _ in realistic_texts(args.messages)]
    service = ClassifierService.load()
    local = rate(lambda batch: service.classify(list(batch)), texts[:400])
    chars = statistics.mean(len(t) for t in texts)
    print(f"texts: {len(texts)} realistic emails, {chars:.0f} chars on average")
    print(f"classifier in-process (batches of 32): {local:7.1f} texts/s")
    org_id, integration_id, keys = asyncio.run(setup(url, args.senders, args.drafts))
    endpoint = f"{url}/api/v1/inbound/{integration_id}"
    run = uuid.uuid4().hex[:6]
    # Warm-up (not measured): connections, every sender's credential cache, the batch queues.
    warm = [json.dumps(body(t, f"warm-{run}-{i}", i)) for i, t in enumerate(texts[:256])]
    flood(endpoint, keys, warm, args.senders)
    wait_stored(database_url, org_id, len(warm), prefix=f"warm-{run}-")
    bodies = [json.dumps(body(t, f"{run}-{i}", i)) for i, t in enumerate(texts)]
    row = flood(endpoint, keys, bodies, args.senders)
    first, last = wait_stored(database_url, org_id, len(texts), prefix=f"{run}-")
    _, first_accept, last_accept = stored(database_url, org_id, "received_at", f"{run}-")
    accepted = (len(texts) - 1) / max((last_accept or 0) - (first_accept or 0), 1e-6)
    print(f"accepted: {accepted:7.1f} msgs/s from {args.senders} senders (target >= 300); "
          f"p50 {row['p50_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms (target < 150 ms); "
          f"non-2xx {int(row['non_2xx'])}, socket errors {int(row['socket_errors'])}")  # fmt: skip
    capacity = (len(texts) - 1) / max(last - first, 1e-6)
    print(
        f"classified and stored: {capacity:7.1f} msgs/s = {capacity / local:.0%} of the "
        "in-process classifier (target >= 75%)"
    )
    target = capacity / 2
    sent = asyncio.run(steady(endpoint, keys, texts, target, args.steady_seconds))
    lat = latencies(database_url, org_id, sent)
    q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [0.0] * 99
    print(f"steady {target:.0f} msgs/s for {args.steady_seconds:.0f} s: accept-to-classified "
          f"p50 {q[49]:.0f} ms, p95 {q[94]:.0f} ms (target < 1000 ms), n={len(lat)}/"
          f"{len(sent)} at {datetime.now(UTC):%H:%M:%S}")  # fmt: skip


if __name__ == "__main__":
    main()
