"""Helpers shared by test_messaging's parts."""

from __future__ import annotations

import uuid
from typing import Any

from ingestion.connectors.capabilities import Connection, OutboundMessage, WebhookRequest
from ingestion.connectors.registry import REGISTRY
from tests.fakes.messaging_keys import KEYS
from tests.ingestion.connectors.examples import microsoft_teams as teams_rows

URL = "https://sb.example/api/v1/webhooks/x/00000000-0000-4000-8000-000000000001"
# Published before any JWKS fetch, so the key set the connector caches holds both.
KEYS.key(teams_rows.KID, endorsements=["msteams", "webchat"])
KEYS.key("bf-test-key-skype-only", endorsements=["skype"])


def wire(slug: str, config: dict[str, Any], base: str = "http://127.0.0.1:9") -> Connection:
    filled = {k: v.replace("{base}", base) if isinstance(v, str) else v for k, v in config.items()}
    return Connection(
        integration_id=uuid.uuid4(),
        organization_id=uuid.uuid4(),
        channel=slug,
        config=REGISTRY[slug].config_model.model_validate(filled),
    )


def inbound(body: bytes, headers: dict[str, str], url: str = URL, method: str = "POST") -> Any:
    return WebhookRequest(method=method, url=url, headers=headers, query={}, body=body)


def reply(thread_key: str, text: str = "On it.", **extra: Any) -> OutboundMessage:
    return OutboundMessage(
        message_id=uuid.uuid4(), conversation_id=uuid.uuid4(), text=text, thread_key=thread_key,
        **extra,
    )  # fmt: skip


async def send(conn: Connection, message: OutboundMessage) -> Any:
    try:
        return await REGISTRY[conn.channel].connector().send(conn, message)
    finally:
        if conn.http is not None:
            await conn.http.aclose()
