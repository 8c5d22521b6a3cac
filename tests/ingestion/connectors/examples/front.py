"""Front: application webhooks wrapping the documented event object (`inbound_received`, the
Events API's `inbound`), signed as Front documents (`base64(HMAC-SHA256(signing key,
timestamp_ms + ":" + body))`, refused after 5 minutes), and the documented reply
`POST /conversations/{id}/messages` (202, `message_uid`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

SIGNING_KEY = "front-app-signing-key-0123456789"
APP_WEBHOOKS_DOC = "https://dev.frontapp.com/docs/application-webhooks"
EVENT_DOC = "https://dev.frontapp.com/reference/events"
MESSAGE_DOC = "https://dev.frontapp.com/reference/get-message"
REPLY_DOC = "https://dev.frontapp.com/reference/create-message-reply"
API = "https://yourCompany.api.frontapp.com"


def sign(body: bytes, url: str, now: float) -> dict[str, str]:
    stamp = str(int(now * 1000))
    mac = hmac.new(SIGNING_KEY.encode(), f"{stamp}:".encode() + body, hashlib.sha256).digest()
    return {"x-front-signature": base64.b64encode(mac).decode(), "x-front-request-timestamp": stamp}


def message(msg_id: str, inbound: bool, handle: str, name: str, body: str) -> dict[str, Any]:
    """The documented message object."""
    return {
        "_links": {
            "self": f"{API}/messages/{msg_id}",
            "related": {"conversation": f"{API}/conversations/cnv_y4xb93i"},
        },
        "id": msg_id,
        "type": "email",
        "is_inbound": inbound,
        "draft_mode": None,
        "error_type": None,
        "version": None,
        "created_at": 1453770984.123,
        "subject": "Anything less than immortality is a complete waste of time.",
        "blurb": body,
        "author": None,
        "recipients": [
            {
                "_links": {"related": {"contact": f"{API}/contacts/crd_123"}},
                "name": name,
                "handle": handle,
                "role": "from",
            },
            {
                "_links": {"related": {"contact": None}},
                "name": "Support",
                "handle": "support@planet-express.com",
                "role": "to",
            },
        ],
        "body": f"<p>{body}</p>",
        "text": body,
        "attachments": [],
        "signature": None,
        "metadata": {},
    }


def event(kind: str, app_kind: str, target: dict[str, Any]) -> bytes:
    """An application webhook: the documented event object in Front's envelope."""
    return json_body(
        {
            "type": app_kind,
            "authorization": {"id": "cmp_abc"},
            "payload": {
                "_links": {"self": f"{API}/events/evt_55c8c149"},
                "id": "evt_55c8c149",
                "type": kind,
                "emitted_at": 1453770984.123,
                "conversation": {
                    "_links": {"self": f"{API}/conversations/cnv_y4xb93i"},
                    "id": "cnv_y4xb93i",
                    "subject": "Anything less than immortality is a complete waste of time.",
                    "status": "unassigned",
                    "tags": [],
                    "links": [],
                    "is_private": False,
                },
                "source": {"_meta": {"type": "inboxes"}, "data": [{"id": "inb_55c8c149"}]},
                "target": {"_meta": {"type": "message"}, "data": target},
            },
        }
    )


CUSTOMER_MESSAGE = message(
    "msg_1q15qmtq", True, "calculon@momsbot.com", "Calculon", "Where is my order #1042?"
)
OUR_REPLY = message(
    "msg_1q15qmtr", False, "support@planet-express.com", "Support", "It ships tomorrow."
)
PREVIEW = {"_links": CUSTOMER_MESSAGE["_links"], "id": "msg_1q15qmtq", "type": "email"}
SYNC = json_body({"type": "sync", "authorization": {"id": "cmp_abc"}})

EXPECT = {
    "external_id": "msg_1q15qmtq",
    "thread_key": "cnv_y4xb93i",
    "text": "Where is my order #1042?",
    "subject": "Anything less than immortality is a complete waste of time.",
    "sender.email": "calculon@momsbot.com",
    "sender.name": "Calculon",
}

CASES = [
    Case(
        slug="front",
        config={
            "api_token": "front-api-token",
            "signing_key": SIGNING_KEY,
            "author_id": "tea_55c8c149",
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="inbound_received",
                body=event("inbound", "inbound_received", CUSTOMER_MESSAGE),
                sign=sign,
                expect=EXPECT,
                source=APP_WEBHOOKS_DOC,
            ),
            Inbound(
                name="inbound_preview_reads_the_message",
                body=event("inbound", "inbound_received", PREVIEW),
                sign=sign,
                expect=EXPECT,
                replies={"/messages/msg_1q15qmtq": CUSTOMER_MESSAGE},
                source=MESSAGE_DOC,
            ),
            Inbound(
                name="outbound_sent_ignored",
                body=event("out_reply", "outbound_sent", OUR_REPLY),
                sign=sign,
                expect={},
                count=0,
                source=EVENT_DOC,
            ),
            Inbound(
                name="sync_ignored",
                body=SYNC,
                sign=sign,
                expect={},
                count=0,
                source=APP_WEBHOOKS_DOC,
            ),
        ],
        send=Send(
            message={"text": "It ships tomorrow.", "thread_key": "cnv_y4xb93i"},
            method="POST",
            path="/conversations/cnv_y4xb93i/messages",
            reply={"status": "accepted", "message_uid": "3b1q41d8"},
            reply_status=202,
            json={"text": "It ships tomorrow.", "author_id": "tea_55c8c149"},
            headers={"authorization": "Bearer front-api-token"},
            external_id="3b1q41d8",
            source=REPLY_DOC,
        ),
        replay_window_s=300,
    )
]
