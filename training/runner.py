"""The training worker: claims queued runs, trains, registers, and never loses or doubles one.

- A run is claimed with `FOR UPDATE SKIP LOCKED`, so two workers never take the same run.
- While it trains, the worker writes progress and a heartbeat every `heartbeat_s`.
- A running run whose heartbeat is older than `stale_after_s` (its worker died) is queued
  again, up to `max_attempts`, then failed with the reason.
- Registration is idempotent (the MLflow version is found by our run id), and the run's end
  is written in the same transaction as the serving copy of the version.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.bundle import Bundle
from store.base import utcnow
from store.tables import TrainingRun
from training import jobs, sources
from training.export import export_examples, write_jsonl
from training.lifecycle import Lifecycle

log = logging.getLogger(__name__)
MIN_ORG_EXAMPLES = 10


class RunFailed(Exception):
    """A run that cannot succeed as asked (no data, bad parameters): failed, not retried."""


class LostRun(Exception):
    """This worker no longer owns the run (it was re-queued while this worker stalled, and
    another took it): stop without touching the run or registering anything."""


@dataclass
class Live:
    """What the training thread last reported, written to the database by the heartbeat."""

    progress: float = 0.0
    stage: str = "queued"
    info: dict[str, float] | None = None


def base_source(dataset: str, params: dict[str, Any]) -> tuple[sources.Source, dict[str, str]]:
    """The public data of a run, and the intent → category map that goes with it."""
    source = sources.for_run(dataset, params)
    categories: dict[str, str] = {}
    if dataset == "bitext" or (dataset == sources.ORG and params.get("base", "bitext") == "bitext"):
        from training import datasets

        categories = {intent: category for _, intent, category in datasets.bitext()}
    return source, categories


class TrainingWorker:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        lifecycle: Lifecycle,
        *,
        workdir: Path,
        name: str | None = None,
        heartbeat_s: float = 2.0,
        stale_after_s: float = 120.0,
        max_attempts: int = 3,
        use_ray: bool | None = None,
    ) -> None:
        self.sessions = sessions
        self.lifecycle = lifecycle
        self.workdir = workdir
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.heartbeat_s = heartbeat_s
        self.stale_after_s = stale_after_s
        self.max_attempts = max_attempts
        self.use_ray = use_ray

    async def requeue_stale(self) -> int:
        """Runs whose worker stopped beating: queued again, or failed after `max_attempts`."""
        cutoff = utcnow() - timedelta(seconds=self.stale_after_s)
        async with self.sessions() as session, session.begin():
            stale = list(
                await session.scalars(
                    select(TrainingRun)
                    .where(TrainingRun.status == "running", TrainingRun.heartbeat_at < cutoff)
                    .with_for_update(skip_locked=True)
                )
            )
            for run in stale:
                if run.attempts >= self.max_attempts:
                    run.status, run.stage, run.finished_at = "failed", "failed", utcnow()
                    run.error = f"the worker stopped {run.attempts} times while training"
                    run.worker = None
                else:
                    run.status, run.stage = "queued", "requeued after a worker stopped"
                    run.worker = None
            return len(stale)

    async def claim(self) -> uuid.UUID | None:
        async with self.sessions() as session, session.begin():
            run = await session.scalar(
                select(TrainingRun)
                .where(TrainingRun.status == "queued")
                .order_by(TrainingRun.created_at)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if run is None:
                return None
            now = utcnow()
            run.status, run.stage, run.worker = "running", "starting", self.name
            run.attempts += 1
            run.started_at = run.started_at or now
            run.heartbeat_at = now
            return run.id

    async def run_once(self) -> uuid.UUID | None:
        await self.requeue_stale()
        run_id = await self.claim()
        if run_id is not None:
            await self.execute(run_id)
        return run_id

    async def serve(self, stop: asyncio.Event, poll_s: float = 1.0) -> None:
        while not stop.is_set():
            try:
                claimed = await self.run_once()
            except Exception:
                log.exception("training worker loop failed; retrying")
                claimed = None
            if claimed is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), poll_s)

    async def _beat(self, run_id: uuid.UUID, live: Live) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(TrainingRun)
                .where(TrainingRun.id == run_id, TrainingRun.worker == self.name)
                .values(
                    progress=round(min(1.0, live.progress), 4),
                    stage=live.stage,
                    heartbeat_at=utcnow(),
                )
            )

    async def _heartbeat(self, run_id: uuid.UUID, live: Live) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_s)
            try:
                await self._beat(run_id, live)
            except Exception:
                log.warning("training heartbeat failed", exc_info=True)

    async def execute(self, run_id: uuid.UUID) -> None:
        live = Live(stage="exporting data")
        beat = asyncio.create_task(self._heartbeat(run_id, live))
        workdir = self.workdir / str(run_id)
        try:
            await self._execute(run_id, live, workdir)
        except LostRun:
            log.warning("training run %s was taken over by another worker; dropping it", run_id)
        except asyncio.CancelledError:
            await self._end(run_id, "queued", error=None, stage="requeued: the worker stopped")
            raise
        except Exception as exc:
            expected = isinstance(exc, RunFailed | ValueError | KeyError)
            if not expected:
                log.exception("training run %s failed", run_id)
            await self._end(run_id, "failed", error=_reason(exc), stage="failed")
        finally:
            beat.cancel()
            shutil.rmtree(workdir, ignore_errors=True)

    async def _end(self, run_id: uuid.UUID, status: str, *, error: str | None, stage: str) -> None:
        async with self.sessions() as session, session.begin():
            values: dict[str, Any] = {"status": status, "stage": stage, "error": error}
            if status != "queued":
                values["finished_at"] = utcnow()
            else:
                values["worker"] = None
            await session.execute(
                update(TrainingRun).where(TrainingRun.id == run_id).values(**values)
            )

    async def _owned(self, session: AsyncSession, run_id: uuid.UUID) -> TrainingRun:
        """The run, locked, if this worker still owns it; else `LostRun`."""
        run = await session.scalar(
            select(TrainingRun).where(TrainingRun.id == run_id).with_for_update()
        )
        if run is None or run.status != "running" or run.worker != self.name:
            raise LostRun(str(run_id))
        return run

    async def _execute(self, run_id: uuid.UUID, live: Live, workdir: Path) -> None:
        async with self.sessions() as session, session.begin():
            run = await self._owned(session, run_id)
            org_id, task, dataset, trainer = run.organization_id, run.task, run.dataset, run.trainer
            params = dict(run.params or {})
            snapshot = await export_examples(session, org_id, task)
        source, categories = await asyncio.to_thread(base_source, dataset, params)
        known = set(source.labels)
        org_examples = [
            (t, label) for t, label in snapshot.examples if dataset == sources.ORG or label in known
        ]
        added = source.add(org_examples)
        if dataset == sources.ORG and added < MIN_ORG_EXAMPLES:
            raise RunFailed(
                f"the organization has {added} labelled {task} examples; at least "
                f"{MIN_ORG_EXAMPLES} are needed (label messages, or train on a public dataset)"
            )
        source = sources.shaped(source, params)
        snapshot_file = workdir / f"{snapshot.snapshot_id}.jsonl"
        await asyncio.to_thread(_write_snapshot, snapshot, snapshot_file)
        # Only now that the data is good: the shipped default becomes version 1 (champion).
        async with self.sessions() as session, session.begin():
            await self._owned(session, run_id)
            await self.lifecycle.ensure_default_champion(session, org_id, task)
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(TrainingRun)
                .where(TrainingRun.id == run_id)
                .values(snapshot_id=snapshot.snapshot_id, stage="training", progress=0.05)
            )
        live.stage, live.progress = "training", 0.05
        started = time.monotonic()

        def report(value: float, info: dict[str, float]) -> None:
            if "waiting_for_cpus" in info:
                live.stage = f"waiting for cluster resources ({info['waiting_for_cpus']} CPU)"
                return
            live.progress = 0.05 + 0.85 * value
            live.stage = "evaluating" if value >= 0.86 else "training"
            live.info = info

        train_params = {k: v for k, v in params.items() if k not in ("labels", "limit", "base")}
        spec = jobs.JobSpec(source, trainer, train_params, workdir, categories)
        result = await jobs.run(spec, report, use_ray=self.use_ray)
        seconds = round(time.monotonic() - started, 1)
        live.stage, live.progress = "registering", 0.92
        metrics = {
            **result.metrics,
            "dataset": dataset,
            "trainer": trainer,
            "training_seconds": seconds,
            "org_examples": added,
            "snapshot_id": snapshot.snapshot_id,
            "examples": source.counts(),
            "data_params": {k: params[k] for k in ("labels", "limit", "base") if k in params},
        }
        async with self.sessions() as session, session.begin():
            await self._owned(session, run_id)
        mlflow_run, version = await asyncio.to_thread(
            self.lifecycle.tracker.log_version,
            organization_id=str(org_id),
            name=task,
            run_id=str(run_id),
            run_name=f"{task}-{dataset}-{trainer}",
            bundle_dir=result.bundle_dir,
            params={"task": task, "dataset": dataset, **result.params, **_counts(source)},
            metrics=metrics,
            tags={"snapshot_id": snapshot.snapshot_id, "dataset": dataset, "trainer": trainer},
            history=result.history,
            documents=result.documents,
            files=[snapshot_file],
        )
        Bundle.load(result.bundle_dir)  # never register what serving could not load
        async with self.sessions() as session, session.begin():
            run = await self._owned(session, run_id)
            await self.lifecycle.record_version(
                session,
                org_id,
                task,
                version,
                bundle=result.bundle_dir,
                metrics=_public(metrics),
                mlflow_run_id=mlflow_run,
            )
            run.status, run.stage, run.progress = "succeeded", "done", 1.0
            run.metrics = _public(metrics)
            run.model_name, run.model_version, run.mlflow_run_id = task, version, mlflow_run
            run.finished_at, run.error = utcnow(), None


def _write_snapshot(snapshot: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_jsonl(snapshot, path)


def _counts(source: sources.Source) -> dict[str, int]:
    return {f"n_{k}": v for k, v in source.counts().items()}


def _public(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in metrics.items()}


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text[:1000]


def main(argv: list[str] | None = None) -> None:
    """`python -m training.runner [--once]`: a training worker outside the Ray cluster (a GPU
    box, or more throughput), on the same database and MLflow as the platform
    (DATABASE_URL, MLFLOW_TRACKING_URI, ORG_MODELS_DIR shared with the serving nodes)."""
    import argparse

    from store.db import create_engine_from, session_factory
    from store.settings import Settings
    from training.tracking import Tracker

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--once", action="store_true", help="train one queued run, then exit")
    args = parser.parse_args(argv)
    settings = Settings()
    lifecycle = Lifecycle(Tracker(settings.require("mlflow_tracking_uri")), settings.org_models_dir)

    async def work() -> None:
        engine = create_engine_from(settings)
        worker = TrainingWorker(
            session_factory(engine),
            lifecycle,
            workdir=settings.data_dir.resolve() / "training",
            use_ray=False,
        )
        try:
            if args.once:
                await worker.run_once()
            else:
                await worker.serve(asyncio.Event())
        finally:
            await engine.dispose()

    asyncio.run(work())


if __name__ == "__main__":
    main()
