"""Helpers shared by test_helpdesks's parts."""

from __future__ import annotations

import importlib
import json
import uuid
from typing import Any

from ingestion.connectors.base import ConnectorSpec
from ingestion.connectors.capabilities import Connection, OutboundMessage, WebhookRequest


def spec(slug: str) -> ConnectorSpec:
    """The module's own spec: these tests do not depend on every other connector importing."""
    found: ConnectorSpec = importlib.import_module(f"ingestion.connectors.{slug}").SPEC
    return found


def connector(slug: str) -> Any:
    return spec(slug).connector()


def conn(slug: str, config: dict[str, Any], base: str = "http://127.0.0.1:9") -> Connection:
    filled = json.loads(json.dumps(config).replace("{base}", base))
    return Connection(
        integration_id=uuid.uuid4(),
        organization_id=uuid.uuid4(),
        channel=slug,
        config=spec(slug).config_model.model_validate(filled),
    )


def webhook(
    body: bytes, headers: dict[str, str], query: dict[str, str] | None = None
) -> WebhookRequest:
    return WebhookRequest(
        method="POST",
        url="https://switchboard.example.com/api/v1/webhooks/x/1",
        headers={"content-type": "application/json", **headers},
        query=query or {},
        body=body,
    )


def outbound(text: str, thread_key: str, **extra: Any) -> OutboundMessage:
    return OutboundMessage(
        message_id=uuid.uuid4(),
        conversation_id=uuid.uuid4(),
        text=text,
        thread_key=thread_key,
        **extra,
    )
