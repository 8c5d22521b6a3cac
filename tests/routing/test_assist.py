"""Low-confidence relabelling, translation and conversation summaries through the router."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from nats.js import JetStreamContext

from api.runtime import Runtime
from cluster.drafter import DrafterConfig, DraftWorker
from ingestion.events import Event, emit, event_id
from routing.assist import AgentLanguages, assist, default_labels, needs_assist
from routing.backend import InProcessRouter
from routing.router import Router
from store.tables import Contact, Conversation, Message, Organization
from tests.cluster.test_drafter import running, settled
from tests.conftest import register
from tests.fakes.llm import Fault
from tests.ingestion.live import live_app
from tests.routing.conftest import Fakes, make_org

pytestmark = pytest.mark.usefixtures("db")


def chain(llm: Fakes, task: str, *models: str) -> dict[str, Any]:
    return {"providers": llm.providers(), "tasks": {task: {"models": list(models)}},
            "escalation_threshold": 0.6}  # fmt: skip


async def inbound(runtime: Runtime, org: str, text: str, **classification: Any) -> uuid.UUID:
    org_id, conv_id, msg_id = uuid.UUID(org), uuid.uuid4(), uuid.uuid4()
    async with runtime.sessions() as session, session.begin():
        contact = Contact(organization_id=org_id, name="Ana", email=f"{conv_id.hex}@example.com")
        session.add(contact)
        await session.flush()
        session.add(Conversation(id=conv_id, organization_id=org_id, contact_id=contact.id,
                                 subject="Help", status="open", priority="normal",
                                 channel="api"))  # fmt: skip
        await session.flush()
        message = Message(
            id=msg_id, organization_id=org_id, conversation_id=conv_id, direction="inbound",
            text=text, classification=classification,
        )  # fmt: skip
        session.add(message)
    return msg_id


async def classification(runtime: Runtime, message_id: uuid.UUID) -> dict[str, Any]:
    async with runtime.sessions() as session:
        message = await session.get(Message, message_id)
        assert message is not None and message.classification is not None
        return dict(message.classification)


async def test_an_unsure_label_is_asked_of_an_llm_once(
    router: Router, runtime: Runtime, llm: Fakes
) -> None:
    labels = default_labels()
    intent, category = labels["intent"][0], labels["category"][0]
    org = await make_org(runtime, chain(llm, "classify_fallback", "openai:gpt-4o-mini"))
    mid = await inbound(runtime, org, "hmm the thing from last week?",
                        intent={"label": labels["intent"][1], "confidence": 0.31},
                        category={"label": labels["category"][1], "confidence": 0.4},
                        language={"label": "en", "confidence": 1.0})  # fmt: skip
    llm.openai.faults.push(Fault(reply=json.dumps({"intent": intent, "category": category})))
    outcome = await assist(runtime.sessions, InProcessRouter(router), router.policies,
                           message_id=mid)  # fmt: skip
    assert outcome is not None and outcome.done == ["escalation"]
    found = await classification(runtime, mid)
    assert found["intent"]["label"] == intent and found["category"]["label"] == category
    assert found["intent"]["source"] == "openai:gpt-4o-mini"
    assert found["assist"]["escalation"]["local"]["intent"] == labels["intent"][1]
    assert "intent" in str(llm.openai.last.body["messages"])
    again = await assist(runtime.sessions, InProcessRouter(router), router.policies, message_id=mid)
    assert again is None and len(llm.openai.requests) == 1  # nothing paid twice


async def test_a_foreign_message_is_translated_and_without_keys_nothing_is_invented(
    router: Router, runtime: Runtime, llm: Fakes
) -> None:
    org = await make_org(runtime, chain(llm, "translate", "google:gemini-2.5-flash", "local"))
    spanish = {"intent": {"label": "x", "confidence": 0.99}, "language": {"label": "es"}}
    mid = await inbound(runtime, org, "¿Dónde está mi pedido?", **spanish)
    llm.google.faults.push(Fault(reply="Where is my order?"))
    await assist(runtime.sessions, InProcessRouter(router), router.policies, message_id=mid)
    translation = (await classification(runtime, mid))["assist"]["translation"]
    assert translation["text"] == "Where is my order?" and translation["language"] == "en"
    keyless = await make_org(runtime, {})
    mid = await inbound(runtime, keyless, "¿Dónde está mi pedido?", **spanish)
    await assist(runtime.sessions, InProcessRouter(router), router.policies, message_id=mid)
    assert (await classification(runtime, mid))["assist"]["translation"]["status"] == "unavailable"


async def test_a_conversation_summary_is_routed(runtime: Runtime, llm: Fakes) -> None:
    async with live_app(runtime) as host, httpx.AsyncClient(base_url=f"http://{host}") as http:
        tenant = await register(http)
        policy = {"providers": llm.providers(),
                  "tasks": {"summarize": {"models": ["anthropic:claude-haiku-4-5"]}}}  # fmt: skip
        assert (await http.put("/api/v1/routing/policy", headers=tenant.headers,
                               json=policy)).status_code == 200  # fmt: skip
        mid = await inbound(runtime, tenant.org_id, "My parcel never arrived. Can you resend it?")
        async with runtime.sessions() as session:
            message = await session.get(Message, mid)
            assert message is not None
            conversation = message.conversation_id
        r = await http.post(f"/api/v1/conversations/{conversation}/summary", headers=tenant.headers)
        assert r.status_code == 200, r.text
        assert r.json()["summary"] == llm.anthropic.reply and r.json()["cost_usd"] > 0
        assert "My parcel never arrived" in str(llm.anthropic.last.body)
        other = await register(http)
        r = await http.post(f"/api/v1/conversations/{conversation}/summary", headers=other.headers)
        assert r.status_code == 404


async def test_the_assistant_worker_relabels_a_classified_message_once(
    router: Router, runtime: Runtime, llm: Fakes, js: JetStreamContext
) -> None:
    labels = default_labels()
    org = await make_org(runtime, chain(llm, "classify_fallback", "openai:gpt-4o-mini"))
    mid = await inbound(runtime, org, "the thing?", intent={"label": "x", "confidence": 0.2},
                        language={"label": "en"})  # fmt: skip
    llm.openai.faults.always(Fault(reply=json.dumps({"intent": labels["intent"][2]})))
    subject = f"events.{org}.message.classified"
    config = DrafterConfig(durable=f"test-assist-{org[:12]}", filter_subject=subject, ack_wait_s=5)
    worker = DraftWorker(js, runtime.sessions, InProcessRouter(router), _no_lookup, config,
                         policies=router.policies, claims=runtime.redis)  # fmt: skip
    async with runtime.sessions() as session:
        message = await session.get(Message, mid)
        assert message is not None
        classified = Event(id=event_id("message.classified", mid), kind="message.classified",
                           organization_id=uuid.UUID(org), message_id=mid,
                           conversation_id=message.conversation_id)  # fmt: skip
    await emit(js, classified)
    await emit(js, classified.model_copy(update={"id": "message.classified:redelivered"}))
    async with running(js, worker):
        await settled(js, config.durable)
    assert (await classification(runtime, mid))["intent"]["label"] == labels["intent"][2]
    assert len(llm.openai.requests) == 1  # two events, one paid call


async def _no_lookup(org_id: str, text: str) -> list[Any]:
    return []


def test_only_unsure_or_foreign_messages_need_a_look() -> None:
    sure_english = {"intent": {"confidence": 0.93}, "language": {"label": "en"}}
    assert not needs_assist(sure_english, 0.6, "en")
    assert needs_assist({**sure_english, "intent": {"confidence": 0.4}}, 0.6, "en")
    assert needs_assist(sure_english, 0.6, "de")  # the agents read German
    assert not needs_assist({}, 0.6, "en")


async def test_the_agents_language_comes_from_the_organization(runtime: Runtime) -> None:
    org = uuid.UUID(await make_org(runtime, {}))
    languages = AgentLanguages(runtime.sessions)
    assert await languages.get(org) == "en"
    async with runtime.sessions() as session, session.begin():
        row = await session.get(Organization, org)
        assert row is not None
        row.settings = {**row.settings, "agent_language": "de"}
    assert await AgentLanguages(runtime.sessions).get(org) == "de"
