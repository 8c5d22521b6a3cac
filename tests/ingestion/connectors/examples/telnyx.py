"""Telnyx Messaging: the documented `message.received` webhook and the send-message API.

The signer is Telnyx's documented scheme with a test Ed25519 key (cryptography): base64
signature over `telnyx-timestamp` + "|" + body; Telnyx's SDKs allow 300 s of age.
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

PRIVATE_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(100, 132)))
PUBLIC_KEY = base64.b64encode(
    PRIVATE_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
).decode()
API_KEY = "KEY0123456789ABCDEF_telnyx"
OURS, CUSTOMER = "+18445550001", "+18665550001"
INBOUND_DOC = "https://developers.telnyx.com/api-reference/callbacks/inbound-message"
WEBHOOK_DOC = "https://developers.telnyx.com/docs/messaging/messages/receiving-webhooks"
SEND_DOC = "https://developers.telnyx.com/api-reference/messages/send-a-message"


def sign(body: bytes, url: str, now: float) -> dict[str, str]:
    stamp = str(int(now))
    signature = PRIVATE_KEY.sign(stamp.encode() + b"|" + body)
    return {
        "telnyx-signature-ed25519": base64.b64encode(signature).decode(),
        "telnyx-timestamp": stamp,
    }


RECEIVED = {
    "data": {
        "record_type": "event",
        "id": "bf6307bd-884d-4c1f-b6ea-c62b8c495d3c",
        "event_type": "message.received",
        "occurred_at": "2019-01-23T18:10:02.574Z",
        "payload": {
            "record_type": "message",
            "direction": "inbound",
            "id": "7ee4241c-f127-47e5-9c34-3aac291f8058",
            "type": "SMS",
            "messaging_profile_id": "0f512bda-ae1e-4597-8e11-e5f5686b97d3",
            "organization_id": "b448f9cc-a842-4784-98e9-03c1a5872950",
            "from": {
                "phone_number": CUSTOMER,
                "carrier": "T-MOBILE USA, INC.",
                "line_type": "Wireless",
            },
            "to": [
                {
                    "phone_number": OURS,
                    "status": "delivered",
                    "carrier": "TELNYX LLC",
                    "line_type": "VoIP",
                }
            ],
            "cc": [],
            "text": "Hello, World!",
            "subject": "From Telnyx!",
            "media": [],
            "webhook_url": "https://www.example.com/hooks",
            "webhook_failover_url": "https://backup.example.com/hooks",
            "encoding": "GSM-7",
            "parts": 1,
            "tags": ["Greetings"],
            "cost": {"amount": "0.0051", "currency": "USD"},
            "received_at": "2019-01-23T18:10:02.574Z",
            "sent_at": None,
            "completed_at": None,
            "valid_until": None,
            "errors": [],
        },
    },
    "meta": {"attempt": 1, "delivered_to": "https://www.example.com/hooks"},
}
FINALIZED = {
    "data": {
        "event_type": "message.finalized",
        "id": "4ee8c3a6-4995-4309-a3c6-38e3db9ea4be",
        "occurred_at": "2019-12-09T21:32:14.148+00:00",
        "payload": {
            "completed_at": "2019-12-09T21:32:14.148+00:00",
            "direction": "outbound",
            "from": {"phone_number": OURS},
            "id": "ac012cbf-5e17-4e55-aac5-6864e2fbf4ea",
            "text": "Your order ships today.",
            "to": [{"phone_number": CUSTOMER, "status": "delivered"}],
            "type": "SMS",
        },
        "record_type": "event",
    },
    "meta": {"attempt": 1, "delivered_to": "https://www.example.com/hooks"},
}

CASES = [
    Case(
        slug="telnyx",
        config={
            "api_key": API_KEY,
            "public_key": PUBLIC_KEY,
            "from_number": OURS,
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="message-received",
                body=json_body(RECEIVED),
                sign=sign,
                expect={
                    "external_id": "7ee4241c-f127-47e5-9c34-3aac291f8058",
                    "thread_key": CUSTOMER,
                    "sender.phone": CUSTOMER,
                    "text": "Hello, World!",
                    "metadata.to": OURS,
                },
                source=INBOUND_DOC,
            ),
            Inbound(
                name="message-finalized-ignored",
                body=json_body(FINALIZED),
                sign=sign,
                expect={},
                count=0,
                source=WEBHOOK_DOC,
            ),
        ],
        send=Send(
            message={"text": "Your order ships today.", "thread_key": CUSTOMER},
            method="POST",
            path="/v2/messages",
            reply={
                "data": {
                    "record_type": "message",
                    "direction": "outbound",
                    "id": "40385f64-5717-4562-b3fc-2c963f66afa6",
                    "type": "SMS",
                    "messaging_profile_id": "4000eba1-a0c0-4563-9925-b25e842a7cb6",
                    "from": {"phone_number": OURS, "carrier": "TELNYX LLC", "line_type": "VoIP"},
                    "to": [{"phone_number": CUSTOMER, "status": "queued"}],
                    "text": "Your order ships today.",
                    "parts": 1,
                    "encoding": "GSM-7",
                    "errors": [],
                }
            },
            json={"from": OURS, "to": CUSTOMER, "text": "Your order ships today."},
            headers={"authorization": f"Bearer {API_KEY}"},
            external_id="40385f64-5717-4562-b3fc-2c963f66afa6",
            source=SEND_DOC,
        ),
        replay_window_s=300,
    )
]
