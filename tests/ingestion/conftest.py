"""Pipeline fixtures: committed organizations (the pipeline opens its own sessions), JetStream,
and a processor on the in-process models. Each test isolates itself by its own organization:
its consumer filters `inbound.<org>.>`, so tests never see each other's messages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from nats.js import JetStreamContext

from api.runtime import Runtime
from ingestion.connections import seal_config
from ingestion.connectors.base import ConnectorConfig
from ingestion.contract import InboundMessage, Party
from ingestion.pipeline.processor import MessageProcessor
from ingestion.pipeline.worker import WorkerConfig
from store.tables import Integration, Organization


@dataclass
class Org:
    id: uuid.UUID
    integration_id: uuid.UUID

    def message(self, external_id: str | None = None, **fields: Any) -> InboundMessage:
        values: dict[str, Any] = {
            "organization_id": self.id,
            "integration_id": self.integration_id,
            "channel": "api",
            "external_id": external_id or uuid.uuid4().hex,
            "sender": Party(email="casey@example.com", name="Casey"),
            "subject": "Where is my refund?",
            "text": "Hello, I returned the shoes two weeks ago. I want a refund of my money, "
            "how do I get my refund?",
        }
        values.update(fields)
        return InboundMessage(**values)

    def worker_config(self, **overrides: Any) -> WorkerConfig:
        values: dict[str, Any] = {
            "durable": f"test-{self.id.hex[:12]}",
            "filter_subject": f"inbound.{self.id}.>",
            "ack_wait_s": 5.0,
            "retry_for_s": 2.0,
            "max_deliver": 3,
        }
        values.update(overrides)
        return WorkerConfig(**values)


async def make_org(
    runtime: Runtime, type_: str = "api", config: ConnectorConfig | None = None
) -> Org:
    """A committed organization with one integration; `config` is sealed as the API would."""
    org_id, integration_id = uuid.uuid4(), uuid.uuid4()
    async with runtime.sessions() as session, session.begin():
        session.add(Organization(id=org_id, name="Pipeline Co", slug=f"pipe-{org_id.hex[:12]}"))
        await session.flush()
        row = Integration(
            id=integration_id,
            organization_id=org_id,
            name=type_,
            type=type_,
            status="active",
            config={},
            health={},
            state={},
        )
        if config is not None:
            seal_config(row, config, runtime.secret_box)
        session.add(row)
    return Org(org_id, integration_id)


@pytest.fixture
async def org(runtime: Runtime) -> Org:
    return await make_org(runtime)


@pytest.fixture
def processor(runtime: Runtime, js: JetStreamContext) -> MessageProcessor:
    assert runtime.classifier is not None
    return MessageProcessor(runtime.sessions, runtime.classifier, js)
