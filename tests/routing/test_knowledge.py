"""The knowledge base service on real PostgreSQL and the real local encoder."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.runtime import Runtime
from routing import knowledge
from routing.embedding import EmbedderBackend
from routing.knowledge_index import from_bytes, load_index
from store.errors import BadInput, NotFound
from store.tables import Contact, Conversation, Draft, Message, Organization

REFUNDS = (
    "Refunds and returns",
    "Refunds are issued to the original payment method within 5 business days of the "
    "returned item reaching our warehouse.",
)
SHIPPING = (
    "International shipping times",
    "Orders shipped abroad arrive in 7 to 14 days; customs may add a few days.",
)
PASSWORD = (
    "Resetting your password",
    "Use the 'Forgot password' link on the sign-in page; the reset email expires in an hour.",
)


@pytest.fixture
def embedder(runtime: Runtime) -> EmbedderBackend:
    assert runtime.embedder is not None
    return runtime.embedder


async def make_org(session: AsyncSession) -> uuid.UUID:
    org_id = uuid.uuid4()
    session.add(Organization(id=org_id, name="Kb Co", slug=f"kb-{org_id.hex[:12]}"))
    await session.flush()
    return org_id


async def make_draft(session: AsyncSession, org_id: uuid.UUID) -> uuid.UUID:
    contact = Contact(organization_id=org_id, name="Casey")
    session.add(contact)
    await session.flush()
    conversation = Conversation(organization_id=org_id, channel="api", contact_id=contact.id)
    session.add(conversation)
    await session.flush()
    message = Message(
        organization_id=org_id,
        conversation_id=conversation.id,
        direction="inbound",
        text="Where is my refund?",
    )
    session.add(message)
    await session.flush()
    draft = Draft(organization_id=org_id, conversation_id=conversation.id, message_id=message.id)
    session.add(draft)
    await session.flush()
    return draft.id


async def seed(
    session: AsyncSession, org_id: uuid.UUID, embedder: EmbedderBackend
) -> dict[str, uuid.UUID]:
    ids = {}
    for title, body in (REFUNDS, SHIPPING, PASSWORD):
        row = await knowledge.create_article(
            session, org_id=org_id, title=title, body=body, embedder=embedder
        )
        ids[title] = row.id
    return ids


async def test_an_article_is_embedded_on_write_as_a_unit_float32_vector(
    session: AsyncSession, embedder: EmbedderBackend
) -> None:
    org_id = await make_org(session)
    row = await knowledge.create_article(
        session,
        org_id=org_id,
        title=REFUNDS[0],
        body=REFUNDS[1],
        tags=["money", " money "],
        embedder=embedder,
    )
    assert row.embedding is not None and row.embedding_model == embedder.name
    vector = from_bytes(row.embedding)
    assert vector.dtype == np.float32 and vector.shape == (384,)
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-3
    assert row.kind == "article" and row.tags == ["money"]


async def test_search_ranks_the_relevant_article_first_with_its_body(
    session: AsyncSession, embedder: EmbedderBackend
) -> None:
    org_id = await make_org(session)
    ids = await seed(session, org_id, embedder)
    hits = await knowledge.search(
        session,
        org_id=org_id,
        text="Hi, I sent the shoes back last week. When do I get my money back?",
        embedder=embedder,
    )
    assert hits, "the refund article should clear the threshold"
    source, body = hits[0]
    assert source.id == str(ids[REFUNDS[0]]) and source.kind == "article"
    assert body == REFUNDS[1] and source.title == REFUNDS[0]
    assert source.score >= knowledge.DEFAULT_MIN_SCORE
    assert [s.score for s, _ in hits] == sorted((s.score for s, _ in hits), reverse=True)
    forgot = await knowledge.search(
        session, org_id=org_id, text="I can't log in, I forgot my password", embedder=embedder
    )
    assert forgot[0][0].id == str(ids[PASSWORD[0]])


async def test_search_drops_entries_below_the_threshold_and_honours_k(
    session: AsyncSession, embedder: EmbedderBackend
) -> None:
    org_id = await make_org(session)
    await seed(session, org_id, embedder)
    weather = await knowledge.search(
        session,
        org_id=org_id,
        text="What a lovely sunny afternoon for a picnic by the lake",
        embedder=embedder,
    )
    assert weather == []
    everything = await knowledge.search(
        session, org_id=org_id, text="refund", embedder=embedder, k=2, min_score=-1.0
    )
    assert len(everything) == 2


async def test_another_organization_never_sees_your_articles(
    session: AsyncSession, embedder: EmbedderBackend
) -> None:
    mine, theirs = await make_org(session), await make_org(session)
    ids = await seed(session, mine, embedder)
    question = "When do I get my refund for the returned shoes?"
    assert (
        await knowledge.search(
            session, org_id=theirs, text=question, embedder=embedder, min_score=-1.0
        )
        == []
    )
    with pytest.raises(NotFound):
        await knowledge.get_article(session, org_id=theirs, article_id=ids[REFUNDS[0]])
    page = await knowledge.list_articles(session, org_id=theirs)
    assert page.items == []
    with pytest.raises(NotFound):
        await knowledge.update_article(
            session, org_id=theirs, article_id=ids[REFUNDS[0]], title="mine now", embedder=embedder
        )
    with pytest.raises(NotFound):
        await knowledge.delete_article(session, org_id=theirs, article_id=ids[REFUNDS[0]])
    own = await knowledge.search(session, org_id=mine, text=question, embedder=embedder)
    assert own[0][0].id == str(ids[REFUNDS[0]])


async def test_add_reply_stores_an_approved_answer_once_per_draft(
    session: AsyncSession, embedder: EmbedderBackend
) -> None:
    org_id = await make_org(session)
    draft_id = await make_draft(session, org_id)
    question = "Hello,\n\nMy parcel for order #4411 never arrived, can you resend it?\n\nThanks, Bo"
    answer = "I have sent a replacement for order #4411; it ships tomorrow."
    first = await knowledge.add_reply(
        session,
        org_id=org_id,
        draft_id=draft_id,
        question=question,
        answer=answer,
        embedder=embedder,
    )
    again = await knowledge.add_reply(
        session,
        org_id=org_id,
        draft_id=draft_id,
        question=question,
        answer="other",
        embedder=embedder,
    )
    assert again.id == first.id and again.body == first.body
    # Another customer's draft must not repeat this customer's order number.
    assert first.body == "I have sent a replacement for order #{order_number}; it ships tomorrow."
    assert first.kind == "reply" and first.source_draft_id == draft_id
    assert "parcel" in first.title and "Hello" not in first.title and len(first.title) <= 120
    assert first.embedding_model == embedder.name
    page = await knowledge.list_articles(session, org_id=org_id, kind="reply")
    assert [row.id for row in page.items] == [first.id]
    hits = await knowledge.search(
        session, org_id=org_id, text="my package never came, please send another", embedder=embedder
    )
    assert hits[0][0].id == str(first.id) and hits[0][0].kind == "reply"


async def test_add_reply_refuses_another_organizations_draft(
    session: AsyncSession, embedder: EmbedderBackend
) -> None:
    mine, theirs = await make_org(session), await make_org(session)
    draft_id = await make_draft(session, mine)
    with pytest.raises(NotFound):
        await knowledge.add_reply(
            session, org_id=theirs, draft_id=draft_id, question="q?", answer="a", embedder=embedder
        )


async def test_update_re_embeds_and_search_sees_the_change(
    session: AsyncSession, embedder: EmbedderBackend
) -> None:
    org_id = await make_org(session)
    ids = await seed(session, org_id, embedder)
    question = "Do you sell gift cards, and can I pay with one?"
    before = await knowledge.search(session, org_id=org_id, text=question, embedder=embedder)
    assert all(s.id != str(ids[SHIPPING[0]]) for s, _ in before)
    row = await knowledge.get_article(session, org_id=org_id, article_id=ids[SHIPPING[0]])
    old_vector = row.embedding
    updated = await knowledge.update_article(
        session,
        org_id=org_id,
        article_id=row.id,
        embedder=embedder,
        title="Gift cards",
        body="Gift cards are sold in our online shop and can pay for any order at checkout.",
    )
    assert updated.embedding != old_vector and updated.title == "Gift cards"
    after = await knowledge.search(session, org_id=org_id, text=question, embedder=embedder)
    assert after[0][0].id == str(row.id) and after[0][0].title == "Gift cards"
    await knowledge.delete_article(session, org_id=org_id, article_id=row.id)
    gone = await knowledge.search(session, org_id=org_id, text=question, embedder=embedder)
    assert all(s.id != str(row.id) for s, _ in gone)


async def test_entries_from_another_encoder_are_re_embedded_for_search(
    session: AsyncSession, embedder: EmbedderBackend
) -> None:
    org_id = await make_org(session)
    ids = await seed(session, org_id, embedder)
    row = await knowledge.get_article(session, org_id=org_id, article_id=ids[REFUNDS[0]])
    row.embedding, row.embedding_model = b"\x00" * 16, "an-old-encoder"
    await session.flush()
    hits = await knowledge.search(
        session, org_id=org_id, text="when is my refund paid?", embedder=embedder
    )
    assert hits[0][0].id == str(row.id)


async def test_bad_input_is_refused_by_the_service(
    session: AsyncSession, embedder: EmbedderBackend
) -> None:
    org_id = await make_org(session)
    for title, body, tags in (
        ("", "b", []),
        ("t", "  ", []),
        ("t", "b", ["x" * 41]),
        ("t", "b", [f"t{i}" for i in range(21)]),
    ):
        with pytest.raises(BadInput):
            await knowledge.create_article(
                session, org_id=org_id, title=title, body=body, tags=tags, embedder=embedder
            )


async def test_list_filters_by_text_and_pages_with_a_cursor(
    session: AsyncSession, embedder: EmbedderBackend
) -> None:
    org_id = await make_org(session)
    await seed(session, org_id, embedder)
    page = await knowledge.list_articles(session, org_id=org_id, q="CUSTOMS")
    assert [row.title for row in page.items] == [SHIPPING[0]]
    assert (await knowledge.list_articles(session, org_id=org_id, q="100%")).items == []
    first = await knowledge.list_articles(session, org_id=org_id, limit=2)
    second = await knowledge.list_articles(
        session, org_id=org_id, limit=2, cursor=first.next_cursor
    )
    assert len(first.items) == 2 and len(second.items) == 1 and second.next_cursor is None
    assert {r.id for r in first.items}.isdisjoint({r.id for r in second.items})


async def test_the_index_is_cached_until_the_organizations_entries_change(
    session: AsyncSession, embedder: EmbedderBackend
) -> None:
    org_id = await make_org(session)
    ids = await seed(session, org_id, embedder)
    first = await load_index(session, org_id=org_id, embedder=embedder)
    assert await load_index(session, org_id=org_id, embedder=embedder) is first
    assert first.matrix.shape == (3, 384)
    await knowledge.update_article(
        session, org_id=org_id, article_id=ids[PASSWORD[0]], tags=["login"], embedder=embedder
    )
    renewed = await load_index(session, org_id=org_id, embedder=embedder)
    assert renewed is not first and renewed.stamp != first.stamp
    await knowledge.delete_article(session, org_id=org_id, article_id=ids[PASSWORD[0]])
    assert (await load_index(session, org_id=org_id, embedder=embedder)).matrix.shape == (2, 384)
