"""Requested drafts fulfilled by the router on real PostgreSQL and Redis: one claim, one paid
call, the knowledge it was written from, and a clear reason when it failed or degraded."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from api.runtime import Runtime
from routing import knowledge, policies
from routing.assemble import Lookup, knowledge_lookup
from routing.contract import Completion, Source, Usage
from routing.draft_claims import DraftBusy
from routing.drafting import draft_reason, fail_draft, fulfil, recent_outcome
from routing.ledger_flush import LedgerFlusher
from routing.router import NoRoute, RouteRequest, RouteResult
from routing.streaming import StreamItem
from store.errors import BudgetExceeded
from store.tables import Contact, Conversation, Draft, Message, Organization, ProviderUsage
from tests.routing.conftest import Fakes

REFUNDS = (
    "Refunds and returns",
    "Refunds are issued to the original payment method within 5 business days of the "
    "returned item reaching our warehouse.",
)
PASSWORD = (
    "Resetting your password",
    "Use the 'Forgot password' link on the sign-in page; the reset email expires in an hour.",
)
QUESTION = "Hello, I returned the shoes from order #48213 two weeks ago. Where is my refund?"


@dataclass
class Case:
    org_id: uuid.UUID
    conversation_id: uuid.UUID
    message_id: uuid.UUID
    draft_id: uuid.UUID
    article_id: uuid.UUID


class CountingRouter:
    """The runtime's router, counting calls; or an error raised instead of routing."""

    def __init__(self, inner: object, error: Exception | None = None) -> None:
        self.inner = inner
        self.error = error
        self.calls: list[RouteRequest] = []

    async def complete(self, call: RouteRequest) -> RouteResult:
        self.calls.append(call)
        if self.error is not None:
            raise self.error
        result: RouteResult = await self.inner.complete(call)  # type: ignore[attr-defined]
        return result

    def stream(self, call: RouteRequest) -> AsyncIterator[StreamItem]:
        raise NotImplementedError


async def make_case(
    runtime: Runtime, text: str = QUESTION, policy: dict[str, Any] | None = None
) -> Case:
    """A committed organization with a KB, a conversation with history and a requested draft
    (the router reads policies through its own connections, so nothing can stay uncommitted)."""
    assert runtime.embedder is not None
    org_id = uuid.uuid4()
    start = datetime.now(UTC) - timedelta(hours=1)
    async with runtime.sessions() as s, s.begin():
        s.add(Organization(id=org_id, name="Acme Shoes", slug=f"draft-{org_id.hex[:12]}"))
        await s.flush()
        if policy is not None:
            await policies.save(
                s, org_id=org_id, document=policy, box=runtime.secret_box, user_id=None
            )
        orders = {"orders": [{"number": "A-1001", "status": "refund issued"}]}
        contact = Contact(
            organization_id=org_id, name="Casey Jones", attributes={"commerce": orders}
        )
        s.add(contact)
        await s.flush()
        conv = Conversation(organization_id=org_id, channel="api", contact_id=contact.id)
        s.add(conv)
        await s.flush()
        for i, (direction, said) in enumerate(
            [("inbound", "Hi, I sent the shoes back."), ("outbound", "Thanks, we will check.")]
        ):
            s.add(Message(organization_id=org_id, conversation_id=conv.id, direction=direction,
                          text=said, created_at=start + timedelta(minutes=i)))  # fmt: skip
        message = Message(organization_id=org_id, conversation_id=conv.id, direction="inbound",
                          text=text, created_at=start + timedelta(minutes=5))  # fmt: skip
        s.add(message)
        await s.flush()
        draft = Draft(organization_id=org_id, conversation_id=conv.id, message_id=message.id)
        s.add(draft)
        ids = []
        for title, body in (REFUNDS, PASSWORD):
            row = await knowledge.create_article(
                s, org_id=org_id, title=title, body=body, embedder=runtime.embedder
            )
            ids.append(row.id)
        await s.flush()
    if policy is not None:
        await policies.announce(runtime.redis, org_id)
    return Case(org_id, conv.id, message.id, draft.id, ids[0])


def paid(llm: Fakes, daily_usd: float = 100.0) -> dict[str, Any]:
    return {
        "providers": llm.providers(),
        "tasks": {"draft": {"models": ["openai:gpt-4o-mini", "local"]}},
        "budgets": {"daily_usd": daily_usd, "monthly_usd": 1000},
    }


async def load(runtime: Runtime, draft_id: uuid.UUID) -> Draft:
    async with runtime.sessions() as s:
        return await s.get_one(Draft, draft_id)


async def ledger_rows(runtime: Runtime, ledger: LedgerFlusher, draft_id: uuid.UUID) -> int:
    await ledger.drain()
    async with runtime.sessions() as s:
        count = await s.scalar(
            select(func.count())
            .select_from(ProviderUsage)
            .where(ProviderUsage.request_id == f"draft:{draft_id}")
        )
    return int(count or 0)


@pytest.fixture(autouse=True)
async def fresh_redis(runtime: Runtime) -> None:
    """No ledger rows or budgets left by an earlier run (its messages are gone with its DB)."""
    await runtime.redis.flushdb()


@pytest.fixture
def lookup(runtime: Runtime) -> Lookup:
    assert runtime.embedder is not None
    return knowledge_lookup(runtime.sessions, runtime.embedder)


@pytest.fixture
def router(runtime: Runtime) -> CountingRouter:
    return CountingRouter(runtime.router)


async def test_a_requested_draft_is_written_locally_from_the_matching_article(
    runtime: Runtime, router: CountingRouter, lookup: Lookup, ledger: LedgerFlusher
) -> None:
    case = await make_case(runtime)
    outcome = await fulfil(runtime.sessions, router, lookup, draft_id=case.draft_id)
    assert outcome is not None and outcome.status == "ready"
    assert outcome.event_kind == "draft.created" and outcome.message_id == case.message_id
    draft = await load(runtime, case.draft_id)
    assert draft.status == "ready" and draft.provider == "local" and draft.model == "local"
    assert draft.text and "5 business days" in draft.text and "Casey" in draft.text
    assert float(draft.cost_usd) == 0.0 and draft.confidence is not None
    assert [s["id"] for s in draft.sources] == [str(case.article_id)]
    assert draft.sources[0]["title"] == "Refunds and returns" and draft.reason
    call = router.calls[0]
    assert call.request_id == f"draft:{case.draft_id}" and call.task == "draft"
    assert call.message_id == str(case.message_id)
    assert call.context is not None and call.context.customer_name == "Casey Jones"
    assert [m.content for m in call.context.history] == [
        "Hi, I sent the shoes back.",
        "Thanks, we will check.",
    ]
    assert call.context.entities["order_number"] == "48213"
    assert "Refunds and returns" in call.messages[0].content
    assert "support agent for Acme Shoes" in call.messages[0].content
    assert await ledger_rows(runtime, ledger, case.draft_id) == 1


async def test_a_paid_draft_is_written_from_the_prompt_and_credits_the_knowledge_given(
    runtime: Runtime, router: CountingRouter, lookup: Lookup, llm: Fakes
) -> None:
    llm.openai.reply = "Hi Casey, your refund is on its way."
    case = await make_case(runtime, policy=paid(llm))
    outcome = await fulfil(runtime.sessions, router, lookup, draft_id=case.draft_id)
    assert outcome is not None and outcome.status == "ready" and outcome.cost_usd > 0
    draft = await load(runtime, case.draft_id)
    assert (draft.provider, draft.model) == ("openai", "openai:gpt-4o-mini")
    assert draft.text == "Hi Casey, your refund is on its way."
    assert draft.confidence == 0.75 and float(draft.cost_usd) > 0
    assert str(case.article_id) in [s["id"] for s in draft.sources]
    sent = llm.openai.last.body["messages"]
    assert sent[0]["role"] == "system" and "Refunds and returns" in sent[0]["content"]
    assert "A-1001" in sent[0]["content"]  # the store's data for this customer, when present
    assert sent[-1] == {"role": "user", "content": QUESTION}


async def test_an_exhausted_budget_drafts_locally_and_says_so(
    runtime: Runtime, router: CountingRouter, lookup: Lookup, llm: Fakes
) -> None:
    case = await make_case(runtime, policy=paid(llm, daily_usd=0.000001))
    outcome = await fulfil(runtime.sessions, router, lookup, draft_id=case.draft_id)
    assert outcome is not None and outcome.status == "ready" and outcome.provider == "local"
    draft = await load(runtime, case.draft_id)
    assert draft.provider == "local" and float(draft.cost_usd) == 0 and not llm.openai.requests
    assert (draft.reason or "").startswith(
        "Drafted by the local provider because the AI budget is used up (degraded: budget)."
    )
    assert [s["id"] for s in draft.sources] == [str(case.article_id)]


async def test_a_draft_is_never_written_twice(
    runtime: Runtime, router: CountingRouter, lookup: Lookup, ledger: LedgerFlusher
) -> None:
    case = await make_case(runtime)
    assert await fulfil(runtime.sessions, router, lookup, draft_id=case.draft_id) is not None
    text = (await load(runtime, case.draft_id)).text
    assert await fulfil(runtime.sessions, router, lookup, draft_id=case.draft_id) is None
    assert len(router.calls) == 1
    assert (await load(runtime, case.draft_id)).text == text
    assert await ledger_rows(runtime, ledger, case.draft_id) == 1
    again = await recent_outcome(runtime.sessions, draft_id=case.draft_id)
    assert again is not None and again.status == "ready" and again.provider == "local"


async def test_a_live_claim_is_left_alone_and_a_stale_one_is_retaken(
    runtime: Runtime, router: CountingRouter, lookup: Lookup
) -> None:
    case = await make_case(runtime)
    claimed = update(Draft).where(Draft.id == case.draft_id).values(status="drafting")
    async with runtime.sessions() as s, s.begin():
        await s.execute(claimed.values(updated_at=func.now()))
    with pytest.raises(DraftBusy):
        await fulfil(runtime.sessions, router, lookup, draft_id=case.draft_id)
    assert router.calls == []
    crashed = datetime.now(UTC) - timedelta(minutes=6)
    async with runtime.sessions() as s, s.begin():
        await s.execute(claimed.values(updated_at=crashed))
    outcome = await fulfil(runtime.sessions, router, lookup, draft_id=case.draft_id)
    assert outcome is not None and outcome.status == "ready" and len(router.calls) == 1


async def test_a_budget_refusal_fails_the_draft_with_the_reason(
    runtime: Runtime, lookup: Lookup
) -> None:
    case = await make_case(runtime)
    refusing = CountingRouter(None, BudgetExceeded("the budget cannot cover this call"))
    outcome = await fulfil(runtime.sessions, refusing, lookup, draft_id=case.draft_id)
    assert outcome is not None and outcome.status == "failed"
    assert outcome.event_kind == "draft.failed"
    draft = await load(runtime, case.draft_id)
    assert draft.status == "failed"
    assert draft.reason == "budget_exceeded: the budget cannot cover this call"
    assert await fulfil(runtime.sessions, refusing, lookup, draft_id=case.draft_id) is None
    assert len(refusing.calls) == 1


async def test_no_route_hands_the_draft_back_until_the_last_try(
    runtime: Runtime, lookup: Lookup
) -> None:
    case = await make_case(runtime)
    down = CountingRouter(None, NoRoute("every eligible provider failed", retry_after=5))
    with pytest.raises(NoRoute):
        await fulfil(runtime.sessions, down, lookup, draft_id=case.draft_id)
    assert (await load(runtime, case.draft_id)).status == "requested"
    outcome = await fulfil(
        runtime.sessions, down, lookup, draft_id=case.draft_id, retry_transient=False
    )
    assert outcome is not None and outcome.status == "failed"
    assert "every eligible provider failed" in (outcome.reason or "")


async def test_an_unexpected_error_releases_the_claim_and_giving_up_fails_the_draft(
    runtime: Runtime, lookup: Lookup
) -> None:
    case = await make_case(runtime)
    broken = CountingRouter(None, RuntimeError("boom"))
    with pytest.raises(RuntimeError):
        await fulfil(runtime.sessions, broken, lookup, draft_id=case.draft_id)
    assert (await load(runtime, case.draft_id)).status == "requested"
    given_up = await fail_draft(runtime.sessions, draft_id=case.draft_id, reason="gave up")
    assert given_up is not None and given_up.status == "failed"
    assert await fail_draft(runtime.sessions, draft_id=case.draft_id, reason="again") is None


def test_a_degraded_draft_says_plainly_why_it_was_not_paid_for() -> None:
    completion = Completion("Hi", "stop", Usage(1, 1), "local", [Source("a", "article", "t", 1)])
    result = RouteResult(completion, "local", "local", 0.0, 0.0, "openai:gpt-4o-mini first",
                         [], "r", degraded="budget")  # fmt: skip
    reason = draft_reason(result)
    assert reason.startswith(
        "Drafted by the local provider because the AI budget is used up (degraded: budget)."
    )
    assert reason.endswith("openai:gpt-4o-mini first")
    result.degraded = None
    assert draft_reason(result) == "openai:gpt-4o-mini first"
