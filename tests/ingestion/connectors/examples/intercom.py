"""Intercom: documented notification events (conversation.user.created / .user.replied, and an
admin reply we ignore), signed `X-Hub-Signature: sha1=<hex HMAC-SHA1(client_secret, body)>`,
and the documented admin reply to a conversation."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

CLIENT_SECRET = "intercom-client-secret"
ADMIN_ID = "814860"
WEBHOOK_DOC = "https://developers.intercom.com/docs/references/webhooks/webhook-models"
SIGNING_DOC = "https://developers.intercom.com/docs/webhooks/setting-up-webhooks (X-Hub-Signature)"
PART_DOC = (
    "https://developers.intercom.com/docs/references/1.0/rest-api/conversations/"
    "conversation-part-model"
)
REPLY_DOC = (
    "https://developers.intercom.com/docs/references/rest-api/api.intercom.io/conversations/"
    "replyconversation"
)
USER = {"type": "user", "id": "536e564f316c83104c000020", "name": "Jane", "email": "jane@x.io"}
ADMIN = {"type": "admin", "id": ADMIN_ID, "name": "Switchboard", "email": "bot@acme.example"}


def sign(body: bytes, url: str, now: float) -> dict[str, str]:
    digest = hmac.new(CLIENT_SECRET.encode(), body, hashlib.sha1).hexdigest()
    return {"x-hub-signature": f"sha1={digest}"}


def _part(part_id: str, body: str, author: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "conversation_part",
        "id": part_id,
        "part_type": "comment",
        "body": body,
        "created_at": 1400857494,
        "updated_at": 1400857494,
        "notified_at": 1400857587,
        "assigned_to": None,
        "author": author,
        "attachments": [],
    }


def _conversation(source_author: dict[str, Any], parts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "conversation",
        "id": "147",
        "created_at": 1400850973,
        "updated_at": 1400857494,
        "source": {
            "type": "conversation",
            "id": "403918330",
            "delivered_as": "customer_initiated",
            "subject": "",
            "body": "<p>Hi, is my order on its way?</p>",
            "author": source_author,
            "attachments": [],
            "url": None,
        },
        "open": True,
        "state": "open",
        "read": True,
        "conversation_parts": {
            "type": "conversation_part.list",
            "conversation_parts": parts,
            "total_count": len(parts),
        },
    }


def _notification(topic: str, item: dict[str, Any]) -> bytes:
    return json_body(
        {
            "type": "notification_event",
            "app_id": "ecahpwf5",
            "data": {"type": "notification_event_data", "item": item},
            "links": {},
            "id": "notif_ccd8a4d0-f965-11e3-a367-c779cae3e1b3",
            "topic": topic,
            "delivery_status": "pending",
            "delivery_attempts": 1,
            "delivered_at": 0,
            "first_sent_at": 1400857494,
            "created_at": 1400857494,
            "self": None,
        }
    )


USER_CREATED = _notification("conversation.user.created", _conversation(USER, []))
USER_REPLIED = _notification(
    "conversation.user.replied",
    _conversation(ADMIN, [_part("4412", "<p>Hi Jane, it's all great thanks!</p>", USER)]),
)
ADMIN_REPLIED = _notification(
    "conversation.admin.replied",
    _conversation(USER, [_part("4413", "<p>Glad to hear it.</p>", ADMIN)]),
)

REPLY = _conversation(
    USER,
    [
        _part("4412", "<p>Hi Jane, it's all great thanks!</p>", USER),
        {**_part("4414", "<p>Your order ships today.</p>", ADMIN), "created_at": 1400857600},
    ],
)

CASES = [
    Case(
        slug="intercom",
        config={
            "access_token": "dG9rOmFjY2Vzcy10b2tlbg==",
            "client_id": "intercom-client",
            "client_secret": CLIENT_SECRET,
            "admin_id": ADMIN_ID,
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="conversation.user.created",
                body=USER_CREATED,
                sign=sign,
                expect={
                    "external_id": "403918330",
                    "thread_key": "147",
                    "text": "Hi, is my order on its way?",
                    "sender.external_id": USER["id"],
                    "sender.email": "jane@x.io",
                },
                source=WEBHOOK_DOC,
            ),
            Inbound(
                name="conversation.user.replied",
                body=USER_REPLIED,
                sign=sign,
                expect={
                    "external_id": "4412",
                    "thread_key": "147",
                    "text": "Hi Jane, it's all great thanks!",
                    "sender.external_id": USER["id"],
                },
                source=PART_DOC,
            ),
            Inbound(
                name="conversation.admin.replied_ignored",
                body=ADMIN_REPLIED,
                sign=sign,
                expect={},
                count=0,
                source=WEBHOOK_DOC,
            ),
        ],
        send=Send(
            message={"text": "Your order ships today.", "thread_key": "147"},
            method="POST",
            path="/conversations/147/reply",
            reply=REPLY,
            json={
                "message_type": "comment",
                "type": "admin",
                "admin_id": ADMIN_ID,
                "body": "Your order ships today.",
            },
            headers={
                "authorization": "Bearer dG9rOmFjY2Vzcy10b2tlbg==",
                "intercom-version": "2.11",
            },
            external_id="4414",
            source=REPLY_DOC,
        ),
    )
]
