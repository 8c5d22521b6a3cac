"""Re-classify an organization's recent inbound messages with the serving model, after a promotion.

Reads the newest classified inbound messages, classifies what the pipeline classified (the body,
or the subject of a message without one) in batches, and stores each new classification as the
pipeline stores it, one transaction per batch: a crash leaves every message old or new, never
half, and a second run rewrites the same answers. With Ray up and a `ClassifyBatch` to ship, the
classification is a Ray Data job; otherwise it runs in this process. Writes always happen here.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.contract import Classification
from models.service import ClassifierService
from store.tables import Message

Classify = Callable[[list[str]], Awaitable[list[Classification]]]
Batch = dict[str, npt.NDArray[Any]]
TOP_CHANGES = 20
RAY_NUM_CPUS = 0.25


@dataclass(frozen=True)
class ClassifyBatch:
    """Which model to classify with, as plain data a Ray Data actor can load on its own:
    the multiplexed model id ("" for the shipped default) under the organization models folder.
    The actor's node must hold that folder (a local Ray, or a shared volume)."""

    model_id: str
    model_root: str
    bundle_dir: str | None = None
    review_threshold: float | None = None


class BatchClassifier:
    """The Ray Data callable class: loads the models once, then classifies numpy batches of
    {"id", "text"} into {"id", "classification"} (each the Classification's JSON)."""

    def __init__(self, spec: ClassifyBatch) -> None:
        self.spec = spec
        bundle_dir = Path(spec.bundle_dir) if spec.bundle_dir else None
        self.service = ClassifierService.load(bundle_dir, Path(spec.model_root))

    def classify(self, texts: Sequence[str]) -> list[Classification]:
        return self.service.classify(
            list(texts), model_id=self.spec.model_id, review_threshold=self.spec.review_threshold
        )

    def __call__(self, batch: Batch) -> Batch:
        found = self.classify([str(text) for text in batch["text"]])
        encoded = np.array([c.model_dump_json() for c in found], dtype=object)
        return {"id": batch["id"], "classification": encoded}


@dataclass(frozen=True, slots=True)
class _Row:
    id: uuid.UUID
    text: str
    old_label: str | None


@dataclass
class _Tally:
    examined: int = 0
    changes: Counter[str] = field(default_factory=Counter)

    def add(self, rows: Sequence[_Row], found: Sequence[Classification]) -> None:
        for row, new in zip(rows, found, strict=True):
            self.examined += 1
            if row.old_label != new.intent.label:
                self.changes[f"{row.old_label or '(none)'}→{new.intent.label}"] += 1

    def summary(self, model_version: str, seconds: float) -> dict[str, Any]:
        changed = self.changes.total()
        return {
            "examined": self.examined,
            "changed": changed,
            "unchanged": self.examined - changed,
            "changes": dict(self.changes.most_common(TOP_CHANGES)),
            "model_version": model_version,
            "seconds": round(seconds, 3),
        }


async def reclassify_recent(
    sessions: async_sessionmaker[AsyncSession],
    organization_id: uuid.UUID,
    classify: Classify | ClassifyBatch,
    *,
    model_version: str,
    limit: int = 1000,
    batch_size: int = 64,
    use_ray: bool | None = None,
) -> dict[str, Any]:
    """Re-classifies the organization's `limit` newest classified inbound messages and stores
    the results; `model_version` is the `name:version` the classifier must answer with (it is
    checked per batch, so the column never disagrees with the stored classification).

    Returns examined / changed (intent label differs) / unchanged, the 20 commonest
    `"old→new"` changes, the model version and the seconds taken."""
    if limit < 0 or batch_size < 1:
        raise ValueError("limit must be >= 0 and batch_size >= 1")
    started = time.monotonic()
    rows = await _recent(sessions, organization_id, limit)
    tally = _Tally()
    async for part, found in _classified(rows, classify, batch_size, use_ray):
        _check_version(found, model_version)
        await _store(sessions, organization_id, part, found, model_version)
        tally.add(part, found)
    return tally.summary(model_version, time.monotonic() - started)


def classified_text(text: str, subject: str | None) -> str:
    """What the pipeline classified, unprepared (the classifier prepares it, and PII offsets
    index it): the body, or the subject when the body is blank (ingestion/pipeline/persist.py)."""
    return text if text.strip() else (subject or "")


async def _recent(
    sessions: async_sessionmaker[AsyncSession], organization_id: uuid.UUID, limit: int
) -> list[_Row]:
    # jsonb_typeof: a message stored without a classification may hold SQL NULL or JSON null.
    stmt = (
        select(
            Message.id,
            Message.text,
            Message.subject,
            Message.classification["intent"]["label"].astext,
        )
        .where(
            Message.organization_id == organization_id,
            Message.direction == "inbound",
            func.jsonb_typeof(Message.classification) == "object",
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    )
    async with sessions() as session:
        found = (await session.execute(stmt)).all()
    return [
        _Row(mid, classified_text(text or "", subject), old) for mid, text, subject, old in found
    ]


async def _classified(
    rows: list[_Row], classify: Classify | ClassifyBatch, batch_size: int, use_ray: bool | None
) -> AsyncIterator[tuple[list[_Row], list[Classification]]]:
    if not rows:
        return
    if isinstance(classify, ClassifyBatch):
        if _ray_wanted(use_ray):
            async for item in _ray_batches(rows, classify, batch_size):
                yield item
            return
        classify = _in_process(classify)
    elif use_ray:
        raise TypeError(
            "the Ray Data path needs a ClassifyBatch (the model to load), not a function"
        )
    for start in range(0, len(rows), batch_size):
        part = rows[start : start + batch_size]
        yield part, await classify([row.text for row in part])


def _ray_wanted(use_ray: bool | None) -> bool:
    if use_ray is not None:
        return use_ray
    try:
        import ray
    except ImportError:
        return False
    return bool(ray.is_initialized())


def _in_process(spec: ClassifyBatch) -> Classify:
    """The batch class as a `Classify`: loaded on first use, run off the event loop."""
    loaded: list[BatchClassifier] = []

    async def classify(texts: list[str]) -> list[Classification]:
        if not loaded:
            loaded.append(await asyncio.to_thread(BatchClassifier, spec))
        return await asyncio.to_thread(loaded[0].classify, texts)

    return classify


async def _ray_batches(
    rows: list[_Row], spec: ClassifyBatch, batch_size: int
) -> AsyncIterator[tuple[list[_Row], list[Classification]]]:
    """One actor classifies; batches come back here as they finish (order not kept, ids are)."""
    import ray

    by_id = {str(row.id): row for row in rows}
    dataset = ray.data.from_items([{"id": str(r.id), "text": r.text} for r in rows]).map_batches(
        BatchClassifier,
        fn_constructor_kwargs={"spec": spec},
        batch_size=batch_size,
        batch_format="numpy",
        concurrency=1,
        num_cpus=RAY_NUM_CPUS,
    )
    batches = iter(dataset.iter_batches(batch_size=batch_size, batch_format="numpy"))
    while (batch := await asyncio.to_thread(next, batches, None)) is not None:
        part = [by_id[str(mid)] for mid in batch["id"]]
        found = [Classification.model_validate_json(str(c)) for c in batch["classification"]]
        yield part, found


def _check_version(found: Sequence[Classification], model_version: str) -> None:
    other = sorted({c.model_version for c in found} - {model_version})
    if other:
        raise ValueError(f"the classifier answered with {other}, not {model_version!r}")


async def _store(
    sessions: async_sessionmaker[AsyncSession],
    organization_id: uuid.UUID,
    rows: Sequence[_Row],
    found: Sequence[Classification],
    model_version: str,
) -> None:
    """One batch in one transaction; each UPDATE sets both columns, org-scoped by its WHERE.
    A Core executemany on the session's connection: given a list of parameters, the ORM would
    run its bulk update by primary key instead of this statement."""
    stmt = (
        update(Message)
        .where(Message.id == bindparam("row_id"), Message.organization_id == organization_id)
        .values(classification=bindparam("data"), model_version=model_version)
    )
    params = [
        {"row_id": row.id, "data": new.model_dump(mode="json")}
        for row, new in zip(rows, found, strict=True)
    ]
    async with sessions.begin() as session:
        await (await session.connection()).execute(stmt, params)
