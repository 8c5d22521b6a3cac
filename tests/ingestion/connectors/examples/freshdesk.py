"""Freshdesk: an automation rule's "Trigger webhook" body (Simple content: `ticket_id`,
`ticket_latest_public_comment`, as Freshdesk renders it, `Author : <html>`), authenticated the
only ways Freshdesk offers (a custom header, or HTTP Basic credentials), and the documented
`POST /api/v2/tickets/{id}/reply`. Freshdesk signs no body: see docs/connectors/helpdesks.md."""

from __future__ import annotations

import base64

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

SECRET = "fd-webhook-shared-secret-0123456789"
API_KEY = "abcdefghij1234567890"
RULES_DOC = "https://support.freshdesk.com/support/solutions/articles/132589-using-webhooks-in-automation-rules"
REPLY_DOC = "https://developers.freshdesk.com/api/#reply_ticket"
CONVERSATIONS_DOC = "https://developers.freshdesk.com/api/#list_all_ticket_notes"

SIMPLE_BODY = json_body(
    {
        "freshdesk_webhook": {
            "ticket_id": 20,
            "ticket_subject": "Printer on fire",
            "requester_name": "Rui LI",
            "requester_email": "rui.li@example.com",
            "ticket_latest_public_comment": (
                'Rui LI : <div style="font-family:-apple-system, Arial, sans-serif; '
                'font-size:14px"><div dir="ltr">It is still smoking.</div></div>'
            ),
        }
    }
)

# The body docs/connectors/helpdesks.md tells admins to paste (Advanced content), as rendered.
ADVANCED_BODY = json_body(
    {
        "freshdesk_webhook": {
            "ticket_id": "20",
            "ticket_subject": "Printer on fire",
            "requester_name": "Rui LI",
            "requester_email": "rui.li@example.com",
        }
    }
)

# `GET /api/v2/tickets/20/conversations` in the documented shape: the customer's reply, then our
# agent's answer and a private note (both not inbound).
CONVERSATIONS = [
    {
        "body": "<div>It is still smoking, and now beeping.</div>",
        "body_text": "It is still smoking, and now beeping.",
        "id": 3,
        "incoming": True,
        "private": False,
        "user_id": 7,
        "support_email": "support@acme.freshdesk.com",
        "source": 0,
        "category": 2,
        "to_emails": ["support@acme.freshdesk.com"],
        "from_email": "Rui LI <rui.li@example.com>",
        "cc_emails": [],
        "bcc_emails": [],
        "attachments": [],
        "ticket_id": 20,
        "created_at": "2015-08-24T09:28:19Z",
        "updated_at": "2015-08-24T09:28:19Z",
    },
    {
        "body": "<div>We are working on this issue.</div>",
        "body_text": "We are working on this issue.",
        "id": 4,
        "incoming": False,
        "private": False,
        "user_id": 1,
        "ticket_id": 20,
        "created_at": "2015-08-24T09:30:00Z",
        "updated_at": "2015-08-24T09:30:00Z",
    },
    {
        "body": "<div>Escalate to facilities.</div>",
        "body_text": "Escalate to facilities.",
        "id": 5,
        "incoming": False,
        "private": True,
        "user_id": 1,
        "ticket_id": 20,
        "created_at": "2015-08-24T09:31:00Z",
        "updated_at": "2015-08-24T09:31:00Z",
    },
]

# The documented reply response.
REPLY = {
    "body_text": "We are working on this issue. Will keep you posted.",
    "body": "<div>We are working on this issue. Will keep you posted.</div>",
    "id": 5001,
    "user_id": 1,
    "from_email": "support@xyz.com",
    "cc_emails": ["ram@freshdesk.com", "diana@freshdesk.com"],
    "bcc_emails": [],
    "ticket_id": 20,
    "replied_to": ["sample@freshdesk.com"],
    "attachments": [],
    "created_at": "2015-08-24T11:59:59Z",
    "updated_at": "2015-08-24T11:59:59Z",
}


def token_header(body: bytes, url: str, now: float) -> dict[str, str]:
    """The rule's custom header ("Add custom headers": `X-Switchboard-Token: <secret>`)."""
    return {"x-switchboard-token": SECRET}


def basic_auth(body: bytes, url: str, now: float) -> dict[str, str]:
    """The rule's "Requires authentication" (username and password) option."""
    pair = base64.b64encode(f"switchboard:{SECRET}".encode()).decode()
    return {"authorization": f"Basic {pair}"}


def forge(body: bytes, url: str, now: float) -> dict[str, str]:
    """A caller that does not know the secret: the body is not signed, only the caller is."""
    return {"x-switchboard-token": "guessed-secret-0123456789abcdef"}


EXPECT = {
    "thread_key": "20",
    "text": "It is still smoking.",
    "subject": "Printer on fire",
    "sender.email": "rui.li@example.com",
    "sender.name": "Rui LI",
}

CASES = [
    Case(
        slug="freshdesk",
        forge=forge,
        config={
            "domain": "acme",
            "api_key": API_KEY,
            "webhook_secret": SECRET,
            "agent_id": 1,
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="latest_public_comment_header_token",
                body=SIMPLE_BODY,
                sign=token_header,
                expect=EXPECT,
                source=RULES_DOC,
            ),
            Inbound(
                name="latest_public_comment_basic_auth",
                body=SIMPLE_BODY,
                sign=basic_auth,
                expect=EXPECT,
                source=RULES_DOC,
            ),
            Inbound(
                name="advanced_body_reads_the_conversation",
                body=ADVANCED_BODY,
                sign=token_header,
                expect={
                    "external_id": "3",
                    "thread_key": "20",
                    "text": "It is still smoking, and now beeping.",
                    "sender.external_id": "7",
                    "sender.email": "rui.li@example.com",
                    "sender.name": "Rui LI",
                },
                replies={"/api/v2/tickets/20/conversations": CONVERSATIONS},
                source=CONVERSATIONS_DOC,
            ),
        ],
        send=Send(
            message={
                "text": "We are working on this issue. Will keep you posted.",
                "thread_key": "20",
            },
            method="POST",
            path="/api/v2/tickets/20/reply",
            reply=REPLY,
            reply_status=201,
            json={"body": "We are working on this issue. Will keep you posted.", "user_id": 1},
            headers={
                "authorization": "Basic " + base64.b64encode(f"{API_KEY}:X".encode()).decode()
            },
            external_id="5001",
            source=REPLY_DOC,
        ),
    )
]
