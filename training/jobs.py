"""The compute of one training run: train on a source, evaluate every split, return the bundle.

`compute` is a plain function of plain data, so it runs the same in a thread (tests, a
laptop without Ray) and as a Ray task on the cluster (`run`), where it reserves
`TRAINING_NUM_CPUS` (default 0.1: on one small machine the reservation is nominal and torch
uses every core; on a cluster ask for a whole node's worth, and a GPU with
`TRAINING_NUM_GPUS`). Progress comes back through a Ray queue; the bundle comes back as a tar
archive, so the task may run on any node.
"""

from __future__ import annotations

import asyncio
import io
import os
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from training.evaluation import Scorer, evaluate, latency_ms, oos_figures, shared_encoder
from training.sources import Source
from training.trainers import train

Progress = Callable[[float, dict[str, float]], None]
HEADLINE = ("accuracy", "macro_f1", "ece")


@dataclass
class JobSpec:
    source: Source
    trainer: str
    params: dict[str, Any]
    workdir: Path
    categories: dict[str, str] = field(default_factory=dict)


@dataclass
class JobResult:
    bundle_dir: Path
    params: dict[str, Any]
    metrics: dict[str, Any]
    history: list[dict[str, float]]
    documents: dict[str, Any]
    archive: bytes | None = None  # the bundle, when computed on another node


def compute(spec: JobSpec, progress: Progress | None = None) -> JobResult:
    """Trains (progress 0-0.85), then evaluates on validation, gate and test (0.85-1)."""
    source = spec.source

    def scaled(value: float, info: dict[str, float]) -> None:
        if progress:
            progress(0.85 * min(1.0, value), info)

    candidate = train(
        source,
        spec.trainer,
        spec.workdir / "bundle",
        params=spec.params,
        categories=spec.categories,
        progress=scaled,
    )
    if progress:
        progress(0.86, {})
    scorer = Scorer.load(candidate.bundle_dir, shared=shared_encoder())
    metrics: dict[str, Any] = {**candidate.fit}
    documents: dict[str, Any] = {"data/splits.json": source.counts()}
    for split in ("validation", "gate", "test"):
        examples = source.split(split)
        if not examples:
            continue
        result = evaluate(scorer, examples, prefix=f"{split}_", detail=split in ("gate", "test"))
        for part in ("report", "confusion"):
            if part in result:
                documents[f"evaluation/{split}_{part}.json"] = result.pop(part)
        metrics.update(result)
    final = "test" if source.test else "gate"
    for name in HEADLINE:
        metrics[name] = metrics.get(f"{final}_{name}", 0.0)
    metrics["reported_on"] = final
    metrics.update(latency_ms(scorer, [t for t, _ in (source.gate or source.validation)]))
    if source.oos_validation and source.oos_test:
        metrics.update(
            oos_figures(
                scorer, source.validation, source.oos_validation, source.test, source.oos_test
            )
        )
    if progress:
        progress(1.0, {})
    return JobResult(candidate.bundle_dir, candidate.params, metrics, candidate.history, documents)


def _archive(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.add(directory, arcname="bundle")
    return buffer.getvalue()


def _remote(spec: JobSpec, queue: Any) -> JobResult:
    def report(value: float, info: dict[str, float]) -> None:
        queue.put_nowait((value, info))

    result = compute(spec, report)
    result.archive = _archive(result.bundle_dir)
    return result


def ray_available() -> bool:
    try:
        import ray
    except ImportError:
        return False
    return bool(ray.is_initialized())


async def run(spec: JobSpec, progress: Progress, *, use_ray: bool | None = None) -> JobResult:
    """`compute` as a Ray task when Ray is up (else in a thread), reporting progress here."""
    if not (ray_available() if use_ray is None else use_ray):
        loop = asyncio.get_running_loop()

        def threadsafe(value: float, info: dict[str, float]) -> None:
            loop.call_soon_threadsafe(progress, value, info)

        return await asyncio.to_thread(compute, spec, threadsafe)
    import ray
    from ray.util.queue import Empty, Queue

    cpus = float(os.environ.get("TRAINING_NUM_CPUS", "0.1"))
    gpus = float(os.environ.get("TRAINING_NUM_GPUS", "0"))
    queue = Queue(actor_options={"num_cpus": 0})
    task = ray.remote(_remote).options(num_cpus=cpus, num_gpus=gpus, name="training-job")
    progress(0.0, {"waiting_for_cpus": cpus, "waiting_for_gpus": gpus})
    pending = asyncio.ensure_future(task.remote(spec, queue))
    try:
        while True:
            await asyncio.wait({pending}, timeout=1.0)
            while True:
                try:
                    progress(*(await queue.get_async(block=False)))
                except Empty:
                    break
            if pending.done():
                break
        result: JobResult = pending.result()
    finally:
        ray.kill(queue.actor)  # type: ignore[arg-type]
    if result.archive is not None:
        target = spec.workdir / "from-task"
        with tarfile.open(fileobj=io.BytesIO(result.archive), mode="r") as tar:
            tar.extractall(target, filter="data")
        result.bundle_dir = target / "bundle"
        result.archive = None
    return result
