"""Helpers shared by test_email_inbound's parts."""

from __future__ import annotations

import uuid
from typing import Any

from ingestion.connectors.capabilities import Connection, WebhookRequest
from ingestion.connectors.registry import REGISTRY
from tests.ingestion.connectors.examples import sendgrid as sg

WEBHOOK = (
    "https://switchboard.example.com/api/v1/webhooks/{slug}/00000000-0000-4000-8000-000000000001"
)
FORM = "application/x-www-form-urlencoded"


def connect(slug: str, config: dict[str, Any], base: str = "http://127.0.0.1:9") -> Connection:
    filled = {k: v.replace("{base}", base) if isinstance(v, str) else v for k, v in config.items()}
    return Connection(
        integration_id=uuid.UUID("00000000-0000-4000-8000-000000000001"),
        organization_id=uuid.uuid4(),
        channel=slug,
        config=REGISTRY[slug].config_model.model_validate(filled),
    )


def post(slug: str, body: bytes, content_type: str = FORM, **headers: str) -> WebhookRequest:
    return WebhookRequest(
        method="POST",
        url=WEBHOOK.format(slug=slug),
        headers={
            "content-type": content_type,
            **{k.replace("_", "-"): v for k, v in headers.items()},
        },
        query={},
        body=body,
    )


def multipart(
    fields: list[tuple[str, str]], files: list[tuple[str, str, str, bytes]]
) -> tuple[bytes, str]:
    """A multipart/form-data body as parse webhooks post it (boundary `xYzZY`, like SendGrid's)."""
    chunks = []
    for name, value in fields:
        chunks.append(f"--xYzZY\r\n{disposition(name)}\r\n\r\n{value}\r\n".encode())
    for name, filename, content_type, data in files:
        head = f'--xYzZY\r\n{disposition(name)}; filename="{filename}"\r\n'
        chunks.append(f"{head}Content-Type: {content_type}\r\n\r\n".encode() + data + b"\r\n")
    chunks.append(b"--xYzZY--\r\n")
    return b"".join(chunks), "multipart/form-data; boundary=xYzZY"


def disposition(name: str) -> str:
    return f'Content-Disposition: form-data; name="{name}"'


# SendGrid with the Basic credentials of its destination URL (used by both parts).
SG_BASIC = {**sg.BASE_CONFIG, "webhook_password": sg.WEBHOOK_PASSWORD}
