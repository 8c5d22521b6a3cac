"""Gorgias: an HTTP integration's call (trigger *Ticket message created*, the JSON body
docs/connectors/helpdesks.md gives), authenticated with the custom header Gorgias lets us add
(it signs nothing), the message read in the documented TicketMessage shape, and the documented
`POST /api/tickets/{id}/messages` for an outgoing email."""

from __future__ import annotations

import base64
from typing import Any

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

SECRET = "gorgias-shared-secret-0123456789"
HTTP_DOC = "https://developers.gorgias.com/reference/the-integration-object"
MESSAGE_DOC = "https://developers.gorgias.com/reference/the-ticketmessage-object"
CREATE_DOC = "https://developers.gorgias.com/reference/create-ticket-message"


def token_header(body: bytes, url: str, now: float) -> dict[str, str]:
    return {"x-switchboard-token": SECRET}


def forge(body: bytes, url: str, now: float) -> dict[str, str]:
    """A caller that does not know the secret: the body is not signed, only the caller is."""
    return {"x-switchboard-token": "guessed-secret-0123456789abcdef"}


def ticket_message(
    msg_id: int, from_agent: bool, public: bool, text: str, at: str
) -> dict[str, Any]:
    """The documented TicketMessage object."""
    customer = {
        "id": 93,
        "email": "john@example.com",
        "name": "John Smith",
        "firstname": "John",
        "lastname": "Smith",
    }
    agent = {
        "id": 7,
        "email": "agent@acme.com",
        "name": "Alex Agent",
        "firstname": "Alex",
        "lastname": "Agent",
    }
    return {
        "id": msg_id,
        "uri": f"/api/tickets/123/messages/{msg_id}/",
        "message_id": f"<{msg_id}@mail.example.com>",
        "ticket_id": 123,
        "external_id": None,
        "public": public,
        "channel": "email",
        "via": "email",
        "source": {
            "type": "email",
            "from": {"name": "John Smith", "address": "john@example.com"},
            "to": [{"name": "Acme Support", "address": "support@acme.com"}],
        },
        "sender": agent if from_agent else customer,
        "receiver": customer if from_agent else agent,
        "integration_id": 2,
        "rule_id": None,
        "from_agent": from_agent,
        "subject": "Refund request",
        "body_text": text,
        "body_html": f"<div>{text}</div>",
        "stripped_text": text,
        "stripped_html": f"<div>{text}</div>",
        "attachments": [],
        "actions": None,
        "macros": [],
        "meta": None,
        "created_datetime": at,
        "sent_datetime": at,
        "failed_datetime": None,
        "deleted_datetime": None,
        "opened_datetime": None,
        "last_sending_error": None,
        "is_retriable": False,
    }


CUSTOMER = ticket_message(12345, False, True, "My parcel never arrived.", "2019-07-05T15:52:34")
AGENT = ticket_message(12346, True, True, "Sorry, refunding now.", "2019-07-05T16:00:00")
NOTE = ticket_message(12347, True, False, "Check the carrier.", "2019-07-05T16:01:00")

NAMED = json_body({"ticket_id": "123", "message_id": "12345", "subject": "Refund request"})
TICKET_ONLY = json_body({"ticket_id": "123"})
AGENT_NAMED = json_body({"ticket_id": "123", "message_id": "12346"})

EXPECT = {
    "external_id": "12345",
    "thread_key": "123",
    "text": "My parcel never arrived.",
    "subject": "Refund request",
    "sender.external_id": "93",
    "sender.email": "john@example.com",
    "sender.name": "John Smith",
}
API_KEY = "gorgias-api-key-123"

CASES = [
    Case(
        slug="gorgias",
        forge=forge,
        config={
            "domain": "acme",
            "api_email": "agent@acme.com",
            "api_key": API_KEY,
            "webhook_secret": SECRET,
            "agent_user_id": 7,
            "support_address": "support@acme.com",
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="ticket_message_created",
                body=NAMED,
                sign=token_header,
                expect=EXPECT,
                replies={"/api/tickets/123/messages/12345": CUSTOMER},
                source=MESSAGE_DOC,
            ),
            Inbound(
                name="ticket_only_reads_the_newest_customer_message",
                body=TICKET_ONLY,
                sign=token_header,
                expect=EXPECT,
                replies={
                    "/api/tickets/123/messages": {
                        "data": [CUSTOMER, AGENT, NOTE],
                        "meta": {"prev_cursor": None, "next_cursor": None},
                        "object": "list",
                        "uri": "/api/tickets/123/messages",
                    }
                },
                source=MESSAGE_DOC,
            ),
            Inbound(
                name="agent_message_ignored",
                body=AGENT_NAMED,
                sign=token_header,
                expect={},
                count=0,
                replies={"/api/tickets/123/messages/12346": AGENT},
                source=HTTP_DOC,
            ),
        ],
        send=Send(
            message={
                "text": "Sorry, refunding now.",
                "thread_key": "123",
                "customer": {
                    "external_id": "93",
                    "email": "john@example.com",
                    "name": "John Smith",
                },
            },
            method="POST",
            path="/api/tickets/123/messages",
            reply=AGENT,
            reply_status=201,
            json={
                "channel": "email",
                "via": "api",
                "from_agent": True,
                "sender.id": 7,
                "receiver.email": "john@example.com",
                "source.from.address": "support@acme.com",
                "body_text": "Sorry, refunding now.",
            },
            headers={
                "authorization": "Basic "
                + base64.b64encode(f"agent@acme.com:{API_KEY}".encode()).decode()
            },
            external_id="12346",
            source=CREATE_DOC,
        ),
    )
]
