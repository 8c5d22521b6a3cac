"""Viber REST bot API: the documented callbacks and send_message.

The signer is Viber's documented scheme: hex(HMAC-SHA256(auth token, request body)) in
`X-Viber-Content-Signature`.
"""

from __future__ import annotations

import hashlib
import hmac

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

AUTH_TOKEN = "445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9"
CALLBACKS_DOC = "https://developers.viber.com/docs/api/rest-bot-api/#callbacks"
SEND_DOC = "https://developers.viber.com/docs/api/rest-bot-api/#send-message"


def sign(body: bytes, url: str, now: float) -> dict[str, str]:
    digest = hmac.new(AUTH_TOKEN.encode(), body, hashlib.sha256).hexdigest()
    return {"x-viber-content-signature": digest}


MESSAGE = {
    "event": "message",
    "timestamp": 1457764197627,
    "message_token": 4912661846655238145,
    "sender": {
        "id": "01234567890A=",
        "name": "John McClane",
        "avatar": "http://avatar.example.com",
        "country": "UK",
        "language": "en",
        "api_version": 1,
    },
    "message": {
        "type": "text",
        "text": "a message to the service",
        "media": "http://example.com",
        "location": {"lat": 50.76891, "lon": 6.11499},
        "tracking_data": "tracking data",
    },
}
WEBHOOK = {
    "event": "webhook",
    "timestamp": 1457764197627,
    "chat_hostname": "SN-platform-abc",
    "message_token": 241256543215,
}

CASES = [
    Case(
        slug="viber",
        config={"auth_token": AUTH_TOKEN, "bot_name": "Acme Support", "api_base_url": "{base}"},
        inbound=[
            Inbound(
                name="message",
                body=json_body(MESSAGE),
                sign=sign,
                expect={
                    "external_id": "4912661846655238145",
                    "thread_key": "01234567890A=",
                    "sender.external_id": "01234567890A=",
                    "sender.name": "John McClane",
                    "text": "a message to the service",
                },
                source=CALLBACKS_DOC,
            ),
            Inbound(
                name="webhook-check-ignored",
                body=json_body(WEBHOOK),
                sign=sign,
                expect={},
                count=0,
                source="https://developers.viber.com/docs/api/rest-bot-api/#setting-a-webhook",
            ),
        ],
        send=Send(
            message={"text": "Hello from Acme.", "thread_key": "01234567890A="},
            method="POST",
            path="/pa/send_message",
            reply={
                "status": 0,
                "status_message": "ok",
                "message_token": 5741311803571721087,
                "chat_hostname": "SN-CHAT-05_",
                "billing_status": 1,
            },
            json={
                "receiver": "01234567890A=",
                "type": "text",
                "text": "Hello from Acme.",
                "sender.name": "Acme Support",
            },
            headers={"x-viber-auth-token": AUTH_TOKEN},
            external_id="5741311803571721087",
            source=SEND_DOC,
        ),
    )
]
