"""Agents' label corrections and confirmations as training examples: one snapshot per export.

For each (message, head) the newest correction wins (an agent may change their mind); the text
is what the classifier read, prepared as it prepares it, so training sees what serving sees.
The snapshot id is a hash of the rows: the same data always gets the same id, any change a new
one, so an MLflow run names exactly what it was trained on.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, get_args

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.pipeline import prepare
from store.tables import LabelCorrection, Message

# The Classification heads an agent can correct (models/contract.py); language and PII are not.
Head = Literal["intent", "category", "sentiment", "priority"]
HEADS: tuple[str, ...] = get_args(Head)


@dataclass(frozen=True)
class Snapshot:
    """The examples of one export, sorted by text, with the id that names them."""

    snapshot_id: str
    examples: list[tuple[str, str]]
    counts: dict[str, int]
    exported_at: datetime


@dataclass(frozen=True)
class _Labelled:
    text: str
    label: str
    confirmed: bool
    at: datetime
    correction_id: uuid.UUID


def classifier_text(text: str, subject: str | None) -> str:
    """What the classifier read, prepared: the body, or the subject of a message without one
    (the pipeline's rule, ingestion/pipeline/persist.py). Empty when there is nothing to learn."""
    return prepare(text if text.strip() else (subject or ""))


async def export_examples(
    session: AsyncSession,
    organization_id: uuid.UUID,
    head: str = "intent",
    *,
    limit: int | None = None,
) -> Snapshot:
    """The organization's examples for `head`; with `limit`, only the most recently labelled.

    counts: `examples`, distinct `labels`, and of the examples those whose label differs from
    the model's (`corrections`) or repeats it (`confirmations`)."""
    if head not in HEADS:
        raise ValueError(f"unknown head {head!r}; expected one of {', '.join(HEADS)}")
    if limit is not None and limit < 0:
        raise ValueError("limit must be >= 0")
    kept = _dedupe(await _newest_per_message(session, organization_id, head))
    if limit is not None:
        kept = sorted(kept, key=_recency, reverse=True)[:limit]
    kept.sort(key=lambda x: (x.text, x.label))
    examples = [(x.text, x.label) for x in kept]
    confirmations = sum(x.confirmed for x in kept)
    counts = {
        "examples": len(examples),
        "labels": len({label for _, label in examples}),
        "corrections": len(examples) - confirmations,
        "confirmations": confirmations,
    }
    return Snapshot(snapshot_id(examples), examples, counts, datetime.now(UTC))


def snapshot_id(examples: list[tuple[str, str]]) -> str:
    """`snap-` and 16 hex digits of a SHA-256 over the sorted rows, one JSON array per line."""
    digest = hashlib.sha256()
    for text, label in sorted(examples):
        digest.update(json.dumps([text, label], ensure_ascii=False).encode())
        digest.update(b"\n")
    return "snap-" + digest.hexdigest()[:16]


def write_jsonl(snapshot: Snapshot, path: str | Path) -> Path:
    """One `{"text", "label"}` object per line, no header line; returns the path written."""
    target = Path(path)
    with target.open("w", encoding="utf-8", newline="\n") as out:
        for text, label in snapshot.examples:
            out.write(json.dumps({"text": text, "label": label}, ensure_ascii=False) + "\n")
    return target


async def _newest_per_message(
    session: AsyncSession, organization_id: uuid.UUID, head: str
) -> list[_Labelled]:
    """Each labelled inbound message of the organization once, with its newest correction."""
    lc = LabelCorrection
    stmt = (
        select(lc.id, lc.new_label, lc.old_label, lc.created_at, Message.text, Message.subject)
        .join(Message, Message.id == lc.message_id)
        .where(
            lc.organization_id == organization_id,
            Message.organization_id == organization_id,
            Message.direction == "inbound",
            lc.head == head,
        )
        .distinct(lc.message_id)
        .order_by(lc.message_id, lc.created_at.desc(), lc.id.desc())
    )
    return [
        _Labelled(
            text=classifier_text(text or "", subject),
            label=new,
            confirmed=new == old,
            at=at,
            correction_id=correction_id,
        )
        for correction_id, new, old, at, text, subject in (await session.execute(stmt)).all()
    ]


def _recency(item: _Labelled) -> tuple[datetime, str]:
    return item.at, str(item.correction_id)


def _dedupe(items: Iterable[_Labelled]) -> list[_Labelled]:
    """Empty texts dropped; of identical texts, the most recently labelled one kept."""
    newest: dict[str, _Labelled] = {}
    for item in items:
        if not item.text:
            continue
        seen = newest.get(item.text)
        if seen is None or _recency(item) > _recency(seen):
            newest[item.text] = item
    return list(newest.values())
