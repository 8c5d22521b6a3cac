"""Zendesk Support: the documented `ticket.comment_added` event-subscription payload, signed as
Zendesk documents (`base64(HMAC-SHA256(signing_secret, timestamp + body))`), and the documented
ticket update that adds a public comment."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

SECRET = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="
EVENTS_DOC = "https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events/"
VERIFY_DOC = (
    "https://developer.zendesk.com/documentation/webhooks/verifying/"
    " (signature = base64(HMAC-SHA256(secret, timestamp + body)))"
)
UPDATE_DOC = "https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#update-ticket"
AGENT_ID = 900


def sign(body: bytes, url: str, now: float) -> dict[str, str]:
    stamp = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    mac = hmac.new(SECRET.encode(), stamp.encode() + body, hashlib.sha256).digest()
    return {
        "x-zendesk-webhook-signature": base64.b64encode(mac).decode(),
        "x-zendesk-webhook-signature-timestamp": stamp,
    }


def _event(kind: str, event: dict[str, object]) -> bytes:
    """The documented envelope of ticket events (the `detail` object of the docs' examples)."""
    return json_body(
        {
            "account_id": 22129848,
            "detail": {
                "actor_id": "8447388090494",
                "assignee_id": "8447388090494",
                "brand_id": "8447346621310",
                "created_at": "2024-05-21T19:30:51Z",
                "custom_status": "8447320465790",
                "description": "ticket_description",
                "external_id": None,
                "form_id": "8646151517454",
                "group_id": "8447320466430",
                "id": "5158",
                "is_public": True,
                "organization_id": "8447346622462",
                "priority": "LOW",
                "requester_id": "8447388090494",
                "status": "OPEN",
                "subject": "ticket_subject",
                "submitter_id": "8447388090494",
                "tags": ["tag-a", "tag-b"],
                "type": "TASK",
                "updated_at": "2024-05-21T19:30:51Z",
                "via": {"channel": "web_service"},
            },
            "event": event,
            "id": "cbe4028c-7239-495d-b020-f22348516046",
            "subject": "zen:ticket:5158",
            "time": "2024-05-21T19:30:51.123456789Z",
            "type": f"zen:event-type:ticket.{kind}",
            "zendesk_event_version": "2022-11-06",
        }
    )


COMMENT_ADDED = _event(
    "comment_added",
    {
        "comment": {
            "author": {"id": "8447388090494", "is_staff": False, "name": "Admin"},
            "body": "Hello, world!",
            "id": "10001",
            "is_public": True,
        }
    },
)
AGENT_COMMENT = _event(
    "comment_added",
    {
        "comment": {
            "author": {"id": str(AGENT_ID), "is_staff": True, "name": "Switchboard"},
            "body": "Our own reply, echoed back",
            "id": "10002",
            "is_public": True,
        }
    },
)
STATUS_CHANGED = _event("status_changed", {"current": "SOLVED", "previous": "OPEN"})

AUDIT_REPLY = {
    "ticket": {"id": 5158, "subject": "ticket_subject", "status": "open"},
    "audit": {
        "author_id": 35436,
        "created_at": "2009-07-20T22:55:29Z",
        "events": [
            {
                "attachments": [],
                "body": "Thanks for your help!",
                "id": 1564245,
                "public": True,
                "type": "Comment",
            }
        ],
        "id": 2127301143,
        "ticket_id": 5158,
    },
}

CASES = [
    Case(
        slug="zendesk",
        config={
            "subdomain": "acme",
            "email": "agent@acme.example",
            "api_token": "zd-api-token-123",
            "webhook_signing_secret": SECRET,
            "agent_user_id": AGENT_ID,
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="comment_added",
                body=COMMENT_ADDED,
                sign=sign,
                expect={
                    "external_id": "10001",
                    "thread_key": "5158",
                    "text": "Hello, world!",
                    "subject": "ticket_subject",
                    "sender.external_id": "8447388090494",
                    "sender.name": "Admin",
                },
                source=EVENTS_DOC,
            ),
            Inbound(
                name="own_agent_comment_ignored",
                body=AGENT_COMMENT,
                sign=sign,
                expect={},
                count=0,
                source=EVENTS_DOC,
            ),
            Inbound(
                name="status_changed_ignored",
                body=STATUS_CHANGED,
                sign=sign,
                expect={},
                count=0,
                source=EVENTS_DOC,
            ),
        ],
        send=Send(
            message={"text": "Thanks for your help!", "thread_key": "5158"},
            method="PUT",
            path="/api/v2/tickets/5158.json",
            reply=AUDIT_REPLY,
            json={
                "ticket.comment.body": "Thanks for your help!",
                "ticket.comment.public": True,
                "ticket.comment.author_id": AGENT_ID,
            },
            headers={
                "authorization": "Basic "
                + base64.b64encode(b"agent@acme.example/token:zd-api-token-123").decode()
            },
            external_id="1564245",
            source=UPDATE_DOC,
        ),
        replay_window_s=300,
    )
]
