"""The training worker on real PostgreSQL and MLflow: a dead worker's run is retried then failed,
two workers never share a run, a run without data fails with the reason, registration is
idempotent, and a job reports its progress in order."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mlflow.tracking import MlflowClient
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from api.runtime import Runtime
from models.bundle import Bundle
from models.heads import LinearHead
from models.registry import registered_name
from store.base import utcnow
from store.tables import AIModel, Conversation, LabelCorrection, Message, Organization, TrainingRun
from training import jobs, sources
from training.lifecycle import Lifecycle
from training.runner import MIN_ORG_EXAMPLES, TrainingWorker
from training.sources import Example, cut
from training.tracking import CHALLENGER, RUN_TAG, Tracker

LABELS = ["card_arrival", "exchange_rate", "pin_blocked"]


@pytest.fixture
def lifecycle(mlflow_uri: str, tmp_path: Path) -> Lifecycle:
    return Lifecycle(Tracker(mlflow_uri), tmp_path / "models")


def bound_sessions(db: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Sessions on the test's transaction: their commits are savepoints, rolled back after."""
    return async_sessionmaker(
        bind=db,
        class_=AsyncSession,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
    )


def bound_worker(db: AsyncConnection, lifecycle: Lifecycle, workdir: Path) -> TrainingWorker:
    """A worker on the test's one connection: no heartbeat during the test, since a beat would
    share that connection with the run's own session at the same moment."""
    return TrainingWorker(
        bound_sessions(db), lifecycle, workdir=workdir, heartbeat_s=3600, use_ray=False
    )


def queued_run(org_id: uuid.UUID, **values: Any) -> TrainingRun:
    fields: dict[str, Any] = {
        "task": "intent",
        "dataset": "banking77",
        "trainer": "embedding-logreg",
        "params": {},
    }
    return TrainingRun(organization_id=org_id, **{**fields, **values})


async def new_org(session: AsyncSession) -> uuid.UUID:
    org_id = uuid.uuid4()
    session.add(Organization(id=org_id, name="Training Co", slug=f"train-{org_id.hex[:12]}"))
    await session.flush()
    return org_id


async def fresh(session: AsyncSession, run_id: uuid.UUID) -> TrainingRun:
    run = await session.get(TrainingRun, run_id, populate_existing=True)
    assert run is not None
    return run


async def test_a_run_whose_worker_stopped_is_requeued_then_failed_at_max_attempts(
    db: AsyncConnection, session: AsyncSession, lifecycle: Lifecycle, tmp_path: Path
) -> None:
    worker = TrainingWorker(
        bound_sessions(db), lifecycle, workdir=tmp_path, name="w1", stale_after_s=60, max_attempts=3
    )
    org_id = await new_org(session)
    alive = queued_run(org_id, status="running", attempts=1, worker="w0", heartbeat_at=utcnow())
    session.add(alive)
    await session.flush()
    run = queued_run(org_id)
    session.add(run)
    await session.flush()

    for attempt in (1, 2, 3):
        assert await worker.claim() == run.id
        claimed = await fresh(session, run.id)
        assert (claimed.status, claimed.attempts, claimed.worker) == ("running", attempt, "w1")
        claimed.heartbeat_at = utcnow() - timedelta(minutes=5)  # the worker died
        await session.flush()
        assert await worker.requeue_stale() == 1
        after = await fresh(session, run.id)
        if attempt < 3:
            assert (after.status, after.worker) == ("queued", None)
            assert "requeued" in (after.stage or "")
            assert after.error is None and after.finished_at is None

    failed = await fresh(session, run.id)
    assert failed.status == "failed" and failed.finished_at is not None
    assert failed.error == "the worker stopped 3 times while training"
    assert await worker.claim() is None
    untouched = await fresh(session, alive.id)
    assert (untouched.status, untouched.worker) == ("running", "w0")


@pytest.fixture
async def committed_org(runtime: Runtime) -> AsyncIterator[uuid.UUID]:
    """An organization committed for real, so separate connections see it; deleted after
    (its runs with it, by cascade)."""
    async with runtime.sessions() as session, session.begin():
        org_id = await new_org(session)
    yield org_id
    async with runtime.sessions() as session, session.begin():
        await session.execute(delete(Organization).where(Organization.id == org_id))


async def test_two_workers_claiming_at_once_never_get_the_same_run(
    runtime: Runtime, committed_org: uuid.UUID, lifecycle: Lifecycle, tmp_path: Path
) -> None:
    async with runtime.sessions() as session, session.begin():
        runs = [queued_run(committed_org) for _ in range(20)]
        session.add_all(runs)
    ids = {run.id for run in runs}
    workers = [
        TrainingWorker(runtime.sessions, lifecycle, workdir=tmp_path, name=name)
        for name in ("w1", "w2")
    ]

    async def drain(worker: TrainingWorker) -> list[uuid.UUID]:
        claimed = []
        while (run_id := await worker.claim()) is not None:
            claimed.append(run_id)
        return claimed

    # Two pooled connections up first: a worker still connecting would let the other drain all.
    async with runtime.engine.connect(), runtime.engine.connect():
        pass
    first, second = await asyncio.gather(*(drain(w) for w in workers))
    assert first and second  # both really claimed, interleaved
    assert not set(first) & set(second)
    assert len(first) + len(second) == len(set(first) | set(second))
    assert ids <= set(first) | set(second)
    async with runtime.sessions() as session:
        rows = (await session.scalars(select(TrainingRun).where(TrainingRun.id.in_(ids)))).all()
    owner = {**dict.fromkeys(first, "w1"), **dict.fromkeys(second, "w2")}
    assert all((r.status, r.attempts, r.worker) == ("running", 1, owner[r.id]) for r in rows)


async def test_a_run_locked_by_another_worker_is_skipped_not_waited_for(
    runtime: Runtime, committed_org: uuid.UUID, lifecycle: Lifecycle, tmp_path: Path
) -> None:
    async with runtime.sessions() as session, session.begin():
        older, newer = queued_run(committed_org), queued_run(committed_org)
        session.add(older)
        await session.flush()
        session.add(newer)
    worker = TrainingWorker(runtime.sessions, lifecycle, workdir=tmp_path, name="w2")
    async with runtime.sessions() as holder, holder.begin():
        # Another worker is between its SELECT ... FOR UPDATE and its commit.
        await holder.execute(
            select(TrainingRun).where(TrainingRun.id == older.id).with_for_update()
        )
        assert await asyncio.wait_for(worker.claim(), timeout=10) == newer.id
        assert await asyncio.wait_for(worker.claim(), timeout=10) is None


async def test_an_org_run_without_labelled_examples_fails_naming_the_minimum(
    db: AsyncConnection, session: AsyncSession, lifecycle: Lifecycle, tmp_path: Path
) -> None:
    worker = bound_worker(db, lifecycle, tmp_path)
    org_id = await new_org(session)
    run = queued_run(org_id, dataset="org", params={"base": "none"})
    session.add(run)
    await session.flush()

    assert await worker.run_once() == run.id
    failed = await fresh(session, run.id)
    assert failed.status == "failed" and failed.stage == "failed"
    assert failed.error is not None
    assert f"has 0 labelled intent examples; at least {MIN_ORG_EXAMPLES}" in failed.error
    assert failed.finished_at is not None and failed.progress < 1.0
    assert (failed.model_version, failed.mlflow_run_id) == (None, None)
    # No version of this run was registered, and nothing became challenger.
    tracker = lifecycle.tracker
    registered = registered_name(str(org_id), "intent")
    assert tracker.version_of_run(tracker.registered(str(org_id), "intent"), str(run.id)) is None
    assert tracker.alias(str(org_id), "intent", CHALLENGER) is None
    models = (await session.scalars(select(AIModel).where(AIModel.organization_id == org_id))).all()
    assert all(CHALLENGER not in (m.aliases or []) for m in models)
    client = MlflowClient(tracking_uri=tracker.uri, registry_uri=tracker.uri)
    versions = client.search_model_versions(f"name = '{registered}'")
    assert all(v.tags.get(RUN_TAG) != str(run.id) for v in versions)
    assert not (tmp_path / str(run.id)).exists()


async def test_an_org_run_without_labelled_examples_registers_nothing(
    db: AsyncConnection, session: AsyncSession, lifecycle: Lifecycle, tmp_path: Path
) -> None:
    worker = bound_worker(db, lifecycle, tmp_path)
    org_id = await new_org(session)
    run = queued_run(org_id, dataset="org", params={"base": "none"})
    session.add(run)
    await session.flush()
    await worker.run_once()
    assert (await fresh(session, run.id)).status == "failed"
    models = (await session.scalars(select(AIModel).where(AIModel.organization_id == org_id))).all()
    client = MlflowClient(tracking_uri=lifecycle.tracker.uri)
    versions = client.search_model_versions(f"name = '{registered_name(str(org_id), 'intent')}'")
    assert (list(models), list(versions)) == ([], [])


async def label_messages(session: AsyncSession, org_id: uuid.UUID, rows: list[Example]) -> None:
    """Inbound messages with an agent's intent label each, as the inbox and API write them."""
    conversation = Conversation(organization_id=org_id, channel="api")
    session.add(conversation)
    await session.flush()
    for text, label in rows:
        message = Message(
            organization_id=org_id, conversation_id=conversation.id, direction="inbound", text=text
        )
        session.add(message)
        await session.flush()
        session.add(
            LabelCorrection(
                organization_id=org_id,
                message_id=message.id,
                head="intent",
                old_label="other",
                new_label=label,
            )
        )
    await session.flush()


async def test_an_org_run_with_too_few_labelled_examples_fails_naming_the_minimum(
    db: AsyncConnection, session: AsyncSession, lifecycle: Lifecycle, tmp_path: Path
) -> None:
    worker = bound_worker(db, lifecycle, tmp_path)
    org_id = await new_org(session)
    parcel = (f"my parcel number {i} never arrived" for i in range(100))
    refund = (f"please refund invoice {i}" for i in range(100))
    rows = [(t, "track_order") for t in parcel if cut(t) == "train"][:3]
    rows += [(t, "refund_request") for t in refund if cut(t) == "train"][:2]
    await label_messages(session, org_id, rows)
    run = queued_run(org_id, dataset="org", params={"base": "none"})
    session.add(run)
    await session.flush()

    assert await worker.run_once() == run.id
    failed = await fresh(session, run.id)
    assert failed.status == "failed"
    assert f"has 5 labelled intent examples; at least {MIN_ORG_EXAMPLES}" in (failed.error or "")


def tiny_bundle(out: Path) -> Path:
    rng = np.random.default_rng(7)
    weights = rng.normal(size=(2, 384)).astype(np.float32)
    head = LinearHead("intent", "0", ("a", "b"), weights, np.zeros(2, dtype=np.float32))
    Bundle(name="intent", version="0", heads={"intent": head}).save(out)
    return out


def test_registering_the_same_run_twice_returns_the_same_version(
    lifecycle: Lifecycle, tmp_path: Path
) -> None:
    tracker = lifecycle.tracker
    org, run_id = str(uuid.uuid4()), str(uuid.uuid4())
    arguments: dict[str, Any] = {
        "organization_id": org,
        "name": "intent",
        "run_id": run_id,
        "run_name": "intent-test",
        "bundle_dir": tiny_bundle(tmp_path / "bundle"),
        "params": {"trainer": "embedding-logreg"},
        "metrics": {"accuracy": 0.5},
        "tags": {"dataset": "banking77"},
    }
    first = tracker.log_version(**arguments)
    second = tracker.log_version(**arguments)  # a retry after a crash
    assert first == second and first[1] == "1"
    client = MlflowClient(tracking_uri=tracker.uri, registry_uri=tracker.uri)
    versions = client.search_model_versions(f"name = '{registered_name(org, 'intent')}'")
    assert [v.version for v in versions] == ["1"]
    runs = client.search_runs([tracker.experiment_id(org)], f"tags.`{RUN_TAG}` = '{run_id}'")
    assert [r.info.run_id for r in runs] == [first[0]]


async def test_a_job_reports_progress_in_order_up_to_one(tmp_path: Path) -> None:
    source = sources.banking77().restricted(LABELS).limited(24)
    params = {"c_grid": [4.0], "ngrams": False}
    spec = jobs.JobSpec(source, "embedding-logreg", params, tmp_path)
    seen: list[float] = []

    result = await jobs.run(spec, lambda value, _: seen.append(value), use_ray=False)
    assert seen and seen[-1] == 1.0
    assert all(0.0 <= v <= 1.0 for v in seen)
    assert seen == sorted(seen)
    assert Bundle.load(result.bundle_dir).head("intent").labels == tuple(LABELS)
    assert result.metrics["reported_on"] == "test"
    assert result.metrics["accuracy"] == result.metrics["test_accuracy"]
    assert {"evaluation/test_report.json", "evaluation/gate_confusion.json"} <= set(
        result.documents
    )
