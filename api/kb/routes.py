"""/api/v1/kb: knowledge articles (CRUD) and the search drafts are written from."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status

from api.audit import record
from api.deps import ClientDep, Principal, RuntimeDep, SessionDep, require
from api.kb.schemas import (
    KbArticleCreate,
    KbArticleRead,
    KbArticleUpdate,
    KbSearchHit,
    KbSearchRequest,
    KbSearchResponse,
)
from api.pagination import Cursor, Limit, Search
from api.schemas import ListResponse
from routing import knowledge
from routing.embedding import EmbedderBackend
from store.errors import Retriable

router = APIRouter(prefix="/api/v1/kb", tags=["knowledge base"])
CanRead = Annotated[Principal, Depends(require("read:conversations"))]
CanWrite = Annotated[Principal, Depends(require("write:conversations"))]
Kind = Annotated[Literal["article", "reply"] | None, Query(description="only this kind")]


async def get_embedder(runtime: RuntimeDep) -> EmbedderBackend:
    if runtime.embedder is None:
        raise Retriable("the embedder is not available; retry shortly", retry_after=2)
    return runtime.embedder


EmbedderDep = Annotated[EmbedderBackend, Depends(get_embedder)]


@router.get("/articles", response_model=ListResponse[KbArticleRead])
async def list_articles(
    principal: CanRead,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    q: Search = None,
    kind: Kind = None,
) -> ListResponse[KbArticleRead]:
    page = await knowledge.list_articles(
        session, org_id=principal.org_id, limit=limit, cursor=cursor, q=q, kind=kind
    )
    return ListResponse(
        items=[KbArticleRead.model_validate(a) for a in page.items], next_cursor=page.next_cursor
    )


@router.post("/articles", status_code=status.HTTP_201_CREATED, response_model=KbArticleRead)
async def create_article(
    body: KbArticleCreate,
    principal: CanWrite,
    session: SessionDep,
    client: ClientDep,
    embedder: EmbedderDep,
) -> KbArticleRead:
    row = await knowledge.create_article(
        session,
        org_id=principal.org_id,
        title=body.title,
        body=body.body,
        tags=body.tags,
        embedder=embedder,
        created_by_id=principal.user_id,
    )
    record(session, principal, client, "kb_article.create", row, details={"title": row.title})
    await session.commit()
    return KbArticleRead.model_validate(row)


@router.get("/articles/{article_id}", response_model=KbArticleRead)
async def get_article(
    article_id: uuid.UUID, principal: CanRead, session: SessionDep
) -> KbArticleRead:
    row = await knowledge.get_article(session, org_id=principal.org_id, article_id=article_id)
    return KbArticleRead.model_validate(row)


@router.patch("/articles/{article_id}", response_model=KbArticleRead)
async def update_article(
    article_id: uuid.UUID,
    body: KbArticleUpdate,
    principal: CanWrite,
    session: SessionDep,
    client: ClientDep,
    embedder: EmbedderDep,
) -> KbArticleRead:
    row = await knowledge.update_article(
        session,
        org_id=principal.org_id,
        article_id=article_id,
        embedder=embedder,
        title=body.title,
        body=body.body,
        tags=body.tags,
    )
    changed = sorted(body.model_fields_set)
    record(session, principal, client, "kb_article.update", row, details={"fields": changed})
    await session.commit()
    return KbArticleRead.model_validate(row)


@router.delete("/articles/{article_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_article(
    article_id: uuid.UUID, principal: CanWrite, session: SessionDep, client: ClientDep
) -> None:
    row = await knowledge.delete_article(session, org_id=principal.org_id, article_id=article_id)
    record(session, principal, client, "kb_article.delete", row, details={"title": row.title})
    await session.commit()


@router.post("/search", response_model=KbSearchResponse)
async def search(
    body: KbSearchRequest, principal: CanRead, session: SessionDep, embedder: EmbedderDep
) -> KbSearchResponse:
    """The entries a draft for `text` would be written from, with their similarity scores."""
    hits = await knowledge.search(
        session,
        org_id=principal.org_id,
        text=body.text,
        embedder=embedder,
        k=body.k,
        min_score=body.min_score,
    )
    return KbSearchResponse(
        hits=[
            KbSearchHit(id=uuid.UUID(s.id), kind=s.kind, title=s.title, score=s.score, body=text)
            for s, text in hits
        ],
        draft_min_score=knowledge.DEFAULT_MIN_SCORE,
    )
