"""Tags that workflows add reach the provider: a Zendesk ticket gets them, once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from nats.js import JetStreamContext

from api.runtime import Runtime
from ingestion.connections import Connections
from ingestion.connectors.zendesk import ZendeskConfig
from ingestion.contract import InboundMessage, Party
from ingestion.pipeline.labels import LabelSync
from ingestion.pipeline.processor import MessageProcessor
from store.tables import Message, Workflow
from tests.fakes.http_server import serve_app
from tests.fakes.zendesk import AGENT_ID, API_TOKEN, EMAIL, ZendeskFake
from tests.ingestion.conftest import make_org


@pytest.fixture
def zendesk() -> Iterator[tuple[ZendeskFake, str]]:
    fake = ZendeskFake()
    with serve_app(fake.app()) as base:
        yield fake, base


async def test_workflow_tags_are_applied_to_the_ticket_once(
    runtime: Runtime, js: JetStreamContext, zendesk: tuple[ZendeskFake, str]
) -> None:
    fake, base = zendesk
    config = ZendeskConfig(
        subdomain="acme",
        email=EMAIL,
        api_token=API_TOKEN,
        webhook_signing_secret="c2VjcmV0LXNlY3JldC1zZWNyZXQ=",
        agent_user_id=AGENT_ID,
        api_base_url=base,
    )
    org = await make_org(runtime, "zendesk", config)
    org_id, integration_id = org.id, org.integration_id
    async with runtime.sessions() as s, s.begin():
        s.add(
            Workflow(
                organization_id=org_id,
                name="tag refunds",
                definition={
                    "conditions": [{"fact": "category", "op": "eq", "value": "REFUND"}],
                    "actions": [{"type": "tag", "tags": ["Refund Request"]}],
                },
            )
        )
    ticket = fake.add_ticket("Refund", "I want a refund of my money, how do I get my refund?")
    comment = fake.tickets[ticket]["comments"][0]
    msg = InboundMessage(
        organization_id=org_id,
        integration_id=integration_id,
        channel="zendesk",
        external_id=str(comment["id"]),
        thread_key=str(ticket),
        sender=Party(email="casey@example.com"),
        subject="Refund",
        text=comment["body"],
    )
    assert runtime.classifier is not None
    labels = LabelSync(runtime.sessions, Connections(runtime.sessions, runtime.secret_box))
    processor = MessageProcessor(runtime.sessions, runtime.classifier, js, labels=labels)
    result = await processor.process(msg)
    assert fake.tickets[ticket]["tags"] == ["refund_request"]
    async with runtime.sessions() as s:
        stored = await s.get(Message, result.message_id)
        assert stored is not None and {"tagged", "labels"} <= set(stored.pipeline_steps)
    calls = len(fake.requests)
    again = await processor.process(msg)  # a redelivery applies nothing twice
    assert again.duplicate and again.steps_run == [] and len(fake.requests) == calls
