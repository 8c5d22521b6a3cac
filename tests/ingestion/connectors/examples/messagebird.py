"""MessageBird Programmable Conversations: the documented `message.created` webhook and a reply.

The signer follows MessageBird's webhook-signature-jwt reference (the Node/Go SDKs): an HS256
token with `iss: MessageBird`, `nbf`, `exp` (+60 s), `jti`, `url_hash` and `payload_hash`.
"""

from __future__ import annotations

import hashlib
import uuid

import jwt

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

ACCESS_KEY = "test_gshuPaZoeEG6ovbc8M79w0QyM"
SIGNING_KEY = "36efdd1aace2e26cd490f0d951138253bef2f7c6d34d18981da781555cc4cebb"
CONVERSATION = "f1e812e9afd6a875d813d51f45823edd"
INBOUND_DOC = "https://developers.messagebird.com/docs/conversations/handle-inbound-messages-curl"
SIGNATURE_DOC = "https://developers.messagebird.com/api/#verifying-requests"
SEND_DOC = "https://developers.messagebird.com/api/conversations/#reply-to-a-conversation"


def sign(body: bytes, url: str, now: float) -> dict[str, str]:
    claims = {
        "iss": "MessageBird",
        "nbf": int(now),
        "exp": int(now) + 60,
        "jti": str(uuid.uuid4()),
        "url_hash": hashlib.sha256(url.encode()).hexdigest(),
        "payload_hash": hashlib.sha256(body).hexdigest(),
    }
    return {"messagebird-signature-jwt": jwt.encode(claims, SIGNING_KEY, algorithm="HS256")}


def created(direction: str, message_id: str) -> dict[str, object]:
    """The `message.created` payload of MessageBird's inbound-messages quickstart."""
    return {
        "conversation": {
            "contactId": "73afe0acee2127fd3e7d9a7dc622826e",
            "createdDatetime": "2019-02-28T17:39:52Z",
            "id": CONVERSATION,
            "lastReceivedDatetime": "2019-03-01T10:40:02.880881081Z",
            "status": "active",
            "updatedDatetime": "2019-02-28T18:33:24.787229989Z",
        },
        "message": {
            "channelId": "2ceefea7c1b8c79673215c42c1a6b916",
            "content": {"text": "Testing webhook functionality."},
            "conversationId": CONVERSATION,
            "createdDatetime": "2019-03-01T10:40:02.880881081Z",
            "direction": direction,
            "id": message_id,
            "status": "received" if direction == "received" else "sent",
            "type": "text",
            "updatedDatetime": "2019-03-01T10:40:02.88845145Z",
        },
        "type": "message.created",
    }


CASES = [
    Case(
        slug="messagebird",
        config={"access_key": ACCESS_KEY, "signing_key": SIGNING_KEY, "api_base_url": "{base}"},
        inbound=[
            Inbound(
                name="message-created-received",
                body=json_body(created("received", "93a1f7ba935c4ee298cb5ef952052ea7")),
                sign=sign,
                expect={
                    "external_id": "93a1f7ba935c4ee298cb5ef952052ea7",
                    "thread_key": CONVERSATION,
                    "sender.external_id": "73afe0acee2127fd3e7d9a7dc622826e",
                    "text": "Testing webhook functionality.",
                },
                source=INBOUND_DOC,
            ),
            Inbound(
                name="our-own-message-ignored",
                body=json_body(created("sent", "a1b2c3d4e5f60718293a4b5c6d7e8f90")),
                sign=sign,
                expect={},
                count=0,
                source=INBOUND_DOC,
            ),
        ],
        send=Send(
            message={"text": "Thanks, we are looking into it.", "thread_key": CONVERSATION},
            method="POST",
            path=f"/v1/conversations/{CONVERSATION}/messages",
            reply={"id": "2e15efafec384e1c82e9842075e87beb", "status": "pending", "fallback": None},
            reply_status=201,
            json={"type": "text", "content.text": "Thanks, we are looking into it."},
            headers={"authorization": f"AccessKey {ACCESS_KEY}"},
            external_id="2e15efafec384e1c82e9842075e87beb",
            source=SEND_DOC,
        ),
        # Tokens live from nbf to exp (60 s) with 5 s of clock tolerance.
        replay_window_s=65,
    )
]
