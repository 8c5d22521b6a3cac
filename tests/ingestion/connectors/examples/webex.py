"""Webex: the documented `messages`/`created` webhook, the message it names, and a reply.

The signer is Webex's documented scheme: hex(HMAC-SHA1(webhook secret, body)) in
`X-Spark-Signature`. The message text is read from `GET /v1/messages/{id}` (served by the
suite's fake with the documented Get Message Details response).
"""

from __future__ import annotations

import hashlib
import hmac

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

BOT_TOKEN = "webex-bot-token"
SECRET = "webex-webhook-secret"
MESSAGE_ID = "Y2lzY29zcGFyazovL3VzL01FU1NBR0UvOTJkYjNiZTAtNDNiZC0xMWU2LThhZTktZGQ1YjNkZmM1NjVk"
REPLY_ID = "Y2lzY29zcGFyazovL3VzL01FU1NBR0UvYTFiMmMzZDQtNDNiZC0xMWU2LThhZTktZGQ1YjNkZmM1NjVk"
ROOM = "Y2lzY29zcGFyazovL3VzL1JPT00vYmJjZWIxYWQtNDNmMS0zYjU4LTkxNDctZjE0YmIwYzRkMTU0"
PERSON = "Y2lzY29zcGFyazovL3VzL1BFT1BMRS9mNWIzNjE4Ny1jOGRkLTQ3MjctOGIyZi1mOWM0NDdmMjkwNDY"
WEBHOOK_DOC = "https://developer.webex.com/docs/api/guides/webhooks#handling-requests-from-webex"
MESSAGE_DOC = "https://developer.webex.com/docs/api/v1/messages/get-message-details"
SEND_DOC = "https://developer.webex.com/docs/api/v1/messages/create-a-message"


def sign(body: bytes, url: str, now: float) -> dict[str, str]:
    return {"x-spark-signature": hmac.new(SECRET.encode(), body, hashlib.sha1).hexdigest()}


def notification(person_email: str, resource: str = "messages") -> dict[str, object]:
    return {
        "id": "Y2lzY29zcGFyazovL3VzL1dFQkhPT0svZjRlNjA1NjAtNjYwMi00ZmIwLWEyNWEtOTQ5ODgxNjA5NDk3",
        "name": "New message in 'Project Unicorn' room",
        "resource": resource,
        "event": "created",
        "filter": f"roomId={ROOM}",
        "orgId": "OTZhYmMyYWEtM2RjYy0xMWU1LWExNTItZmUzNDgxOWNkYzlh",
        "createdBy": PERSON,
        "appId": "Y2lzY29zcGFyazovL3VzL0FQUExJQ0FUSU9OL0MyNzljYjMwYzAyOTE4MGJiNGJkYWViYjA2MWI3"
        "OTY1Y2RhMzliNjAyOTdjODUwM2YyNjZhYmY2NmM5OTllYzFm",
        "ownedBy": "creator",
        "status": "active",
        "actorId": PERSON,
        "data": {
            "id": MESSAGE_ID,
            "roomId": ROOM,
            "personId": PERSON,
            "personEmail": person_email,
            "created": "2015-10-18T14:26:16.000Z",
        },
    }


MESSAGE = {
    "id": MESSAGE_ID,
    "roomId": ROOM,
    "roomType": "group",
    "text": "PROJECT UPDATE - A new project plan has been published on Box: "
    "http://box.com/s/lf5vj. The PM for this project is Mike C. and the Engineering Manager "
    "is Jane W.",
    "markdown": "**PROJECT UPDATE** A new project plan has been published [on Box]"
    "(http://box.com/s/lf5vj). The PM for this project is <@personEmail:mike@example.com> and "
    "the Engineering Manager is <@personEmail:jane@example.com>.",
    "html": "<p><strong>PROJECT UPDATE</strong> A new project plan has been published "
    '<a href="http://box.com/s/lf5vj" rel="nofollow">on Box</a>. The PM for this project is '
    "mike@example.com and the Engineering Manager is jane@example.com.</p>",
    "files": ["http://www.example.com/images/media.png"],
    "personId": PERSON,
    "personEmail": "matt@example.com",
    "created": "2015-10-18T14:26:16+00:00",
    "isVoiceClip": False,
}

CASES = [
    Case(
        slug="webex",
        config={"bot_token": BOT_TOKEN, "webhook_secret": SECRET, "api_base_url": "{base}"},
        inbound=[
            Inbound(
                name="message-created",
                body=json_body(notification("matt@example.com")),
                sign=sign,
                replies={f"/v1/messages/{MESSAGE_ID}": MESSAGE},
                expect={
                    "external_id": MESSAGE_ID,
                    "thread_key": f"{ROOM}:{MESSAGE_ID}",
                    "sender.email": "matt@example.com",
                    "sender.external_id": PERSON,
                    "text": MESSAGE["text"],
                },
                source=WEBHOOK_DOC,
            ),
            Inbound(
                name="bot-message-ignored",
                body=json_body(notification("acme-support@webex.bot")),
                sign=sign,
                expect={},
                count=0,
                source=WEBHOOK_DOC,
            ),
        ],
        send=Send(
            message={"text": "Thanks Matt, noted.", "thread_key": f"{ROOM}:{MESSAGE_ID}"},
            method="POST",
            path="/v1/messages",
            reply={
                "id": REPLY_ID,
                "parentId": MESSAGE_ID,
                "roomId": ROOM,
                "roomType": "group",
                "text": "Thanks Matt, noted.",
                "personId": "Y2lzY29zcGFyazovL3VzL1BFT1BMRS9ib3Q",
                "personEmail": "acme-support@webex.bot",
                "created": "2015-10-18T14:27:16+00:00",
            },
            json={"roomId": ROOM, "parentId": MESSAGE_ID, "text": "Thanks Matt, noted."},
            headers={"authorization": f"Bearer {BOT_TOKEN}"},
            external_id=REPLY_ID,
            source=SEND_DOC,
        ),
    )
]
