"""Router benchmark: what our OpenAI-compatible endpoint adds over calling the upstream directly,
next to LiteLLM's proxy, measured the same way in the same run.

"The same way" is the peer baseline in /work/shared/peer_bench (its README has LiteLLM's own
figures): its fake upstream (`fake_openai.py` on :8001, and on :8002 with FAKE_DELAY_MS=200),
its closed-loop load generator (`load.py`, one keep-alive connection per worker, run as a fresh
process for every measurement) and its settings, helpers and summary rules (`run_bench.py`,
imported from --peer-dir, not copied). In every round each setting runs direct (A), then through
our gateway, then through LiteLLM's proxy, so both gateways share the same direct baseline and
machine state. Gateway CPU comes from /proc/PID/stat, memory from /proc/PID/status.

Our gateway is the API app (`api.main:app`) as ONE uvicorn process (uvloop, httptools) on real
PostgreSQL, Redis and NATS (127.0.0.1:5432/6379/4222): a fresh database (`--db-name`, migrated),
a dedicated Redis db (`--redis-db`, flushed before and after). Two organizations are set up
through our own API (register, an `llm` API key, PUT /api/v1/routing/policy): one routed to :8001,
one to :8002 (the +200 ms setting). LiteLLM runs from the peer venv with the peer's config.

Also measured, in-process: the routing decision alone (`routing.decision.plan`, 4 models, one
without a key, cheapest strategy) and a budget round trip (`Budget.reserve` + `settle` against
Redis). After the rounds, py-spy profiles our gateway under C=16 (not during measured runs).

    .venv/bin/python bench/router.py                        # full run, ~15 min on 2 cores
    .venv/bin/python bench/router.py --rounds 1 --scale 0.1 # smoke test
    .venv/bin/python bench/router.py --skip-litellm

Needs the peer venv (`python3.11 -m venv /tmp/peer-venv && /tmp/peer-venv/bin/pip install -r
/work/shared/peer_bench/requirements.txt`). Writes bench/results/router-<UTC>.json and prints a
markdown table. Every process it starts is stopped by its PID on exit.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib.util
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PASSWORD = "benchmark password"
DELAY_PORT = 8002


def load_peer(peer_dir: Path) -> ModuleType:
    """The peer's run_bench.py as a module: its settings, load runner and /proc helpers."""
    spec = importlib.util.spec_from_file_location("peer_run_bench", peer_dir / "run_bench.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot import {peer_dir / 'run_bench.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def percentiles(values_us: list[float]) -> dict[str, float]:
    xs = sorted(values_us)
    q = statistics.quantiles(xs, n=100, method="inclusive")
    return {
        "p50_us": round(q[49], 2),
        "p99_us": round(q[98], 2),
        "max_us": round(xs[-1], 2),
        "mean_us": round(statistics.fmean(xs), 2),
        "n": len(xs),
    }


def wait_ready(rb: ModuleType, proc: subprocess.Popen[bytes], url: str, timeout: float) -> float:
    """Seconds until `url` answers 200; fails at once if the process exits first."""
    t0 = time.time()
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"pid {proc.pid} exited with {proc.returncode} before {url} was up")
        try:
            rb.wait_http(url, 2)
            return time.time() - t0
        except RuntimeError:
            if time.time() - t0 > timeout:
                raise


def log_tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def read(path: str) -> str:
    return Path(path).read_text()


def port_busy(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


# -- in-process micro benchmarks ------------------------------------------------------------------

SYSTEM = (
    "You are the support assistant of Northwind Outfitters. Answer in the customer's language, "
    "be brief and polite, never promise refunds the policy does not allow, and cite the order "
    "number when there is one. Escalate to a human when the customer asks for one."
)
CHAT = [
    (
        "user",
        "Hi, I ordered a pair of hiking boots (order #58213) two weeks ago and they still "
        "haven't arrived. The tracking page says 'label created' since 10 days. My email is "
        "jane.doe@example.com and my phone is +1 415 555 0199. Can you check?",
    ),
    (
        "assistant",
        "I'm sorry about the delay, Jane. I've checked order #58213: the carrier never "
        "scanned the parcel. I can reship it today or refund it, which do you prefer?",
    ),
    (
        "user",
        "Please reship, but to my office instead: 221B Baker Street, London NW1 6XE. "
        "And can you make sure it's express this time? I need them for a trip on Friday.",
    ),
]


def micro_decision(calls: int) -> dict[str, Any]:
    from routing.breaker import Breakers
    from routing.contract import ChatMessage
    from routing.decision import plan
    from routing.endpoints import EnvEndpoints, resolve
    from routing.policy import RoutingPolicy, validate_policy
    from routing.pricebook import default_price_book
    from routing.router import _masked
    from routing.tokens import worst_case_prompt_tokens

    book = default_price_book()
    policy = RoutingPolicy.model_validate(
        {
            "providers": {
                "openai": {"base_url": "http://127.0.0.1:8001/v1"},
                "anthropic": {},
                "google": {},
            },
            "tasks": {
                "draft": {
                    "models": [
                        "anthropic:claude-haiku-4-5",
                        "openai:gpt-4.1-mini",
                        "google:gemini-2.5-flash",
                        "openai:gpt-4o-mini",
                    ],
                    "strategy": "cheapest",
                    "quality": "standard",
                    "max_cost_usd": 0.05,
                    "max_output_tokens": 600,
                }
            },
            "budgets": {"daily_usd": 50, "monthly_usd": 1000},
        }
    )
    validate_policy(policy, book)
    keys = {"openai": "sk-openai-dummy", "anthropic": "sk-ant-dummy"}  # google: no key
    env = EnvEndpoints({})
    breakers = Breakers()
    messages = [ChatMessage("system", SYSTEM)] + [ChatMessage(r, t) for r, t in CHAT]  # type: ignore[arg-type]
    masked = _masked(messages)
    prompt_tokens = worst_case_prompt_tokens(masked)

    def endpoint_of(provider: str) -> Any:
        return resolve(provider, policy, keys, env)

    def decide() -> Any:
        return plan(
            policy=policy,
            task="draft",
            book=book,
            prompt_tokens=prompt_tokens,
            endpoint_of=endpoint_of,
            breakers=breakers,
            max_tokens=None,
        )

    first = decide()
    assert [o.model_id for o in first.options] == [
        "openai:gpt-4o-mini",
        "openai:gpt-4.1-mini",
        "anthropic:claude-haiku-4-5",
    ], first.reason
    for _ in range(1000):
        decide()
    clock = time.perf_counter_ns
    times = []
    for _ in range(calls):
        t0 = clock()
        decide()
        times.append((clock() - t0) / 1000)
    # What the router does before the decision on every request: mask PII, bound the prompt.
    prep = []
    for _ in range(max(1000, calls // 4)):
        t0 = clock()
        worst_case_prompt_tokens(_masked(messages))
        prep.append((clock() - t0) / 1000)
    return {
        "plan": percentiles(times),
        "mask_and_count": percentiles(prep),
        "prompt_chars": sum(len(m.content) for m in messages),
        "prompt_tokens_bound": prompt_tokens,
        "order": [o.model_id for o in first.options],
        "skipped": first.skipped,
        "reason": first.reason,
    }


async def micro_budget(redis_url: str, calls: int) -> dict[str, Any]:
    from redis.asyncio import Redis

    from routing.budget import Budget, BudgetLimits, Lease
    from routing.ledger import LedgerRow

    redis = Redis.from_url(redis_url, decode_responses=True, socket_timeout=5)
    budget = Budget(redis)
    limits = BudgetLimits.from_usd(1_000_000, 1_000_000)
    org = str(uuid.uuid4())
    clock = time.perf_counter_ns
    ping: list[float] = []
    reserve: list[float] = []
    settle: list[float] = []
    both: list[float] = []
    try:
        for i in range(calls + 200):
            row = LedgerRow(
                org_id=org,
                task="draft",
                provider="openai",
                model="openai:gpt-4o-mini",
                status="ok",
                input_tokens=120,
                output_tokens=16,
                cost_micros=28,
                estimated_micros=90,
                latency_ms=3,
                reason="preference order",
                request_id=uuid.uuid4().hex,
            ).as_dict()
            t0 = clock()
            await redis.ping()
            t1 = clock()
            lease = await budget.reserve(org, "draft", 90, limits, ttl_s=120)
            t2 = clock()
            assert isinstance(lease, Lease), lease
            await budget.settle(lease, 28, limits, [row])
            t3 = clock()
            if i >= 200:
                ping.append((t1 - t0) / 1000)
                reserve.append((t2 - t1) / 1000)
                settle.append((t3 - t2) / 1000)
                both.append((t3 - t1) / 1000)
    finally:
        await redis.aclose()
    return {
        "reserve_plus_settle": percentiles(both),
        "reserve": percentiles(reserve),
        "settle": percentiles(settle),
        "ping": percentiles(ping),
    }


# -- setup ----------------------------------------------------------------------------------------


def fresh_database(name: str) -> str:
    import psycopg

    from store import migrate

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    migrate.upgrade(url)
    return url


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def flush_redis(url: str) -> int:
    import redis

    client = redis.Redis.from_url(url)
    try:
        size = int(client.dbsize())
        client.flushdb()
        return size
    finally:
        client.close()


def ledger_check(database_url: str, redis_url: str, expected: int) -> dict[str, Any]:
    """Did every completion our gateway served reach the spend ledger in PostgreSQL?"""
    import psycopg
    import redis

    from routing.budget import LEDGER_STREAM
    from store.db import sync_url

    dsn = sync_url(database_url).replace("postgresql+psycopg://", "postgresql://")
    client = redis.Redis.from_url(redis_url)
    t0 = time.time()
    try:
        while True:
            with psycopg.connect(dsn) as conn:
                row = conn.execute("SELECT count(*) FROM provider_usage").fetchone()
            stored = int(row[0]) if row else 0
            pending = int(client.xlen(LEDGER_STREAM))
            if stored >= expected or time.time() - t0 > 15:
                break
            time.sleep(0.5)
    finally:
        client.close()
    return {
        "expected": expected,
        "stored": stored,
        "in_stream": pending,
        "waited_s": round(time.time() - t0, 1),
    }


def make_org(base: str, upstream_port: int) -> dict[str, str]:
    """Register an organization, give it an `llm` API key and a policy routing to the fake."""
    import httpx

    tag = uuid.uuid4().hex[:8]
    with httpx.Client(base_url=base, timeout=60) as http:
        r = http.post(
            "/api/v1/auth/register",
            json={
                "email": f"router-{tag}@example.com",
                "password": PASSWORD,
                "name": "Bench",
                "organization_name": f"Router bench {upstream_port} {tag}",
            },
        )
        r.raise_for_status()
        admin = {"Authorization": f"Bearer {r.json()['access_token']}"}
        k = http.post("/api/v1/api-keys", headers=admin, json={"name": "bench", "scopes": ["llm"]})
        k.raise_for_status()
        policy = {
            "providers": {
                "openai": {
                    "base_url": f"http://127.0.0.1:{upstream_port}/v1",
                    "api_key": "sk-dummy",
                }
            },
            "tasks": {"draft": {"models": ["openai:gpt-4o-mini"], "max_output_tokens": 16}},
            "budgets": {"daily_usd": 1000000, "monthly_usd": 1000000},
            "mask_pii": True,
        }
        p = http.put("/api/v1/routing/policy", headers=admin, json=policy)
        if p.status_code != 200:
            raise RuntimeError(f"PUT /api/v1/routing/policy: {p.status_code} {p.text[:500]}")
        return {"org_id": r.json()["organization"]["id"], "key": str(k.json()["key"])}


def smoke(base_v1: str, key: str, model: str) -> dict[str, Any]:
    """One plain and one streamed completion by hand: 200, content "ok", `[DONE]` at the end."""
    import httpx

    body = {"model": model, "messages": [{"role": "user", "content": "Say ok."}], "max_tokens": 16}
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(timeout=30, headers=headers) as http:
        r = http.post(f"{base_v1}/chat/completions", json=body)
        content = r.json()["choices"][0]["message"]["content"] if r.status_code == 200 else None
        s = http.post(f"{base_v1}/chat/completions", json={**body, "stream": True})
        deltas = []
        for line in s.text.splitlines():
            if line.startswith("data: {"):
                for choice in json.loads(line[6:]).get("choices") or []:
                    deltas.append((choice.get("delta") or {}).get("content") or "")
        m = http.get(f"{base_v1}/models")
    out = {
        "status": r.status_code,
        "content": content,
        "stream_status": s.status_code,
        "stream_content": "".join(deltas),
        "stream_done": "data: [DONE]" in s.text,
        "models_status": m.status_code,
    }
    if not (
        r.status_code == s.status_code == 200
        and content == "ok"
        and out["stream_done"]
        and out["stream_content"] == "ok"
    ):
        raise RuntimeError(
            f"smoke check failed for {base_v1}: {out}; body {r.text[:500]}; stream {s.text[:500]}"
        )
    return out


def run_stream(
    peer_py: str, peer_dir: Path, url: str, n: int, c: int, model: str, key: str
) -> dict[str, Any]:
    """load.py with --stream (the peer's run_load has no stream switch)."""
    cmd = [
        peer_py,
        str(peer_dir / "load.py"),
        "--base-url",
        url,
        "-n",
        str(n),
        "-c",
        str(c),
        "--model",
        model,
        "--api-key",
        key,
        "--stream",
        "--json",
    ]
    p = subprocess.run(cmd, capture_output=True, text=True)
    try:
        return dict(json.loads(p.stdout.strip().splitlines()[-1]))
    except Exception as exc:
        raise RuntimeError(
            f"load.py --stream failed rc={p.returncode}: {p.stderr[-1000:]}"
        ) from exc


# -- profile --------------------------------------------------------------------------------------


def short_path(path: str) -> str:
    """Repository-relative, `pkg/...` for site-packages, `asyncio/...` for the stdlib."""
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1]
    if "/lib/python3." in path:
        return path.split("/lib/python3.", 1)[1].split("/", 1)[-1]
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except (ValueError, OSError):
        return path or "?"


def frame_group(path: str) -> str:
    """What a frame belongs to: a site-package, a top-level directory of ours, or `stdlib`."""
    short = short_path(path)
    if "site-packages/" in path:
        return short.split("/", 1)[0]
    if "/lib/python3." in path:
        return "stdlib:" + short.split("/", 1)[0].removesuffix(".py")
    return short.split("/", 1)[0] + "/" if "/" in short else short


def summarize_speedscope(path: Path, top: int = 10) -> dict[str, Any]:
    """py-spy's speedscope output (stacks root first) as shares of the sampled time: by
    function for self time (the hottest line named), by function inclusive, by package."""
    data = json.loads(path.read_text())
    frames = data["shared"]["frames"]
    fn = [(f.get("name", "?"), f.get("file", "")) for f in frames]
    self_fn: Counter[tuple[str, str]] = Counter()
    self_line: Counter[int] = Counter()
    incl_fn: Counter[tuple[str, str]] = Counter()
    groups: Counter[str] = Counter()
    total, samples = 0.0, 0
    for prof in data["profiles"]:
        for stack, weight in zip(prof["samples"], prof["weights"], strict=True):
            if not stack:
                continue
            samples += 1
            total += weight
            leaf = stack[-1]
            self_fn[fn[leaf]] += weight
            self_line[leaf] += weight
            for key in {fn[i] for i in stack}:
                incl_fn[key] += weight
            groups[frame_group(fn[leaf][1])] += weight

    def hottest_line(key: tuple[str, str]) -> Any:
        lines = [(w, frames[i].get("line")) for i, w in self_line.items() if fn[i] == key]
        return max(lines)[1] if lines else None

    def row(key: tuple[str, str], weight: float, line: Any) -> dict[str, Any]:
        share = round(weight / total, 4) if total else 0.0
        return {"frame": key[0], "file": short_path(key[1]), "line": line, "share": share}

    ours = [k for k, _ in incl_fn.most_common() if frame_group(k[1]) in ("api/", "routing/")]
    return {
        "samples": samples,
        "sampled_s": round(total, 2),
        "top_self": [row(k, w, hottest_line(k)) for k, w in self_fn.most_common(top)],
        "top_inclusive": [row(k, w, None) for k, w in incl_fn.most_common(top * 4)],
        "ours_inclusive": [row(k, incl_fn[k], None) for k in ours[: top * 2]],
        "self_by_package": [
            {"package": g, "share": round(w / total, 4)} for g, w in groups.most_common(20)
        ],
    }


# -- main -----------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every N (smoke tests)")
    ap.add_argument("--skip-litellm", action="store_true")
    ap.add_argument("--peer-dir", type=Path, default=Path("/work/shared/peer_bench"))
    ap.add_argument(
        "--peer-python",
        default="/tmp/peer-venv/bin/python",
        help="runs the fake upstream, load.py and LiteLLM (the peer's venv)",
    )
    ap.add_argument("--port", type=int, default=4000, help="our gateway")
    ap.add_argument("--litellm-port", type=int, default=4001)
    ap.add_argument("--db-name", default="switchboard_bench_router")
    ap.add_argument("--redis-db", type=int, default=7)
    ap.add_argument("--keep-db", action="store_true", help="keep the database afterwards")
    ap.add_argument("--decision-calls", type=int, default=20_000)
    ap.add_argument("--budget-calls", type=int, default=2_000)
    ap.add_argument("--no-profile", action="store_true", help="skip the py-spy profile")
    ap.add_argument("--profile-seconds", type=int, default=10)
    ap.add_argument("--profile-out", type=Path, default=Path("/tmp/router-profile.speedscope.json"))
    ap.add_argument("--logdir", type=Path, default=Path("/tmp/bench-router"))
    args = ap.parse_args()

    peer_dir = args.peer_dir.resolve()
    rb = load_peer(peer_dir)
    peer_py = args.peer_python if Path(args.peer_python).exists() else None
    if peer_py is None:
        if not args.skip_litellm:
            raise SystemExit(
                f"{args.peer_python} is missing: create the peer venv (see --help) "
                "or pass --skip-litellm"
            )
        peer_py = sys.executable
        print(f"note: {args.peer_python} missing; fake upstream and load.py run on {peer_py}")
    rb.PY = peer_py  # run_load starts load.py with the peer's interpreter, as run_bench does
    litellm_bin = str(Path(peer_py).parent / "litellm")
    use_litellm = not args.skip_litellm
    ports = [8001, DELAY_PORT, args.port] + ([args.litellm_port] if use_litellm else [])
    if busy := [p for p in ports if port_busy(p)]:
        raise SystemExit(f"ports already in use on 127.0.0.1: {busy} (another benchmark running?)")
    args.logdir.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"

    stopping = False

    def on_term(signum: int, _frame: Any) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)

    out: dict[str, Any] = {
        "date_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "nproc": os.cpu_count(),
            "cpu": next(
                (
                    ln.split(":", 1)[1].strip()
                    for ln in read("/proc/cpuinfo").splitlines()
                    if ln.startswith("model name")
                ),
                "?",
            ),
            "python": platform.python_version(),
            "kernel": platform.release(),
        },
        "peer_dir": str(peer_dir),
        "peer_python": peer_py,
        "rounds": args.rounds,
        "scale": args.scale,
        "runs": [],
    }

    # 1. micro benchmarks, before anything else runs
    print(f"redis db {args.redis_db}: {flush_redis(redis_url)} keys flushed", flush=True)
    out["decision"] = micro_decision(args.decision_calls)
    dec = out["decision"]
    print(
        f"routing decision plan() x{dec['plan']['n']}: p50 {dec['plan']['p50_us']:.1f} us, "
        f"p99 {dec['plan']['p99_us']:.1f} us (target p99 < 1000 us); order {dec['order']}, "
        f"skipped {dec['skipped']}",
        flush=True,
    )
    print(
        f"  + mask PII and bound the prompt ({dec['prompt_chars']} chars): p50 "
        f"{dec['mask_and_count']['p50_us']:.1f} us, p99 {dec['mask_and_count']['p99_us']:.1f} us",
        flush=True,
    )
    try:
        import uvloop

        out["budget"] = uvloop.run(micro_budget(redis_url, args.budget_calls))
    except ImportError:
        out["budget"] = asyncio.run(micro_budget(redis_url, args.budget_calls))
    b = out["budget"]
    pair = b["reserve_plus_settle"]
    print(
        f"budget reserve+settle x{pair['n']}: p50 {pair['p50_us']:.0f} us, "
        f"p99 {pair['p99_us']:.0f} us "
        f"(reserve p50 {b['reserve']['p50_us']:.0f}, settle p50 {b['settle']['p50_us']:.0f}, "
        f"PING p50 {b['ping']['p50_us']:.0f} us)",
        flush=True,
    )
    flush_redis(redis_url)

    procs: dict[str, subprocess.Popen[bytes]] = {}
    logs: list[Any] = []
    side: list[subprocess.Popen[bytes]] = []  # py-spy, background load: waited for below

    def start(name: str, cmd: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
        log = open(args.logdir / f"{name}.log", "w")  # noqa: SIM115 - closed in finally
        logs.append(log)
        procs[name] = subprocess.Popen(
            cmd, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        print(f"started {name} pid={procs[name].pid}", flush=True)
        return procs[name]

    master_key = "sk-bench-" + secrets.token_hex(24)
    try:
        base_env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("OPENAI_", "ANTHROPIC_", "GEMINI_", "LITELLM_"))
        }
        for port, delay in ((8001, 0), (DELAY_PORT, 200)):
            env = dict(
                base_env, FAKE_PORT=str(port), FAKE_DELAY_MS=str(delay), FAKE_HOST="127.0.0.1"
            )
            start(f"fake{port}", [peer_py, str(peer_dir / "fake_openai.py")], env, peer_dir)
        for port in (8001, DELAY_PORT):
            rb.wait_http(f"http://127.0.0.1:{port}/health", 30)

        database_url = fresh_database(args.db_name)
        ours_env = dict(
            base_env,
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            NATS_URL="nats://127.0.0.1:4222",
            LOG_LEVEL="WARNING",
            RATE_LIMIT_ENABLED="false",
            HF_HUB_OFFLINE="1",
        )
        ours_cmd = [
            str(ROOT / ".venv/bin/python"),
            "-m",
            "uvicorn",
            "api.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(args.port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
        ]
        t0 = time.time()
        ours = start("ours", ours_cmd, ours_env, ROOT)
        gw: dict[str, int] = {"ours": ours.pid}
        ready = wait_ready(rb, ours, f"http://127.0.0.1:{args.port}/health", 120)
        out["ours_ready_s"] = round(ready, 1)
        if use_litellm:
            env = dict(base_env, LITELLM_MASTER_KEY=master_key)
            cmd = (
                f"source {peer_dir / 'env.sh'} && exec {litellm_bin} --config "
                f"{peer_dir / 'litellm_config.yaml'} --host 127.0.0.1 --port {args.litellm_port}"
            )
            lite = start("litellm", ["bash", "-c", cmd], env, args.logdir)
            gw["litellm"] = lite.pid
            url = f"http://127.0.0.1:{args.litellm_port}/health/liveliness"
            out["litellm_ready_s"] = round(wait_ready(rb, lite, url, 120), 1)
        time.sleep(1.0)
        print(f"gateways ready in {time.time() - t0:.1f}s", flush=True)
        idle0 = {name: rb.cpu_s(pid) for name, pid in gw.items()}
        time.sleep(5.0)
        for name, pid in gw.items():
            out[f"{name}_idle_cpu_pct"] = round(100 * (rb.cpu_s(pid) - idle0[name]) / 5.0, 1)
        for name, pid in gw.items():
            out[f"{name}_cmdline"] = read(f"/proc/{pid}/cmdline").replace("\0", " ").strip()
            out[f"{name}_rss_kb_idle"] = rb.status_kb(pid, "VmRSS")
            out[f"{name}_threads_at_start"] = rb.status_kb(pid, "Threads")

        ours_url = f"http://127.0.0.1:{args.port}/v1"
        lite_url = f"http://127.0.0.1:{args.litellm_port}/v1"
        orgs = {
            8001: make_org(f"http://127.0.0.1:{args.port}", 8001),
            DELAY_PORT: make_org(f"http://127.0.0.1:{args.port}", DELAY_PORT),
        }
        out["orgs"] = {str(p): o["org_id"] for p, o in orgs.items()}
        out["smoke"] = {
            "ours": smoke(ours_url, orgs[8001]["key"], "gpt-4o-mini"),
            "ours_delay200": smoke(ours_url, orgs[DELAY_PORT]["key"], "gpt-4o-mini"),
        }
        if use_litellm:
            out["smoke"]["litellm"] = smoke(lite_url, master_key, "gpt-4o-mini")
        print(f"smoke: {out['smoke']}", flush=True)

        # (target, url, key, model) per setting's upstream port
        def targets(dport: int, proxy_model: str) -> list[tuple[str, str, str, str]]:
            rows = [
                ("direct", f"http://127.0.0.1:{dport}/v1", master_key, "gpt-4o-mini"),
                ("ours", ours_url, orgs[dport]["key"], "gpt-4o-mini"),
            ]
            if use_litellm:
                rows.append(("litellm", lite_url, master_key, proxy_model))
            return rows

        sent = 4  # completions our gateway served so far (the smoke checks): ledger rows due

        def load(target: str, url: str, n: int, c: int, model: str, key: str) -> dict[str, Any]:
            nonlocal sent
            res: dict[str, Any] = rb.run_load(url, n, c, model, key)
            sent += (res["n"] + res["warmup"]) if target == "ours" else 0
            return res

        # untimed warm-up of every path (lazy imports, caches, connection pools), like run_bench
        for c, n in ((1, 100), (16, 600), (64, 600)):
            for target, url, key, model in targets(8001, "gpt-4o-mini"):
                load(target, url, n, c, model, key)
        for target, url, key, model in targets(DELAY_PORT, "gpt-4o-mini-delay200"):
            if target != "direct":
                load(target, url, 300, 64, model, key)
        for name, pid in gw.items():
            out[f"{name}_rss_kb_after_warmup"] = rb.status_kb(pid, "VmRSS")

        for rnd in range(1, args.rounds + 1):
            for name, c, n, dport, pmodel in rb.SETTINGS:
                n = max(c, int(n * args.scale))
                for target, url, key, model in targets(dport, pmodel):
                    before = {g: rb.cpu_s(pid) for g, pid in gw.items()}
                    up0 = rb.cpu_s(procs[f"fake{dport}"].pid)
                    res = load(target, url, n, c, model, key)
                    res.update(
                        round=rnd,
                        setting=name,
                        target=target,
                        gateway_cpu_s={
                            g: round(rb.cpu_s(pid) - before[g], 3) for g, pid in gw.items()
                        },
                        upstream_cpu_s=round(rb.cpu_s(procs[f"fake{dport}"].pid) - up0, 3),
                        gateway_rss_kb={g: rb.status_kb(pid, "VmRSS") for g, pid in gw.items()},
                        loadavg=read("/proc/loadavg").split()[0],
                    )
                    out["runs"].append(res)
                    cpu = res["gateway_cpu_s"].get(target)
                    print(
                        f"r{rnd} {name:13s} {target:7s} rps={res['rps']:8.1f} "
                        f"p50={res['p50_ms']:8.2f} "
                        f"p95={res['p95_ms']:8.2f} p99={res['p99_ms']:8.2f} err={res['errors']}"
                        + (f" cpu={cpu:.2f}s" if cpu is not None else ""),
                        flush=True,
                    )
                    if res["first_errors"]:
                        print("   errors:", res["first_errors"], flush=True)

        # streaming, once per gateway (informational: not in the table)
        out["stream"] = {}
        sn = max(16, int(500 * args.scale))
        for target, url, key, model in targets(8001, "gpt-4o-mini"):
            pid = gw.get(target)
            c0 = rb.cpu_s(pid) if pid else 0.0
            res = run_stream(peer_py, peer_dir, url, sn, 16, model, key)
            sent += (res["n"] + res["warmup"]) if target == "ours" else 0
            if pid:
                res["gateway_cpu_ms_per_req"] = round(
                    1000 * (rb.cpu_s(pid) - c0) / (res["n"] + res["warmup"]), 2
                )
            out["stream"][target] = res
            print(
                f"stream c16 {target:7s} rps={res['rps']:8.1f} p50={res['p50_ms']:8.2f} "
                f"p99={res['p99_ms']:8.2f} err={res['errors']} "
                f"cpu/req={res.get('gateway_cpu_ms_per_req', '-')}",
                flush=True,
            )

        for name, pid in gw.items():
            out[f"{name}_rss_kb_after_runs"] = rb.status_kb(pid, "VmRSS")
            out[f"{name}_hwm_kb"] = rb.status_kb(pid, "VmHWM")
            out[f"{name}_threads_after_runs"] = rb.status_kb(pid, "Threads")
        out["upstream_rss_kb_after_runs"] = rb.status_kb(procs["fake8001"].pid, "VmRSS")

        # py-spy on our gateway under C=16 (after the measured runs: sampling pauses the process)
        spy = shutil.which("py-spy") or str(ROOT / ".venv/bin/py-spy")
        if not args.no_profile and Path(spy).exists():
            c16 = [r["rps"] for r in out["runs"] if r["setting"] == "c16" and r["target"] == "ours"]
            n = int(max(c16 or [300]) * (args.profile_seconds + 6))
            load_cmd = [
                peer_py,
                str(peer_dir / "load.py"),
                "--base-url",
                ours_url,
                "-n",
                str(n),
                "-c",
                "16",
                "--model",
                "gpt-4o-mini",
                "--api-key",
                orgs[8001]["key"],
                "--json",
            ]
            loader = subprocess.Popen(load_cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            side.append(loader)
            time.sleep(2.0)
            rec = subprocess.run(
                [
                    spy,
                    "record",
                    "-d",
                    str(args.profile_seconds),
                    "-p",
                    str(gw["ours"]),
                    "-o",
                    str(args.profile_out),
                    "--format",
                    "speedscope",
                    "--nonblocking",
                ],
                capture_output=True,
                text=True,
            )
            lo, _ = loader.communicate()
            side.remove(loader)
            if rec.returncode == 0 and args.profile_out.exists():
                out["profile"] = summarize_speedscope(args.profile_out)
                out["profile"]["file"] = str(args.profile_out)
                out["profile"]["load"] = json.loads(lo.decode().strip().splitlines()[-1])
                sent += out["profile"]["load"]["n"] + out["profile"]["load"]["warmup"]
            else:
                out["profile"] = {"error": (rec.stderr or rec.stdout)[-1000:]}
                print(f"py-spy failed: {out['profile']['error']}", flush=True)

        out["ledger"] = ledger_check(database_url, redis_url, sent)
        print(f"ledger: {out['ledger']}", flush=True)
        ss = subprocess.run(["ss", "-tnpH"], capture_output=True, text=True).stdout
        out["nonlocal_tcp"] = {
            g: [
                ln
                for ln in ss.splitlines()
                if f"pid={pid}," in ln and not ln.split()[4].startswith(("127.0.0.1", "[::1]"))
            ]
            for g, pid in gw.items()
        }
    finally:
        for p in side:
            if p.poll() is None:
                p.terminate()
            p.wait()
        for p in procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for name, p in procs.items():
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            print(f"stopped {name} pid={p.pid} rc={p.returncode}", flush=True)
        for f in logs:
            f.close()
        ours_log = args.logdir / "ours.log"
        tail = log_tail(ours_log)
        if "Traceback" in tail or " ERROR" in tail or "error" in tail.lower():
            print(f"--- last lines of our gateway's log ({ours_log}) ---\n{tail}\n---", flush=True)
        try:
            flush_redis(redis_url)
            if not args.keep_db:
                drop_database(args.db_name)
        except Exception as exc:  # cleanup must not hide the real error
            print(f"cleanup: {exc!r}", flush=True)

    gateways = ["ours"] + (["litellm"] if use_litellm else [])
    out["summary"] = summarize(out["runs"], rb.SETTINGS, gateways, args.scale)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"router-{stamp}.json"
    path.write_text(json.dumps(out, indent=1, default=str))
    print(f"\nwrote {path}\n")
    report(out, gateways)


def summarize(
    runs: list[dict[str, Any]], settings: list[tuple[Any, ...]], gateways: list[str], scale: float
) -> list[dict[str, Any]]:
    """Medians over rounds of the paired (same-round) differences and ratios, as run_bench."""

    def med(xs: list[float]) -> float:
        return round(statistics.median(xs), 2) if xs else float("nan")

    summary = []
    for name, c, n, _, _ in settings:
        rows = [r for r in runs if r["setting"] == name]
        by = {t: {r["round"]: r for r in rows if r["target"] == t} for t in ["direct", *gateways]}
        d = by["direct"]
        s: dict[str, Any] = {
            "setting": name,
            "concurrency": c,
            "n": max(c, int(n * scale)),
            "direct_rps": med([r["rps"] for r in d.values()]),
            "direct_p50": med([r["p50_ms"] for r in d.values()]),
            "direct_p99": med([r["p99_ms"] for r in d.values()]),
            "errors_direct": sum(r["errors"] for r in d.values()),
        }
        for g in gateways:
            p = by[g]
            rounds = sorted(set(d) & set(p))
            ratio = statistics.median([p[r]["rps"] / d[r]["rps"] for r in rounds])
            # CPU is sampled around the whole load.py run, warm-up requests included (run_bench)
            cpu = [1000 * p[r]["gateway_cpu_s"][g] / (p[r]["n"] + p[r]["warmup"]) for r in rounds]
            s.update(
                {
                    f"{g}_rps": med([p[r]["rps"] for r in rounds]),
                    f"{g}_ratio": round(ratio, 3),
                    f"{g}_p50": med([p[r]["p50_ms"] for r in rounds]),
                    f"{g}_p99": med([p[r]["p99_ms"] for r in rounds]),
                    f"{g}_added_p50_ms": med([p[r]["p50_ms"] - d[r]["p50_ms"] for r in rounds]),
                    f"{g}_added_p99_ms": med([p[r]["p99_ms"] - d[r]["p99_ms"] for r in rounds]),
                    f"{g}_cpu_ms_per_req": med(cpu),
                    f"errors_{g}": sum(p[r]["errors"] for r in rounds),
                }
            )
        summary.append(s)
    return summary


def report(out: dict[str, Any], gateways: list[str]) -> None:
    lite = "litellm" in gateways
    both = " / litellm" if lite else ""
    head = ["setting", "direct RPS", "ours RPS", "ours ratio"]
    head += ["litellm RPS", "litellm ratio"] if lite else []
    head += [f"added p50 ours{both}", f"added p99 ours{both}", f"CPU ms/req ours{both}"]
    head += ["errors direct/" + "/".join(gateways)]
    print("| " + " | ".join(head) + " |")
    print("|---" * len(head) + "|")
    for s in out["summary"]:
        cells = [f"{s['setting']} (C={s['concurrency']}, N={s['n']})", f"{s['direct_rps']:.0f}"]
        cells += [f"{s['ours_rps']:.0f}", f"**{s['ours_ratio']:.3f}**"]
        if lite:
            cells += [f"{s['litellm_rps']:.0f}", f"{s['litellm_ratio']:.3f}"]
        for key, fmt in (
            ("added_p50_ms", "+.2f"),
            ("added_p99_ms", "+.2f"),
            ("cpu_ms_per_req", ".2f"),
        ):
            cells.append(" / ".join(f"{s[f'{g}_{key}']:{fmt}}" for g in gateways))
        cells.append("/".join(str(s[f"errors_{g}"]) for g in ["direct", *gateways]))
        print("| " + " | ".join(cells) + " |")
    dec, b = out["decision"], out["budget"]
    plan, prep, pair = dec["plan"], dec["mask_and_count"], b["reserve_plus_settle"]
    print(
        f"\nrouting decision (plan, {plan['n']} calls): p50 {plan['p50_us']:.1f} us, "
        f"p99 {plan['p99_us']:.1f} us (target p99 < 1000 us); mask PII + bound the prompt "
        f"p50 {prep['p50_us']:.1f} us, p99 {prep['p99_us']:.1f} us"
    )
    print(
        f"budget reserve+settle (Redis, {pair['n']} pairs): p50 {pair['p50_us']:.0f} us, "
        f"p99 {pair['p99_us']:.0f} us; PING p50 {b['ping']['p50_us']:.0f} us"
    )
    for g in gateways:
        print(
            f"{g} RSS kB: idle {out.get(g + '_rss_kb_idle')}, "
            f"after warm-up {out.get(g + '_rss_kb_after_warmup')}, "
            f"after runs {out.get(g + '_rss_kb_after_runs')} (peak {out.get(g + '_hwm_kb')}); "
            f"threads {out.get(g + '_threads_at_start')} -> {out.get(g + '_threads_after_runs')}; "
            f"ready in {out.get(g + '_ready_s')} s; idle CPU {out.get(g + '_idle_cpu_pct')}%"
        )
    if led := out.get("ledger"):
        print(
            f"spend ledger: {led['stored']} rows in PostgreSQL for {led['expected']} completions "
            f"served, {led['in_stream']} still in the Redis stream (after {led['waited_s']} s)"
        )
    for g, res in (out.get("stream") or {}).items():
        print(
            f"stream C=16 {g}: {res['rps']:.0f} req/s, p50 {res['p50_ms']:.2f} ms, "
            f"p99 {res['p99_ms']:.2f} ms, errors {res['errors']}, "
            f"CPU ms/req {res.get('gateway_cpu_ms_per_req', '-')}"
        )
    prof = out.get("profile") or {}
    if prof.get("top_self"):
        print(
            f"\npy-spy, our gateway under C=16 ({prof['samples']} samples of "
            f"{prof['sampled_s']} s on CPU): top self time by function (hottest line)"
        )
        for i, f in enumerate(prof["top_self"], 1):
            print(f"  {i:2d}. {f['share']:6.1%}  {f['frame']}  ({f['file']}:{f['line']})")
        print("  inclusive, our code:")
        for f in prof["ours_inclusive"][:12]:
            print(f"      {f['share']:6.1%}  {f['frame']}  ({f['file']})")
        shares = ", ".join(f"{g['package']} {g['share']:.0%}" for g in prof["self_by_package"][:10])
        print(f"  self time by package: {shares}\n  full profile: {prof['file']}")


if __name__ == "__main__":
    main()
