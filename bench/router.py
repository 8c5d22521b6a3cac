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
import datetime as dt
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.router_micro import run_micro  # noqa: E402
from bench.router_peer import load_peer, log_tail, machine_info, port_busy, read, wait_ready  # noqa: E402
from bench.router_profile import profile_gateway  # noqa: E402
from bench.router_report import report, summarize  # noqa: E402
from bench.router_stack import (  # noqa: E402
    drop_database,
    flush_redis,
    fresh_database,
    ledger_check,
    make_org,
    run_stream,
    smoke,
)

RESULTS = ROOT / "bench" / "results"
DELAY_PORT = 8002


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
        "machine": machine_info(),
        "peer_dir": str(peer_dir),
        "peer_python": peer_py,
        "rounds": args.rounds,
        "scale": args.scale,
        "runs": [],
    }

    # 1. micro benchmarks, before anything else runs
    print(f"redis db {args.redis_db}: {flush_redis(redis_url)} keys flushed", flush=True)
    out["decision"], out["budget"] = run_micro(redis_url, args.decision_calls, args.budget_calls)
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
        if not args.no_profile:
            c16 = [r["rps"] for r in out["runs"] if r["setting"] == "c16" and r["target"] == "ours"]
            profile = profile_gateway(
                peer_py, peer_dir, ours_url, orgs[8001]["key"], gw["ours"],
                rps=max(c16 or [300]), seconds=args.profile_seconds, out_path=args.profile_out,
                side=side,
            )  # fmt: skip
            if profile is not None:
                out["profile"] = profile
                if "load" in profile:
                    sent += profile["load"]["n"] + profile["load"]["warmup"]
                else:
                    print(f"py-spy failed: {profile['error']}", flush=True)

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


if __name__ == "__main__":
    main()
