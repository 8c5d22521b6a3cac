"""Helpers shared by test_generic's parts."""

from __future__ import annotations

import uuid
from typing import Any

from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    WebhookRequest,
)
from ingestion.connectors.registry import REGISTRY


def connect(slug: str, config: dict[str, Any], base: str = "http://127.0.0.1:9") -> Connection:
    filled = {k: v.replace("{base}", base) if isinstance(v, str) else v for k, v in config.items()}
    return Connection(
        integration_id=uuid.uuid4(),
        organization_id=uuid.uuid4(),
        channel=slug,
        config=REGISTRY[slug].config_model.model_validate(filled),
    )


def call(body: bytes, headers: dict[str, str]) -> WebhookRequest:
    return WebhookRequest(
        method="POST",
        url="https://switchboard.example.com/api/v1/webhooks/generic_webhook/x",
        headers={"content-type": "application/json", **headers},
        query={},
        body=body,
    )


def reply(**fields: Any) -> OutboundMessage:
    return OutboundMessage(message_id=uuid.uuid4(), conversation_id=uuid.uuid4(), **fields)
