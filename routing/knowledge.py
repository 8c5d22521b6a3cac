"""The knowledge base drafts are written from: articles, and approved past replies.

Every write embeds title + body; `search` ranks an organization's entries by cosine similarity
to a customer's message. Every query is scoped to the caller's organization.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import or_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.pipeline import prepare
from routing.contract import Source
from routing.embedding import EmbedderBackend
from routing.entities import extract_entities, templatize
from routing.knowledge_index import embedding_text, load_index, to_bytes
from store.base import utcnow
from store.errors import BadInput, NotFound
from store.pagination import Page, paginate
from store.scoped import exists_scoped, get_scoped, scoped
from store.tables import Draft, KbArticle

TITLE_MAX = 300
BODY_MAX = 50_000
TAGS_MAX = 20
TAG_MAX = 40
REPLY_TITLE_MAX = 120  # a reply's title is its question, cut to something a list can show
DEFAULT_K = 3
DEFAULT_MIN_SCORE = 0.35


def _checked(title: str, body: str, tags: Sequence[str]) -> tuple[str, str, list[str]]:
    title, body = title.strip(), body.strip()
    if not 1 <= len(title) <= TITLE_MAX:
        raise BadInput(f"title must be 1 to {TITLE_MAX} characters", details={"field": "title"})
    if not 1 <= len(body) <= BODY_MAX:
        raise BadInput(f"body must be 1 to {BODY_MAX} characters", details={"field": "body"})
    clean = list(dict.fromkeys(tag.strip() for tag in tags if tag.strip()))
    if len(clean) > TAGS_MAX or any(len(tag) > TAG_MAX for tag in clean):
        raise BadInput(
            f"at most {TAGS_MAX} tags of at most {TAG_MAX} characters", details={"field": "tags"}
        )
    return title, body, clean


async def _embed(row: KbArticle, embedder: EmbedderBackend) -> None:
    vectors = await embedder.embed([embedding_text(row.title, row.body)])
    row.embedding = to_bytes(vectors[0])
    row.embedding_model = embedder.name


async def create_article(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    title: str,
    body: str,
    embedder: EmbedderBackend,
    tags: Sequence[str] = (),
    created_by_id: uuid.UUID | None = None,
) -> KbArticle:
    """A new `article` entry, embedded; flushed, not committed (the caller owns the commit)."""
    title, body, clean_tags = _checked(title, body, tags)
    row = KbArticle(
        id=uuid.uuid4(),
        organization_id=org_id,
        kind="article",
        title=title,
        body=body,
        tags=clean_tags,
        created_by_id=created_by_id,
    )
    await _embed(row, embedder)
    session.add(row)
    await session.flush()
    return row


async def get_article(
    session: AsyncSession, *, org_id: uuid.UUID, article_id: uuid.UUID | str
) -> KbArticle:
    return await get_scoped(session, KbArticle, org_id, article_id)


async def list_articles(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    limit: int = 50,
    cursor: str | None = None,
    q: str | None = None,
    kind: str | None = None,
) -> Page[KbArticle]:
    """Newest first; `q` matches title or body, case-insensitively."""
    stmt = scoped(KbArticle, org_id)
    if kind:
        stmt = stmt.where(KbArticle.kind == kind)
    if q:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(KbArticle.title.ilike(like, escape="\\"), KbArticle.body.ilike(like, escape="\\"))
        )
    return await paginate(
        session,
        stmt,
        sort_col=KbArticle.created_at,
        id_col=KbArticle.id,
        limit=limit,
        cursor=cursor,
    )


async def update_article(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    article_id: uuid.UUID | str,
    embedder: EmbedderBackend,
    title: str | None = None,
    body: str | None = None,
    tags: Sequence[str] | None = None,
) -> KbArticle:
    """Changes the given fields; a new title or body is re-embedded."""
    row = await get_scoped(session, KbArticle, org_id, article_id, for_update=True)
    new_title, new_body, new_tags = _checked(
        row.title if title is None else title,
        row.body if body is None else body,
        row.tags if tags is None else tags,
    )
    text_changed = (new_title, new_body) != (row.title, row.body)
    row.title, row.body, row.tags = new_title, new_body, new_tags
    if text_changed or row.embedding_model != embedder.name:
        await _embed(row, embedder)
    row.updated_at = utcnow()  # also when only tags changed: the search cache keys on it
    await session.flush()
    return row


async def delete_article(
    session: AsyncSession, *, org_id: uuid.UUID, article_id: uuid.UUID | str
) -> KbArticle:
    """Deletes the entry and returns it (for the audit trail)."""
    row = await get_scoped(session, KbArticle, org_id, article_id)
    await session.delete(row)
    await session.flush()
    return row


def _reply_title(question: str) -> str:
    words = " ".join(prepare(question).split()) or " ".join(question.split())
    if len(words) <= REPLY_TITLE_MAX:
        return words or "Approved reply"
    return words[: REPLY_TITLE_MAX - 1].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


async def _reply_for(session: AsyncSession, org_id: uuid.UUID, draft_id: uuid.UUID) -> KbArticle:
    stmt = scoped(KbArticle, org_id).where(KbArticle.source_draft_id == draft_id)
    row: KbArticle | None = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        raise NotFound("kb article not found")
    return row


async def add_reply(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    draft_id: uuid.UUID,
    question: str,
    answer: str,
    embedder: EmbedderBackend,
) -> KbArticle:
    """Keeps an approved reply as a `reply` entry: the question as title, the answer as body
    (with the question's order number, tracking number and email turned into placeholders).

    One entry per draft: calling again (a redelivered approval) returns the first entry."""
    try:
        return await _reply_for(session, org_id, draft_id)
    except NotFound:
        pass
    if not await exists_scoped(session, Draft, org_id, draft_id):
        raise NotFound("draft not found")
    # The customer's own order number or address become placeholders: the entry is reused
    # for other customers, whose drafts fill in their own.
    personal = templatize(answer, extract_entities(question))
    title, body, _ = _checked(_reply_title(question), personal, ())
    vector = (await embedder.embed([embedding_text(title, body)]))[0]
    now = utcnow()
    # ON CONFLICT: two approvals racing for one draft both end with the same single entry.
    await session.execute(
        insert(KbArticle)
        .values(
            id=uuid.uuid4(),
            organization_id=org_id,
            kind="reply",
            title=title,
            body=body,
            tags=[],
            source_draft_id=draft_id,
            embedding=to_bytes(vector),
            embedding_model=embedder.name,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["organization_id", "source_draft_id"])
    )
    return await _reply_for(session, org_id, draft_id)


async def search(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    text: str,
    embedder: EmbedderBackend,
    k: int = DEFAULT_K,
    min_score: float = DEFAULT_MIN_SCORE,
) -> list[tuple[Source, str]]:
    """The organization's entries most similar to `text` (a customer's message), best first,
    each with its body; only those scoring at least `min_score`."""
    if k <= 0 or not text.strip():
        return []
    index = await load_index(session, org_id=org_id, embedder=embedder)
    if not index.entries:
        return []
    query = (await embedder.embed([prepare(text) or text]))[0]
    hits = index.top(query, k=k, min_score=min_score)
    bodies = await _bodies(session, org_id, [entry.id for entry, _ in hits])
    return [
        (Source(id=str(e.id), kind=e.kind, title=e.title, score=round(score, 4)), bodies[e.id])
        for e, score in hits
        if e.id in bodies  # deleted since the index was built
    ]


async def _bodies(
    session: AsyncSession, org_id: uuid.UUID, ids: list[uuid.UUID]
) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    stmt = scoped(KbArticle, org_id).with_only_columns(KbArticle.id, KbArticle.body)
    stmt = stmt.where(KbArticle.id.in_(ids))
    return {row.id: row.body for row in await session.execute(stmt)}
