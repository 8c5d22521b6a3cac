"""Help Scout: webhooks carrying the documented v2 Conversation object, signed as Help Scout
documents (`X-HelpScout-Signature: base64(HMAC-SHA1(secret, body))`, event in
`X-HelpScout-Event`), and the documented reply (`POST /v2/conversations/{id}/reply`, 201 with
`Resource-ID`) after a client-credentials token."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from tests.ingestion.connectors.cases import Case, Inbound, Send, Signer, json_body

SECRET = "hs-webhook-secret-0123456789"
WEBHOOKS_DOC = "https://developer.helpscout.com/webhooks/"
CONVERSATION_DOC = "https://developer.helpscout.com/mailbox-api/endpoints/conversations/get/"
THREADS_DOC = "https://developer.helpscout.com/mailbox-api/endpoints/conversations/threads/list/"
REPLY_DOC = "https://developer.helpscout.com/mailbox-api/endpoints/conversations/threads/reply/"
TOKEN = "hs-access-token-abc"

CUSTOMER = {
    "id": 15,
    "type": "customer",
    "first": "Vernon",
    "last": "Bear",
    "email": "vbear@mywork.com",
}
AGENT = {"id": 9865, "type": "user", "first": "Mr", "last": "Robot", "email": "none@nowhere.com"}


def signer(event: str) -> Signer:
    def sign(body: bytes, url: str, now: float) -> dict[str, str]:
        mac = hmac.new(SECRET.encode(), body, hashlib.sha1).digest()
        return {"x-helpscout-event": event, "x-helpscout-signature": base64.b64encode(mac).decode()}

    return sign


def thread(thread_id: int, kind: str, by: dict[str, Any], body: str, at: str) -> dict[str, Any]:
    """A thread in the documented shape (`GET /v2/conversations/{id}/threads`)."""
    return {
        "id": thread_id,
        "type": kind,
        "status": "active",
        "state": "published",
        "action": {"type": "default", "text": "", "associatedEntities": {}},
        "body": body,
        "source": {"type": "email", "via": by["type"]},
        "customer": CUSTOMER,
        "createdBy": by,
        "assignedTo": AGENT,
        "savedReplyId": 0,
        "to": [],
        "cc": [],
        "bcc": [],
        "createdAt": at,
        "openedAt": at,
        "_embedded": {"attachments": []},
    }


def conversation(threads: list[dict[str, Any]] | None) -> dict[str, Any]:
    """The documented v2 Conversation object, as webhooks send it."""
    convo: dict[str, Any] = {
        "id": 10,
        "number": 12,
        "threads": len(threads or []),
        "type": "email",
        "folderId": 11,
        "status": "active",
        "state": "published",
        "subject": "Help",
        "preview": "Preview",
        "mailboxId": 13,
        "assignee": AGENT,
        "createdBy": CUSTOMER,
        "createdAt": "2012-10-10T12:00:00Z",
        "closedBy": 0,
        "userUpdatedAt": "2012-10-10T12:00:00Z",
        "customerWaitingSince": {"time": "2012-10-10T12:00:00Z", "friendly": "20 hours ago"},
        "source": {"type": "email", "via": "customer"},
        "tags": [],
        "cc": [],
        "bcc": [],
        "primaryCustomer": CUSTOMER,
        "customFields": [],
    }
    if threads is not None:
        convo["_embedded"] = {"threads": threads}
    return convo


CUSTOMER_REPLY = thread(
    2198262392,
    "customer",
    CUSTOMER,
    "<p>The app still crashes on login.</p>",
    "2012-10-10T13:00:00Z",
)
FIRST_MESSAGE = thread(
    2198262390, "customer", CUSTOMER, "I need help with my account.", "2012-10-10T12:00:00Z"
)
AGENT_REPLY = thread(
    2198262391, "message", AGENT, "<p>Try reinstalling.</p>", "2012-10-10T12:30:00Z"
)
NOTE = thread(2198262393, "note", AGENT, "Internal: VIP", "2012-10-10T13:05:00Z")

REPLIED = json_body(conversation([NOTE, CUSTOMER_REPLY, AGENT_REPLY, FIRST_MESSAGE]))
CREATED = json_body(conversation([FIRST_MESSAGE]))
AGENT_REPLIED = json_body(conversation([AGENT_REPLY, FIRST_MESSAGE]))
WITHOUT_THREADS = json_body(conversation(None))
# A conversation an agent started (outbound): its only thread is the agent's message.
AGENT_STARTED = json_body({**conversation([AGENT_REPLY]), "createdBy": AGENT})

EXPECT = {
    "external_id": "2198262392",
    "thread_key": "10",
    "text": "The app still crashes on login.",
    "subject": "Help",
    "sender.external_id": "15",
    "sender.email": "vbear@mywork.com",
    "sender.name": "Vernon Bear",
}

CASES = [
    Case(
        slug="helpscout",
        config={
            "app_id": "hs-app-id",
            "app_secret": "hs-app-secret",
            "webhook_secret": SECRET,
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="customer_reply_created",
                body=REPLIED,
                sign=signer("convo.customer.reply.created"),
                expect=EXPECT,
                source=WEBHOOKS_DOC,
            ),
            Inbound(
                name="convo_created",
                body=CREATED,
                sign=signer("convo.created"),
                expect={"external_id": "2198262390", "text": "I need help with my account."},
                source=WEBHOOKS_DOC,
            ),
            Inbound(
                name="agent_reply_ignored",
                body=AGENT_REPLIED,
                sign=signer("convo.agent.reply.created"),
                expect={},
                count=0,
                source=WEBHOOKS_DOC,
            ),
            Inbound(
                name="created_by_agent_ignored",
                body=AGENT_STARTED,
                sign=signer("convo.created"),
                expect={},
                count=0,
                source=WEBHOOKS_DOC,
            ),
            Inbound(
                name="reply_without_embedded_threads_reads_them",
                body=WITHOUT_THREADS,
                sign=signer("convo.customer.reply.created"),
                expect=EXPECT,
                replies={
                    "/v2/oauth2/token": {"access_token": TOKEN, "expires_in": 172800},
                    "/v2/conversations/10/threads": {
                        "_embedded": {"threads": [NOTE, CUSTOMER_REPLY, AGENT_REPLY]},
                        "page": {"size": 25, "totalElements": 3, "totalPages": 1, "number": 1},
                    },
                },
                source=THREADS_DOC,
            ),
        ],
        send=Send(
            message={
                "text": "Please update to version 2.1.",
                "thread_key": "10",
                "customer": {"external_id": "15", "email": "vbear@mywork.com"},
            },
            method="POST",
            path="/v2/conversations/10/reply",
            reply_status=201,
            json={"customer": {"id": 15}, "text": "Please update to version 2.1."},
            headers={"authorization": f"Bearer {TOKEN}"},
            other_replies={
                "/v2/oauth2/token": {
                    "token_type": "bearer",
                    "access_token": TOKEN,
                    "expires_in": 172800,
                }
            },
            source=REPLY_DOC,
        ),
    )
]
