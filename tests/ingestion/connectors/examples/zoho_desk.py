"""Zoho Desk: webhook deliveries (arrays of `{eventType, orgId, eventTime, payload}`) with the
documented `Ticket_Thread_Add` thread payload, authenticated by the shared secret Zoho Desk lets
us add (it documents no signature), and the documented `POST /api/v1/tickets/{id}/sendReply`
after a refresh-token grant."""

from __future__ import annotations

from typing import Any

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

SECRET = "zoho-webhook-shared-secret-0123"
SOURCE_ID = "2df92c1a-973a-48f5-95b7-5792c68b9c36"
WEBHOOK_DOC = "https://desk.zoho.com/support/WebhookDocument.do#EventsSupported#Ticket_Thread_Add"
THREAD_DOC = "https://desk.zoho.com/DeskAPIDocument#Threads#Threads_Getathread"
REPLY_DOC = "https://desk.zoho.com/DeskAPIDocument#Threads#Threads_SendEmailReply"
TOKEN_DOC = "https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token-expiry.html"


def token_header(body: bytes, url: str, now: float) -> dict[str, str]:
    return {"x-switchboard-token": SECRET}


def url_token(body: bytes, url: str, now: float) -> dict[str, str]:
    """The secret as the webhook URL's `token` query parameter (no custom header possible)."""
    return {"?token": SECRET}


def forge(body: bytes, url: str, now: float) -> dict[str, str]:
    """A caller that does not know the secret: the body is not signed, only the caller is."""
    return {"?token": "guessed-secret-0123456789abcdef"}


def thread(thread_id: str, direction: str, author: dict[str, Any], content: str) -> dict[str, Any]:
    """A thread in the documented shape."""
    return {
        "ticketId": "1892000000143237",
        "id": thread_id,
        "channel": "EMAIL",
        "direction": direction,
        "summary": content,
        "content": f"<div>{content}</div>",
        "contentType": "text/html",
        "visibility": "public",
        "status": "SUCCESS",
        "author": author,
        "fromEmailAddress": author.get("email"),
        "to": "support@zylker.com",
        "cc": "",
        "bcc": "",
        "isForward": False,
        "hasAttach": False,
        "attachmentCount": "0",
        "createdTime": "2019-01-08T12:20:35.000Z",
        "respondedIn": None,
        "source": {"appName": None, "extId": None, "type": "SYSTEM", "permalink": None},
    }


CUSTOMER = {
    "id": "1892000000042001",
    "name": "Lawrence",
    "email": "lawrence@zylker.com",
    "type": "END_USER",
    "photoURL": None,
}
AGENT = {
    "id": "1892000000056007",
    "name": "Jade Tywin",
    "email": "jade@zylker.com",
    "type": "AGENT",
    "photoURL": None,
}


def delivery(*payloads: dict[str, Any], kind: str = "Ticket_Thread_Add") -> bytes:
    return json_body(
        [
            {"payload": p, "eventTime": "1546950035000", "eventType": kind, "orgId": "55332211"}
            for p in payloads
        ]
    )


IN_THREAD = thread("1892000000143250", "in", CUSTOMER, "The invoice total is wrong.")
OUT_THREAD = thread("1892000000143260", "out", AGENT, "We are correcting it.")
PREVIEW = {"ticketId": "1892000000143237", "id": "1892000000143250", "direction": "in"}

EXPECT = {
    "external_id": "1892000000143250",
    "thread_key": "1892000000143237",
    "text": "The invoice total is wrong.",
    "sender.external_id": "1892000000042001",
    "sender.email": "lawrence@zylker.com",
    "sender.name": "Lawrence",
}
TOKEN = {
    "access_token": "1000.zoho-access",
    "api_domain": "https://www.zohoapis.com",
    "token_type": "Bearer",
    "expires_in": 3600,
}

CASES = [
    Case(
        slug="zoho_desk",
        forge=forge,
        config={
            "org_id": "55332211",
            "client_id": "1000.CLIENTID",
            "client_secret": "zoho-client-secret",
            "refresh_token": "1000.refresh",
            "webhook_secret": SECRET,
            "from_address": "support@zylker.com",
            "source_id": SOURCE_ID,
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="ticket_thread_add_in",
                body=delivery(IN_THREAD),
                sign=token_header,
                expect=EXPECT,
                source=WEBHOOK_DOC,
            ),
            Inbound(
                name="ticket_thread_add_in_url_token",
                body=delivery(IN_THREAD),
                sign=url_token,
                expect=EXPECT,
                source=WEBHOOK_DOC,
            ),
            Inbound(
                name="outgoing_thread_ignored",
                body=delivery(OUT_THREAD),
                sign=token_header,
                expect={},
                count=0,
                source=WEBHOOK_DOC,
            ),
            Inbound(
                name="ticket_update_ignored",
                body=delivery({"id": "1892000000143237", "status": "Closed"}, kind="Ticket_Update"),
                sign=token_header,
                expect={},
                count=0,
                source=WEBHOOK_DOC,
            ),
            Inbound(
                name="thread_without_content_is_read",
                body=delivery(PREVIEW),
                sign=token_header,
                expect=EXPECT,
                replies={
                    "/oauth/v2/token": TOKEN,
                    "/api/v1/tickets/1892000000143237/threads/1892000000143250": IN_THREAD,
                },
                source=THREAD_DOC,
            ),
        ],
        send=Send(
            message={
                "text": "We are correcting it.",
                "thread_key": "1892000000143237",
                "customer": {"email": "lawrence@zylker.com", "name": "Lawrence"},
            },
            method="POST",
            path="/api/v1/tickets/1892000000143237/sendReply",
            reply=OUT_THREAD,
            json={
                "channel": "EMAIL",
                "to": "lawrence@zylker.com",
                "fromEmailAddress": "support@zylker.com",
                "content": "We are correcting it.",
            },
            headers={
                "authorization": "Zoho-oauthtoken 1000.zoho-access",
                "orgid": "55332211",
                "sourceid": SOURCE_ID,
            },
            external_id="1892000000143260",
            other_replies={"/oauth/v2/token": TOKEN},
            source=REPLY_DOC,
        ),
    )
]
