"""The free local provider: drafts that cite the knowledge they used, summaries, no invented
translations, streaming, and the entities a reply may quote back."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.runtime import Runtime
from routing import knowledge
from routing.contract import ChatMessage, ProviderRequest, Source, TaskContext
from routing.entities import extract_entities, templatize
from routing.providers.base import Endpoint, ProviderError
from routing.providers.local import TRANSLATION_UNAVAILABLE, LocalProvider, chat_context
from routing.providers.local_writing import fill_placeholders, strip_letter_frame, summarize
from tests.conftest import Tenant

NO_KEYS = Endpoint()
CUSTOMER = (
    "Hi there,\n\nI sent back the running shoes from order #48213 last week. When will I get "
    "my money back?\n\nThanks,\nCasey Jones"
)
REFUND_BODY = (
    "We have received the return for order {order_number}. Refunds reach the original payment "
    "method within 5 business days of the parcel arriving at our warehouse."
)


def request_for(context: TaskContext, max_tokens: int = 400) -> ProviderRequest:
    messages = [ChatMessage(role="user", content=context.text)]
    return ProviderRequest(model="local", messages=messages, max_tokens=max_tokens, context=context)


def source(kind: str = "article", score: float = 0.6) -> Source:
    return Source(id=str(uuid.uuid4()), kind=kind, title="Refunds", score=score)


async def test_a_draft_cites_an_article_it_retrieved(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession, runtime: Runtime
) -> None:
    made = []
    for title, body in (
        ("Refunds for returned items", REFUND_BODY),
        ("Changing a delivery address", "Write to us before dispatch and we update the address."),
    ):
        r = await client.post(
            "/api/v1/kb/articles", headers=tenant.headers, json={"title": title, "body": body}
        )
        assert r.status_code == 201, r.text
        made.append(r.json())
    assert runtime.embedder is not None
    org_id = uuid.UUID(tenant.org_id)
    hits = await knowledge.search(session, org_id=org_id, text=CUSTOMER, embedder=runtime.embedder)
    assert hits and hits[0][0].id == made[0]["id"]
    context = TaskContext(
        org_id=tenant.org_id,
        task="draft",
        text=CUSTOMER,
        customer_name="Casey Jones",
        knowledge=hits,
    )
    completion = await LocalProvider().complete(request_for(context), NO_KEYS)
    assert "Refunds reach the original payment method within 5 business days" in completion.text
    assert "order 48213" in completion.text and "{order_number}" not in completion.text
    assert completion.text.startswith("Hi Casey,")
    assert [s.id for s in completion.sources] == [made[0]["id"]]
    assert completion.confidence == hits[0][0].score
    assert completion.finish_reason == "stop" and completion.model == "local"
    assert completion.usage.output_tokens == len(completion.text.split())


async def test_a_past_reply_is_reused_without_its_old_greeting_and_sign_off() -> None:
    reply = "Hi Sam,\n\nYour replacement for order {order_number} ships tomorrow.\n\nBest,\nAnn"
    hit = source("reply", 0.8)
    context = TaskContext(
        org_id="o",
        task="draft",
        text="Where is order 77120?",
        customer_name="Dana",
        knowledge=[(hit, reply)],
    )
    completion = await LocalProvider().complete(request_for(context), NO_KEYS)
    assert "Your replacement for order 77120 ships tomorrow." in completion.text
    assert "Sam" not in completion.text and "Ann" not in completion.text
    assert completion.sources == [hit]


async def test_without_good_knowledge_the_draft_is_a_holding_reply_with_low_confidence() -> None:
    weak = source(score=0.2)
    context = TaskContext(
        org_id="o",
        task="draft",
        text="My order #55120 is damaged!",
        knowledge=[(weak, "Gift cards never expire.")],
    )
    completion = await LocalProvider().complete(request_for(context), NO_KEYS)
    assert "Gift cards" not in completion.text and completion.sources == []
    assert "a member of our team" in completion.text and "order 55120" in completion.text
    assert completion.text.startswith("Hello,")
    assert completion.confidence is not None and completion.confidence <= 0.2


async def test_the_entities_given_by_the_router_win_and_unknown_placeholders_stay_visible() -> None:
    hit = source()
    body = "Order {order_number} was refunded {amount} to {email}; ref {{ ticket_id }}."
    context = TaskContext(
        org_id="o",
        task="draft",
        text="refund for order 12345 please",
        entities={"order_number": "A-1"},
        commerce={"amount": "$20.00"},
        knowledge=[(hit, body)],
    )
    completion = await LocalProvider().complete(request_for(context), NO_KEYS)
    assert "Order A-1 was refunded $20.00 to [email]; ref [ticket id]." in completion.text


async def test_summarize_keeps_the_opening_and_the_asks() -> None:
    text = (
        "I bought a kettle from you in March. It worked fine for a while. The weather has been "
        "nice lately. Now it leaks from the base. Can you replace it or refund me? My neighbour "
        "has the same model."
    )
    context = TaskContext(org_id="o", task="summarize", text=text)
    completion = await LocalProvider().complete(request_for(context), NO_KEYS)
    assert completion.text.startswith("I bought a kettle from you in March.")
    assert "Can you replace it or refund me?" in completion.text
    assert "weather" not in completion.text and "neighbour" not in completion.text
    assert summarize("") == ""


def test_a_summary_drops_the_greeting_and_sign_off_and_keeps_the_facts() -> None:
    text = (
        "Hello team. I ordered a sofa on May 3rd (order 5512). It arrived with a torn cushion. "
        "I would like a replacement cushion rather than a refund. Could you send one by Friday? "
        "Thanks, Amy"
    )
    assert summarize(text) == (
        "I ordered a sofa on May 3rd (order 5512). I would like a replacement cushion rather "
        "than a refund. Could you send one by Friday?"
    )


async def test_translate_returns_the_text_unchanged_and_says_so() -> None:
    context = TaskContext(
        org_id="o",
        task="translate",
        text="Où est ma commande ?",
        source_language="fr",
        target_language="en",
    )
    completion = await LocalProvider().complete(request_for(context), NO_KEYS)
    assert completion.text == "Où est ma commande ?" and completion.confidence == 0.0
    assert completion.finish_reason == "stop" and completion.model == "local"
    assert "cannot translate" in TRANSLATION_UNAVAILABLE


async def test_classification_is_not_a_local_text_task() -> None:
    context = TaskContext(org_id="o", task="classify_fallback", text="hello")
    with pytest.raises(ProviderError) as raised:
        await LocalProvider().complete(request_for(context), NO_KEYS)
    assert raised.value.kind == "unavailable"


async def test_plain_chat_answers_the_last_user_message_like_a_draft() -> None:
    messages = [
        ChatMessage(role="system", content="You are a helpful agent."),
        ChatMessage(role="user", content="Hi"),
        ChatMessage(role="assistant", content="Hello! How can I help?"),
        ChatMessage(role="user", content="Where is order #90210?"),
    ]
    context = chat_context(messages)
    assert context.text == "Where is order #90210?" and len(context.history) == 2
    completion = await LocalProvider().complete(
        ProviderRequest(model="local", messages=messages, max_tokens=200), NO_KEYS
    )
    assert "order 90210" in completion.text and completion.sources == []
    assert completion.usage.input_tokens == sum(len(m.content.split()) for m in messages)


async def test_max_tokens_cuts_the_answer_with_finish_reason_length() -> None:
    context = TaskContext(
        org_id="o", task="draft", text="hello", knowledge=[(source(), "word " * 50)]
    )
    completion = await LocalProvider().complete(request_for(context, max_tokens=10), NO_KEYS)
    assert completion.finish_reason == "length" and completion.usage.output_tokens == 10


async def test_streaming_yields_the_same_answer_in_chunks_then_the_finish() -> None:
    hit = source()
    context = TaskContext(
        org_id="o",
        task="draft",
        text="refund for order 12345",
        customer_name="Casey",
        knowledge=[(hit, REFUND_BODY)],
    )
    provider = LocalProvider(chunk_words=3)
    whole = await provider.complete(request_for(context), NO_KEYS)
    deltas = [d async for d in provider.stream(request_for(context), NO_KEYS)]
    *chunks, last = deltas
    assert len(chunks) > 3 and all(d.finish_reason is None and d.text for d in chunks)
    assert "".join(d.text for d in chunks) == whole.text
    assert last.text == "" and last.finish_reason == "stop" and last.usage == whole.usage
    await provider.aclose()


async def test_streaming_an_unsupported_task_raises_before_any_delta() -> None:
    context = TaskContext(org_id="o", task="classify_fallback", text="hello")
    with pytest.raises(ProviderError):
        async for _ in LocalProvider().stream(request_for(context), NO_KEYS):
            pass


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Where is order #12345?", {"order_number": "12345"}),
        ("my order 98765 was charged $1,299.00", {"order_number": "98765", "amount": "$1,299.00"}),
        (
            "Order number: AB-4411, reply to jo.b@example.com",
            {"order_number": "AB-4411", "email": "jo.b@example.com"},
        ),
        (
            "Tracking 1Z999AA10123456784 for order no. 55555",
            {"tracking_number": "1Z999AA10123456784", "order_number": "55555"},
        ),
        ("parcel RA123456789CN never came", {"tracking_number": "RA123456789CN"}),
        ("I paid 45 euros", {"amount": "€45"}),
        ("the tracking is late and I am number 1", {}),
    ],
)
def test_entities_are_extracted_from_a_message(text: str, expected: dict[str, str]) -> None:
    assert extract_entities(text) == expected


def test_a_customers_own_facts_become_placeholders() -> None:
    question = "Order #4411 never came; write to bo@example.com"
    answer = "Order #4411 (not 44110) was resent; we wrote to BO@example.com."
    assert templatize(answer, extract_entities(question)) == (
        "Order #{order_number} (not 44110) was resent; we wrote to {email}."
    )


def test_placeholders_and_letter_frames() -> None:
    assert fill_placeholders("Hi {name}, re {{order_number}}", {"name": "Al"}) == (
        "Hi Al, re [order number]"
    )
    assert strip_letter_frame("Hello Bo,\nIt ships today.\nKind regards,\nAnn") == (
        "It ships today."
    )
