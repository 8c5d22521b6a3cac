"""Each organization's knowledge vectors as one matrix, cached in-process for cosine search.

There is no pgvector: a knowledge base is hundreds to a few thousand entries, so a numpy
matrix product per query is microseconds. Loading the matrix is what costs, so it is cached
per (organization, embedder) and rebuilt only when the cheap freshness stamp changes.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from models.heads import FloatArray
from routing.embedding import EmbedderBackend
from store.scoped import scoped
from store.tables import KbArticle

# A count and the newest updated_at catch every insert, edit and delete made through the ORM
# (each write moves updated_at or the count).
Stamp = tuple[int, datetime | None]


def to_bytes(vector: FloatArray) -> bytes:
    """float32 little-endian, the storage format of `KbArticle.embedding`."""
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(raw: bytes) -> FloatArray:
    return np.frombuffer(raw, dtype="<f4").astype(np.float32)


@dataclass(frozen=True)
class Entry:
    """What search needs of a row; bodies are read only for the hits, to keep the cache small."""

    id: uuid.UUID
    kind: str
    title: str


@dataclass(frozen=True)
class OrgIndex:
    """One organization's entries and their unit vectors, row for row."""

    stamp: Stamp
    entries: tuple[Entry, ...]
    matrix: FloatArray  # len(entries) x dim, L2-normalised rows

    def top(self, query: FloatArray, *, k: int, min_score: float) -> list[tuple[Entry, float]]:
        """The best `k` entries scoring at least `min_score`, best first."""
        if not self.entries or k <= 0:
            return []
        vector = np.asarray(query, dtype=np.float32).reshape(-1)
        if vector.shape[0] != self.matrix.shape[1]:
            return []
        scores = self.matrix @ vector
        count = min(k, len(self.entries))
        best = np.argpartition(-scores, count - 1)[:count]
        ranked = sorted(best.tolist(), key=lambda i: (-float(scores[i]), str(self.entries[i].id)))
        return [(self.entries[i], float(scores[i])) for i in ranked if scores[i] >= min_score]


class IndexCache:
    """Least-recently-used indexes, at most `capacity` of them (one per org and embedder)."""

    def __init__(self, capacity: int = 256) -> None:
        self.capacity = capacity
        self._items: OrderedDict[tuple[uuid.UUID, str], OrgIndex] = OrderedDict()

    def get(self, org_id: uuid.UUID, model: str, stamp: Stamp) -> OrgIndex | None:
        index = self._items.get((org_id, model))
        if index is None or index.stamp != stamp:
            return None
        self._items.move_to_end((org_id, model))
        return index

    def put(self, org_id: uuid.UUID, model: str, index: OrgIndex) -> None:
        self._items[(org_id, model)] = index
        self._items.move_to_end((org_id, model))
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()


_cache = IndexCache()


def clear_cache() -> None:
    """Forget every cached index (tests, or after restoring a database)."""
    _cache.clear()


def embedding_text(title: str, body: str) -> str:
    """What an entry's vector is computed from."""
    return f"{title}\n\n{body}"


async def _stamp(session: AsyncSession, org_id: uuid.UUID) -> Stamp:
    stmt = scoped(KbArticle, org_id).with_only_columns(func.count(), func.max(KbArticle.updated_at))
    count, newest = (await session.execute(stmt)).one()
    return int(count), newest


async def load_index(
    session: AsyncSession, *, org_id: uuid.UUID, embedder: EmbedderBackend
) -> OrgIndex:
    """The organization's index: from the cache while its stamp holds, else from the table."""
    # The stamp is read before the rows: a write landing in between leaves newer rows under
    # an older stamp, which the next call sees as changed and reloads (never the reverse).
    stamp = await _stamp(session, org_id)
    cached = _cache.get(org_id, embedder.name, stamp)
    if cached is not None:
        return cached
    stmt = scoped(KbArticle, org_id).with_only_columns(
        KbArticle.id,
        KbArticle.kind,
        KbArticle.title,
        KbArticle.embedding,
        KbArticle.embedding_model,
    )
    rows = list(await session.execute(stmt))
    entries = tuple(Entry(id=r.id, kind=r.kind, title=r.title) for r in rows)
    vectors = [
        from_bytes(r.embedding) if r.embedding and r.embedding_model == embedder.name else None
        for r in rows
    ]
    filled = await _fill_stale(session, org_id, entries, vectors, embedder)
    matrix = np.stack(filled) if filled else np.zeros((0, 0), dtype=np.float32)
    index = OrgIndex(stamp=stamp, entries=entries, matrix=matrix.astype(np.float32))
    _cache.put(org_id, embedder.name, index)
    return index


async def _fill_stale(
    session: AsyncSession,
    org_id: uuid.UUID,
    entries: tuple[Entry, ...],
    vectors: list[FloatArray | None],
    embedder: EmbedderBackend,
) -> list[FloatArray]:
    """Embeds, in memory, entries stored without a vector of this embedder (a new encoder):
    search stays complete; the stored vector is renewed by the entry's next write."""
    stale = [i for i, vector in enumerate(vectors) if vector is None]
    if stale:
        texts = await _texts(session, org_id, [entries[i].id for i in stale])
        fresh = await embedder.embed([texts.get(entries[i].id, entries[i].title) for i in stale])
        for position, i in enumerate(stale):
            vectors[i] = fresh[position]
    return [vector for vector in vectors if vector is not None]


async def _texts(
    session: AsyncSession, org_id: uuid.UUID, ids: list[uuid.UUID]
) -> dict[uuid.UUID, str]:
    stmt = scoped(KbArticle, org_id).with_only_columns(
        KbArticle.id, KbArticle.title, KbArticle.body
    )
    stmt = stmt.where(KbArticle.id.in_(ids))
    return {r.id: embedding_text(r.title, r.body) for r in await session.execute(stmt)}
