"""The generic REST poller: it has no webhook, so its row is the documented reply only; the
polled page it reads (docs/connectors/generic.md) is exercised against a local fake in
test_generic.py. A page as documented:

    GET /api/messages?since=2024-11-20T10:00:00Z        Authorization: Bearer <token>
    {"data": [{"id": "m-41", "thread": "t-9", "body": "Hello", "from": {"email": "a@x.io"},
               "updated": "2024-11-20T10:05:00Z"}],
     "next": "/api/messages?page=2"}
"""

from __future__ import annotations

from tests.ingestion.connectors.cases import Case, Send

DOC = "docs/connectors/generic.md"
TOKEN = "Bearer rest-poller-token-0123456789"

CONFIG = {
    "url": "{base}/api/messages",
    "auth_value": TOKEN,
    "messages": "data",
    "external_id": "id",
    "text": "body",
    "thread_key": "thread",
    "sender_email": "from.email",
    "cursor_field": "updated",
    "cursor_param": "since",
    "next_page": "next",
    "reply_url": "{base}/api/replies",
    "allow_insecure": True,
}

CASES = [
    Case(
        slug="rest_poller",
        config=CONFIG,
        inbound=[],  # a poller: no webhook
        send=Send(
            message={"text": "Thanks, looking into it.", "thread_key": "t-9"},
            method="POST",
            path="/api/replies",
            reply={"id": "r-1"},
            json={
                "type": "message.outbound",
                "text": "Thanks, looking into it.",
                "thread_key": "t-9",
            },
            headers={"authorization": TOKEN, "content-type": "application/json"},
            external_id="r-1",
            source=DOC,
        ),
    )
]
