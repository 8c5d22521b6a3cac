"""Local classification benchmark: fp32 torch vs the optimised path, in-process and through Serve.

In one run, on the same realistic texts (Bitext held-out requests rendered as emails, with
greetings, stories, signatures and quoted threads):

1. baseline: all-MiniLM-L6-v2 fp32 on torch (sentence-transformers, max 256 tokens), raw text;
2. optimised in-process: the full `ClassifierService` path (cleaning, int8 ONNX encoder with
   length-bucketed batches, every head, language, PII, priority), and its encoder alone;
   intent accuracy of both paths on the same texts;
3. through Serve over HTTP (`make up`, read from .switchboard/stack.json): throughput at 32
   concurrent clients sending one text per request (wrk), as a share of the in-process rate;
4. p50/p95 latency of single requests at a steady 20 requests/s;
5. RSS of every Serve replica.

    .venv/bin/python bench/classify.py [--url http://127.0.0.1:8000] [--texts 400]

Needs `wrk` (Debian: `apt-get install wrk`). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psutil

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from models.embedder import SentenceTransformerEmbedder, minilm_path
from models.pipeline import prepare
from models.service import ClassifierService
from training import datasets
from training.synth import email_eval_set

HERE = Path(__file__).parent
BATCH = 32


def realistic_texts(n: int, seed: int = 99) -> list[tuple[str, str]]:
    """Held-out Bitext requests (test split of the training seed) rendered as emails."""
    rows = [(i, intent) for i, intent, _ in datasets.bitext()]
    test = datasets.split_unique(rows, seed=13).test
    return email_eval_set(test[:n], seed=seed)


def rate(fn: Callable[[Sequence[str]], Any], texts: Sequence[str], repeats: int = 2) -> float:
    """Best texts/s over `repeats` passes in batches of BATCH (after one warm-up batch)."""
    fn(texts[:BATCH])
    best = 0.0
    for _ in range(repeats):
        started = time.perf_counter()
        for i in range(0, len(texts), BATCH):
            fn(texts[i : i + BATCH])
        best = max(best, len(texts) / (time.perf_counter() - started))
    return best


def in_process(texts: list[str], labels: list[str]) -> dict[str, float]:
    service = ClassifierService.load()
    torch = SentenceTransformerEmbedder(minilm_path(), max_tokens=256, batch_size=BATCH)
    intent = service.store.default.head("intent")
    prepared = [prepare(t) for t in texts]

    def accuracy(vectors: np.ndarray, inputs: list[str]) -> float:
        predicted = intent.predict_proba(vectors, inputs).argmax(axis=1)
        return float(
            np.mean([intent.labels[p] == y for p, y in zip(predicted, labels, strict=True)])
        )

    full = [c.intent.label for c in service.classify(texts)]
    return {
        "torch_fp32_raw_rate": rate(torch.encode, texts),
        "torch_fp32_single_ms": single_ms(torch.encode, texts),
        "optimised_encoder_rate": rate(
            lambda b: service.embedder.encode([prepare(t) for t in b]), texts
        ),
        "optimised_full_rate": rate(service.classify, texts),
        "optimised_single_ms": single_ms(service.classify, texts),
        "accuracy_torch_fp32_raw": accuracy(torch.encode(texts), texts),
        "accuracy_torch_fp32_prepared": accuracy(torch.encode(prepared), prepared),
        "accuracy_optimised": float(np.mean([a == b for a, b in zip(full, labels, strict=True)])),
        "mean_chars": statistics.mean(len(t) for t in texts),
        "mean_chars_prepared": statistics.mean(len(t) for t in prepared),
    }


def single_ms(fn: Callable[[Sequence[str]], Any], texts: Sequence[str], n: int = 50) -> float:
    fn(texts[:1])
    started = time.perf_counter()
    for text in texts[:n]:
        fn([text])
    return (time.perf_counter() - started) / n * 1000


async def tokens_for(url: str, count: int = 64) -> list[str]:
    """A fresh organization and `count` API keys: the API rate-limits per credential."""
    tag = uuid.uuid4().hex[:8]
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        r = await http.post(
            "/api/v1/auth/register",
            json={
                "email": f"bench-{tag}@example.com",
                "password": "benchmark password",
                "name": "Bench",
                "organization_name": f"Bench {tag}",
            },
        )
        r.raise_for_status()
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        keys = []
        for i in range(count):
            made = await http.post(
                "/api/v1/api-keys",
                headers=headers,
                json={"name": f"bench-{i}", "scopes": ["classify"]},
            )
            made.raise_for_status()
            keys.append(str(made.json()["key"]))
        return keys


def wrk(
    url: str, bodies: list[str], tokens: list[str], clients: int, seconds: int
) -> dict[str, float]:
    with (
        tempfile.NamedTemporaryFile("w", suffix=".jsonl") as handle,
        tempfile.NamedTemporaryFile("w", suffix=".tokens") as keys,
    ):
        handle.write("\n".join(bodies) + "\n")
        handle.flush()
        keys.write("\n".join(tokens) + "\n")
        keys.flush()
        args = ["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "--timeout", "10s"]
        args += ["-s", str(HERE / "wrk_report.lua"), url, "--", keys.name, handle.name]
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    row: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    row["rps"] = row["requests"] / row["seconds"]
    return row


async def paced(
    url: str, tokens: list[str], texts: list[str], rps: float, seconds: float
) -> list[float]:
    """Open loop: one request every 1/rps s regardless of answers; latencies in ms."""
    latencies: list[float] = []
    async with httpx.AsyncClient(timeout=10) as http:

        async def one(text: str) -> None:
            headers = {"Authorization": f"Bearer {tokens[len(latencies) % len(tokens)]}"}
            started = time.perf_counter()
            r = await http.post(url, json={"text": text}, headers=headers)
            r.raise_for_status()
            latencies.append((time.perf_counter() - started) * 1000)

        tasks = []
        begin = time.perf_counter()
        for i in range(int(rps * seconds)):
            await asyncio.sleep(max(0.0, begin + i / rps - time.perf_counter()))
            tasks.append(asyncio.create_task(one(texts[i % len(texts)])))
        await asyncio.gather(*tasks)
    return latencies


def replica_rss() -> dict[str, list[float]]:
    """RSS (MB) of each Serve replica process, by deployment name."""
    found: dict[str, list[float]] = {}
    for proc in psutil.process_iter(["cmdline", "memory_info"]):
        line = " ".join(proc.info["cmdline"] or [])
        if "ServeReplica:" in line:
            name = line.split("ServeReplica:", 1)[1].split()[0].split(":")[-1]
            found.setdefault(name, []).append(proc.info["memory_info"].rss / 2**20)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url")
    parser.add_argument("--texts", type=int, default=400)
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    stack_file = Path(os.environ.get("DATA_DIR", ".switchboard")) / "stack.json"
    stack = json.loads(stack_file.read_text()) if stack_file.exists() else {}
    url = (args.url or stack.get("api_url") or "http://127.0.0.1:8000").rstrip("/")
    rows = realistic_texts(args.texts)
    texts, labels = [t for t, _ in rows], [label for _, label in rows]
    local = in_process(texts, labels)
    report(local)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk): Serve figures skipped")
    serve_figures(url, texts, local)


def report(local: dict[str, float]) -> None:
    base = local["torch_fp32_raw_rate"]
    chars, cleaned = local["mean_chars"], local["mean_chars_prepared"]
    print(f"texts: realistic emails, {chars:.0f} chars on average ({cleaned:.0f} after cleaning)")
    print(
        f"baseline torch fp32 (raw, 256 tokens): {base:7.1f} texts/s, single "
        f"{local['torch_fp32_single_ms']:.1f} ms, intent accuracy "
        f"{local['accuracy_torch_fp32_raw']:.2%} (on cleaned text: "
        f"{local['accuracy_torch_fp32_prepared']:.2%})"
    )
    encoder = local["optimised_encoder_rate"]
    print(f"optimised encoder (clean + int8 ONNX): {encoder:7.1f} texts/s (x{encoder / base:.2f})")
    full = local["optimised_full_rate"]
    print(
        f"optimised full classification:         {full:7.1f} texts/s (x{full / base:.2f}), "
        f"single {local['optimised_single_ms']:.1f} ms, intent accuracy "
        f"{local['accuracy_optimised']:.2%}"
    )


def serve_figures(url: str, texts: list[str], local: dict[str, float]) -> None:
    tokens = asyncio.run(tokens_for(url))
    endpoint = f"{url}/api/v1/classify"
    in_process = local["optimised_full_rate"]
    singles = [json.dumps({"text": t}) for t in texts]
    wrk(endpoint, singles, tokens, 32, 5)  # warm-up: connections, caches, batch queues
    row = wrk(endpoint, singles, tokens, 32, 20)
    print(
        f"Serve over HTTP, 32 clients, 1 text/request: {row['rps']:7.1f} texts/s = "
        f"{row['rps'] / in_process:.0%} of in-process (target >= 70%); p50 "
        f"{row['p50_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms, non-2xx {int(row['non_2xx'])}"
    )
    batches = [json.dumps({"texts": texts[i : i + 8]}) for i in range(0, len(texts), 8)]
    row = wrk(endpoint, batches, tokens, 32, 20)
    rate_8 = row["rps"] * 8
    print(
        f"Serve over HTTP, 32 clients, 8 texts/request: {rate_8:7.1f} texts/s = "
        f"{rate_8 / in_process:.0%} of in-process, non-2xx {int(row['non_2xx'])}"
    )
    latencies = asyncio.run(paced(endpoint, tokens, texts, 20, 15))
    q = statistics.quantiles(latencies, n=100)
    print(
        f"single requests at 20 req/s: p50 {q[49]:.1f} ms, p95 {q[94]:.1f} ms "
        f"(target p95 < 50 ms), n={len(latencies)}"
    )
    for name, sizes in sorted(replica_rss().items()):
        shown = ", ".join(f"{size:.0f}" for size in sizes)
        print(f"RSS {name:<11} replicas: {shown} MB (target < 512 MB)")


if __name__ == "__main__":
    main()
