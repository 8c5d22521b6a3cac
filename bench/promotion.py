"""A promotion and a rollback under load: no failed request, and how soon the new version serves.

Against a live stack (`make up`): registers an organization, trains an intent model on
Banking77 through the API (or reuses `--version` of an earlier run), then sends `--rate`
requests per second to POST /api/v1/classify (open loop: a request leaves on schedule whether
or not earlier ones answered) while it promotes the new version through the gate and, later,
rolls back. Reports every failure, latency before/during/after, and the time from the
promotion's answer to the first and to the last-old answer of each switch.

    .venv/bin/python bench/promotion.py                   # reads .switchboard/stack.json
    .venv/bin/python bench/promotion.py --rate 50 --seconds 60 --url http://127.0.0.1:8000
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np

HERE = Path(__file__).parent
TEXTS = HERE.parent / "training" / "data" / "public" / "banking77" / "test.csv"


@dataclass
class Sample:
    sent: float
    seconds: float
    status: int
    version: str | None
    error: str | None = None


@dataclass
class Switch:
    action: str
    asked: float
    answered: float
    to_version: str
    body: dict[str, Any] = field(default_factory=dict)


def stack_url(explicit: str | None) -> str:
    stack_file = Path(os.environ.get("DATA_DIR", ".switchboard")) / "stack.json"
    stack = json.loads(stack_file.read_text()) if stack_file.exists() else {}
    return (explicit or stack.get("api_url") or "http://127.0.0.1:8000").rstrip("/")


async def register(http: httpx.AsyncClient) -> dict[str, str]:
    tag = uuid.uuid4().hex[:8]
    r = await http.post(
        "/api/v1/auth/register",
        json={
            "email": f"promote-{tag}@example.com",
            "password": "benchmark password",
            "name": "Bench",
            "organization_name": f"Promotion bench {tag}",
        },
    )
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def load_keys(http: httpx.AsyncClient, admin: dict[str, str], rate: float) -> list[dict]:
    """API keys for the load (the rate limit counts per credential: 1,200/minute by default),
    so the control calls (promote, roll back) on the admin's token are never throttled."""
    keys = []
    for i in range(max(1, int(rate * 60 / 1000) + 1)):
        r = await http.post(
            "/api/v1/api-keys", headers=admin, json={"name": f"load-{i}", "scopes": ["classify"]}
        )
        r.raise_for_status()
        keys.append({"Authorization": f"Bearer {r.json()['key']}"})
    return keys


async def train(http: httpx.AsyncClient, headers: dict[str, str], args: argparse.Namespace) -> str:
    body = {"dataset": args.dataset, "trainer": args.trainer, "params": json.loads(args.params)}
    r = await http.post("/api/v1/training/runs", headers=headers, json=body)
    r.raise_for_status()
    run_id, last = r.json()["id"], ""
    started = time.monotonic()
    while True:
        run = (await http.get(f"/api/v1/training/runs/{run_id}", headers=headers)).json()
        line = f"{run['status']} {run['progress']:.2f} {run['stage']}"
        if line != last:
            print(f"  [{time.monotonic() - started:6.1f} s] training: {line}", flush=True)
            last = line
        if run["status"] == "succeeded":
            print(
                f"  trained version {run['model_version']}: accuracy {run['metrics']['accuracy']}"
            )
            return str(run["model_version"])
        if run["status"] == "failed":
            raise SystemExit(f"training failed: {run['error']}")
        await asyncio.sleep(2)


async def load(
    http: httpx.AsyncClient,
    keys: list[dict[str, str]],
    rate: float,
    seconds: float,
    texts: list[str],
) -> list[Sample]:
    samples: list[Sample] = []
    start = time.monotonic()

    async def one(sent: float, text: str, headers: dict[str, str]) -> None:
        began = time.monotonic()
        try:
            r = await http.post("/api/v1/classify", headers=headers, json={"text": text})
            version = r.json().get("model_version") if r.status_code == 200 else None
            error = None if r.status_code == 200 else r.text[:200]
            samples.append(Sample(sent, time.monotonic() - began, r.status_code, version, error))
        except httpx.HTTPError as exc:
            samples.append(Sample(sent, time.monotonic() - began, 0, None, repr(exc)))

    tasks = []
    for i in range(int(rate * seconds)):
        due = start + i / rate
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        tasks.append(
            asyncio.create_task(one(due - start, random.choice(texts), keys[i % len(keys)]))
        )
    await asyncio.gather(*tasks)
    return samples


async def switch(
    http: httpx.AsyncClient,
    headers: dict[str, str],
    action: str,
    version: str,
    at: float,
    t0: float,
) -> Switch:
    await asyncio.sleep(max(0.0, t0 + at - time.monotonic()))
    asked = time.monotonic() - t0
    body: dict[str, Any] = {"version": version}
    r = await http.post(f"/api/v1/models/intent/{action}", headers=headers, json=body)
    answered = time.monotonic() - t0
    if r.status_code != 200:
        raise SystemExit(f"{action} failed: {r.status_code} {r.text}")
    return Switch(action, asked, answered, version, r.json())


def percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)) * 1000, 1) if values else 0.0


def report(samples: list[Sample], switches: list[Switch], rate: float) -> dict[str, Any]:
    failures = [s for s in samples if s.status != 200]
    out: dict[str, Any] = {
        "requests": len(samples),
        "rate_per_s": rate,
        "failed": len(failures),
        "failures": [{"status": s.status, "error": s.error} for s in failures[:10]],
        "switches": [],
    }
    for index, sw in enumerate(switches):
        target = f"intent:{sw.to_version}"
        until = switches[index + 1].asked if index + 1 < len(switches) else float("inf")
        after = sorted((s for s in samples if sw.answered <= s.sent < until), key=lambda s: s.sent)
        first = next((s for s in after if s.version == target), None)
        stale = [s for s in after if s.version != target and s.status == 200]
        window = [s.seconds for s in samples if sw.asked <= s.sent <= sw.answered + 5]
        out["switches"].append(
            {
                "action": sw.action,
                "to": target,
                "call_seconds": round(sw.answered - sw.asked, 2),
                "first_new_answer_after_s": round(first.sent - sw.answered, 2) if first else None,
                "last_old_answer_after_s": round(max(s.sent for s in stale) - sw.answered, 2)
                if stale
                else 0.0,
                "p50_ms_during": percentile(window, 50),
                "p99_ms_during": percentile(window, 99),
                "outcome": sw.body.get("outcome"),
            }
        )
    first_switch = switches[0].asked if switches else float("inf")
    before = [s.seconds for s in samples if s.sent < first_switch and s.status == 200]
    out["p50_ms_before"], out["p99_ms_before"] = percentile(before, 50), percentile(before, 99)
    return out


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    url = stack_url(args.url)
    with TEXTS.open(newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
        headers = await register(http)
        print(f"stack {url}: training {args.dataset} with {args.trainer}", flush=True)
        version = args.version or await train(http, headers, args)
        keys = await load_keys(http, headers, args.rate)
        # Warm the default path first, so the baseline is a warm one.
        await load(http, keys, args.rate, 3, texts)
        print(f"load: {args.rate}/s for {args.seconds} s; promote at {args.promote_at} s, "
              f"roll back at {args.rollback_at} s", flush=True)  # fmt: skip
        t0 = time.monotonic()
        results = await asyncio.gather(
            load(http, keys, args.rate, args.seconds, texts),
            switch(http, headers, "promote", version, args.promote_at, t0),
            switch(http, headers, "rollback", "1", args.rollback_at, t0),
        )
    samples, promote, rollback = results
    return report(samples, [promote, rollback], args.rate)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url")
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=90.0)
    parser.add_argument("--promote-at", type=float, default=10.0)
    parser.add_argument("--rollback-at", type=float, default=60.0)
    parser.add_argument("--dataset", default="banking77")
    parser.add_argument("--trainer", default="embedding-logreg")
    parser.add_argument("--params", default='{"ngrams": false, "c_grid": [16.0]}')
    parser.add_argument("--version", help="promote this existing version instead of training")
    args = parser.parse_args()
    result = asyncio.run(main_async(args))
    result["at"] = datetime.now(UTC).isoformat()
    out = HERE / "results" / f"promotion-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
