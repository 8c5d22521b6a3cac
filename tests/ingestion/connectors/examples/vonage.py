"""Vonage Messages API: the documented inbound SMS and WhatsApp webhooks, and a reply.

The signer follows Vonage's signed-webhooks page: an HS256 JWT (signature secret) whose claims
carry `iat`, `jti`, `iss: "Vonage"`, `api_key`, `application_id` and `payload_hash` (SHA-256 hex
of the body), in `Authorization: Bearer`.
"""

from __future__ import annotations

import base64
import hashlib
import uuid

import jwt

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

API_KEY = "abcd1234"
API_SECRET = "vonage-api-secret"
SIGNATURE_SECRET = "vonage-signature-secret-0123456789abcdef"
APPLICATION_ID = "aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab"
OURS, CUSTOMER = "447700900000", "447700900001"
INBOUND_DOC = "https://developer.vonage.com/en/api/messages#inbound-message"
SIGNED_DOC = "https://developer.vonage.com/en/messages/concepts/signed-webhooks"
SEND_DOC = "https://developer.vonage.com/en/api/messages#SendMessage"


def sign(body: bytes, url: str, now: float) -> dict[str, str]:
    claims = {
        "iat": int(now),
        "jti": str(uuid.uuid4()),
        "iss": "Vonage",
        "payload_hash": hashlib.sha256(body).hexdigest(),
        "api_key": API_KEY,
        "application_id": APPLICATION_ID,
    }
    return {"authorization": "Bearer " + jwt.encode(claims, SIGNATURE_SECRET, algorithm="HS256")}


SMS = {
    "channel": "sms",
    "message_uuid": "aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab",
    "to": OURS,
    "from": CUSTOMER,
    "timestamp": "2025-02-03T12:14:25Z",
    "text": "Hello From Vonage!",
    "sms": {"num_messages": "2", "count_total": "2", "keyword": "HELLO"},
    "usage": {"price": "0.0333", "currency": "EUR"},
    "origin": {"network_code": "12345"},
    "message_type": "text",
}
WHATSAPP = {
    "channel": "whatsapp",
    "message_uuid": "bbbbbbbb-cccc-4ddd-8eee-0123456789ab",
    "to": OURS,
    "from": CUSTOMER,
    "timestamp": "2025-02-03T12:14:25Z",
    "profile": {"name": "Jane Smith"},
    "context_status": "none",
    "message_type": "image",
    "image": {"url": "https://example.com/image.jpg", "caption": "Broken on arrival"},
}
STATUS = {
    "message_uuid": "aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab",
    "to": CUSTOMER,
    "from": OURS,
    "timestamp": "2025-02-03T12:14:25Z",
    "status": "delivered",
    "usage": {"currency": "EUR", "price": "0.0333"},
    "channel": "sms",
}
CREDENTIALS = base64.b64encode(f"{API_KEY}:{API_SECRET}".encode()).decode()

CASES = [
    Case(
        slug="vonage",
        config={
            "api_key": API_KEY,
            "api_secret": API_SECRET,
            "signature_secret": SIGNATURE_SECRET,
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="inbound-sms",
                body=json_body(SMS),
                sign=sign,
                expect={
                    "external_id": SMS["message_uuid"],
                    "thread_key": f"sms:{OURS}:{CUSTOMER}",
                    "sender.phone": f"+{CUSTOMER}",
                    "sender.external_id": CUSTOMER,
                    "text": "Hello From Vonage!",
                },
                source=INBOUND_DOC,
            ),
            Inbound(
                name="inbound-whatsapp-image",
                body=json_body(WHATSAPP),
                sign=sign,
                expect={
                    "external_id": WHATSAPP["message_uuid"],
                    "thread_key": f"whatsapp:{OURS}:{CUSTOMER}",
                    "sender.name": "Jane Smith",
                    "text": "Broken on arrival",
                },
                source=INBOUND_DOC,
            ),
            Inbound(
                name="message-status-ignored",
                body=json_body(STATUS),
                sign=sign,
                expect={},
                count=0,
                source="https://developer.vonage.com/en/api/messages#message-status",
            ),
        ],
        send=Send(
            message={"text": "We are on it.", "thread_key": f"sms:{OURS}:{CUSTOMER}"},
            method="POST",
            path="/v1/messages",
            reply={"message_uuid": "aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab"},
            reply_status=202,
            json={
                "message_type": "text",
                "text": "We are on it.",
                "to": CUSTOMER,
                "from": OURS,
                "channel": "sms",
            },
            headers={"authorization": f"Basic {CREDENTIALS}"},
            external_id="aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab",
            source=SEND_DOC,
        ),
        replay_window_s=300,
    )
]
