"""Gladly: the documented `CONTACT/MESSAGE_RECEIVED` webhook event, authenticated with the Basic
`credentials` Gladly webhooks carry (Gladly documents no body signature), the item read from the
documented `GET /api/v1/conversation-items/{id}`, and the documented reply
`POST /api/v1/conversation-items/{itemId}/reply`."""

from __future__ import annotations

import base64
from typing import Any

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

PASSWORD = "gladly-webhook-password-0123"
PAYLOADS_DOC = "https://developer.gladly.com/rest/#operation/Events (CONTACT/MESSAGE_RECEIVED)"
WEBHOOKS_DOC = "https://developer.gladly.com/rest/#tag/Webhooks (credentials: Basic Auth)"
ITEM_DOC = "https://developer.gladly.com/rest/#operation/getItem"
REPLY_DOC = "https://developer.gladly.com/rest/#operation/replyToItem"
CONVERSATION = "9BcE2O0DQ2ynGHRmk9FeoA"
CUSTOMER = "OOrlNMXeS72gs_WEX2TtMg"


def basic_auth(body: bytes, url: str, now: float) -> dict[str, str]:
    pair = base64.b64encode(f"switchboard:{PASSWORD}".encode()).decode()
    return {"authorization": f"Basic {pair}"}


def forge(body: bytes, url: str, now: float) -> dict[str, str]:
    """A caller that does not know the password: the body is not signed, only the caller is."""
    pair = base64.b64encode(b"switchboard:guessed-password-0123").decode()
    return {"authorization": f"Basic {pair}"}


def event(kind: str, message_id: str) -> bytes:
    return json_body(
        {
            "id": "yHaHXjD4SR-moMR9LbULDb",
            "type": kind,
            "timestamp": "2019-07-01T11:46:45.01Z",
            "initiator": {"id": CUSTOMER, "type": "CUSTOMER"},
            "content": {
                "channel": "CHAT",
                "contactId": "d9RjXQ5fTWuJ2ZzE8P0v1g",
                "conversationId": CONVERSATION,
                "customerId": CUSTOMER,
                "messageId": message_id,
                "context": {},
            },
        }
    )


def item(item_id: str, initiator: dict[str, str], text: str) -> dict[str, Any]:
    """A conversation item in the documented shape (a chat message)."""
    return {
        "id": item_id,
        "conversationId": CONVERSATION,
        "customerId": CUSTOMER,
        "timestamp": "2019-07-01T11:46:45.01Z",
        "initiator": initiator,
        "content": {"type": "CHAT_MESSAGE", "sessionId": "5k04bYuTRGqyT6uoSQfWVA", "content": text},
    }


CUSTOMER_ITEM = item(
    "ybP4szYCSy6LdV4DNwEd6g",
    {"id": CUSTOMER, "type": "CUSTOMER"},
    "Hi! I know it's after hours but can someone help upgrade my account?",
)
BOT_ITEM = item(
    "Rk7dLm2xTXqNwZp8vB3YeA",
    {"id": "SIDEKICK_V2", "type": "SYSTEM"},
    "Hello! I can help you with upgrading your account.",
)

CASES = [
    Case(
        slug="gladly",
        forge=forge,
        config={
            "organization": "acme",
            "api_email": "api-user@acme.com",
            "api_token": "gladly-api-token",
            "webhook_password": PASSWORD,
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="contact_message_received",
                body=event("CONTACT/MESSAGE_RECEIVED", "ybP4szYCSy6LdV4DNwEd6g"),
                sign=basic_auth,
                expect={
                    "external_id": "ybP4szYCSy6LdV4DNwEd6g",
                    "thread_key": CONVERSATION,
                    "text": "Hi! I know it's after hours but can someone help upgrade my account?",
                    "sender.external_id": CUSTOMER,
                },
                replies={"/api/v1/conversation-items/ybP4szYCSy6LdV4DNwEd6g": CUSTOMER_ITEM},
                source=PAYLOADS_DOC,
            ),
            Inbound(
                name="bot_message_ignored",
                body=event("CONTACT/MESSAGE_RECEIVED", "Rk7dLm2xTXqNwZp8vB3YeA"),
                sign=basic_auth,
                expect={},
                count=0,
                replies={"/api/v1/conversation-items/Rk7dLm2xTXqNwZp8vB3YeA": BOT_ITEM},
                source=ITEM_DOC,
            ),
            Inbound(
                name="message_sent_ignored",
                body=event("CONTACT/MESSAGE_SENT", "Rk7dLm2xTXqNwZp8vB3YeA"),
                sign=basic_auth,
                expect={},
                count=0,
                source=PAYLOADS_DOC,
            ),
        ],
        send=Send(
            message={
                "text": "Happy to help! Which plan are you interested in?",
                "thread_key": CONVERSATION,
                "in_reply_to_external_id": "ybP4szYCSy6LdV4DNwEd6g",
            },
            method="POST",
            path="/api/v1/conversation-items/ybP4szYCSy6LdV4DNwEd6g/reply",
            reply_status=201,
            json={
                "content": {
                    "type": "CHAT_MESSAGE",
                    "messageType": "TEXT",
                    "body": "Happy to help! Which plan are you interested in?",
                }
            },
            headers={
                "authorization": "Basic "
                + base64.b64encode(b"api-user@acme.com:gladly-api-token").decode()
            },
            other_replies={"/api/v1/conversation-items/ybP4szYCSy6LdV4DNwEd6g": CUSTOMER_ITEM},
            source=REPLY_DOC,
        ),
    )
]
