"""Kustomer: the documented event envelope of `kustomer.message.create`, signed as Kustomer
documents (`X-Kustomer-Webhook-Signature`: lowercase hex HMAC-SHA256 of the raw body keyed with
the webhook's token), and the documented `POST /v1/customers/{id}/drafts` that makes Kustomer
deliver a reply."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from tests.ingestion.connectors.cases import Case, Inbound, Send, Signer, json_body

TOKEN = "kustomer-webhook-token-0123456789"
DELIVERY_DOC = "https://developer.kustomer.com/docs/events/delivery-and-retries"
EVENTS_DOC = "https://developer.kustomer.com/docs/events/outbound-webhooks"
DRAFT_DOC = "https://developer.kustomer.com/api/core-resources/create-draft-for-customer"
CONVERSATION = "6717c2b1e5b1f00012ab3500"
CUSTOMER = "6717c2b1e5b1f00012ab3400"


def signer(event: str) -> Signer:
    def sign(body: bytes, url: str, now: float) -> dict[str, str]:
        digest = hmac.new(TOKEN.encode(), body, hashlib.sha256).hexdigest()
        return {"x-kustomer-webhook-event": event, "x-kustomer-webhook-signature": digest}

    return sign


def message_event(
    msg_id: str, direction: str, text: str, name: str = "kustomer.message.create"
) -> bytes:
    """The event envelope (`id`, `name`, `org`, `data`, `createdAt`) around a message resource."""
    message: dict[str, Any] = {
        "type": "message",
        "id": msg_id,
        "attributes": {
            "channel": "email",
            "app": "postmark",
            "size": 1,
            "direction": direction,
            "directionType": "initial-in" if direction == "in" else "response-out",
            "preview": text,
            "subject": "Order #1042 damaged",
            "meta": {"from": "maria@example.com", "to": [{"email": "support@acme.com"}]},
            "status": "received" if direction == "in" else "sent",
            "auto": False,
            "sentAt": "2024-10-22T14:05:06.000Z",
            "createdAt": "2024-10-22T14:05:06.123Z",
        },
        "relationships": {
            "conversation": {"data": {"type": "conversation", "id": CONVERSATION}},
            "customer": {"data": {"type": "customer", "id": CUSTOMER}},
        },
    }
    return json_body(
        {
            "id": "6717c2b1e5b1f00012ab3511",
            "name": name,
            "org": "5a0c4f0e4d9a2b0001c6b111",
            "orgName": "acme",
            "data": message,
            "createdAt": "2024-10-22T14:05:06.200Z",
        }
    )


CASES = [
    Case(
        slug="kustomer",
        config={
            "org_name": "acme",
            "api_key": "kustomer-api-key",
            "webhook_token": TOKEN,
            "from_address": "support@acme.com",
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="message_create_in",
                body=message_event("6717c2b1e5b1f00012ab3600", "in", "The mug arrived broken."),
                sign=signer("kustomer.message.create"),
                expect={
                    "external_id": "6717c2b1e5b1f00012ab3600",
                    "thread_key": CONVERSATION,
                    "text": "The mug arrived broken.",
                    "subject": "Order #1042 damaged",
                    "sender.external_id": CUSTOMER,
                    "sender.email": "maria@example.com",
                },
                source=DELIVERY_DOC,
            ),
            Inbound(
                name="outbound_message_ignored",
                body=message_event(
                    "6717c2b1e5b1f00012ab3601", "out", "A replacement is on its way."
                ),
                sign=signer("kustomer.message.create"),
                expect={},
                count=0,
                source=EVENTS_DOC,
            ),
            Inbound(
                name="conversation_update_ignored",
                body=message_event(
                    "6717c2b1e5b1f00012ab3602", "in", "x", name="kustomer.conversation.update"
                ),
                sign=signer("kustomer.conversation.update"),
                expect={},
                count=0,
                source=EVENTS_DOC,
            ),
        ],
        send=Send(
            message={
                "text": "A replacement is on its way.",
                "thread_key": CONVERSATION,
                "customer": {"external_id": CUSTOMER, "email": "maria@example.com"},
            },
            method="POST",
            path=f"/v1/customers/{CUSTOMER}/drafts",
            reply={
                "data": {
                    "type": "draft",
                    "id": "6717c2b1e5b1f00012ab3700",
                    "attributes": {"channel": "email", "status": "scheduled"},
                }
            },
            json={
                "conversation": CONVERSATION,
                "channel": "email",
                "body": "A replacement is on its way.",
                "scheduled": True,
                "to": [{"email": "maria@example.com"}],
                "from": {"email": "support@acme.com"},
            },
            headers={"authorization": "Bearer kustomer-api-key"},
            external_id="6717c2b1e5b1f00012ab3700",
            source=DRAFT_DOC,
        ),
    )
]
