"""Router benchmark: medians over rounds and the markdown table."""

from __future__ import annotations

import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


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
