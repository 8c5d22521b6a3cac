"""Facebook Messenger: Meta's documented `messages`, `messaging_postbacks`, `message_echoes`,
`message_deliveries` and `message_reads` webhook events, signed
`X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`, and the Send API's
documented text reply (`messaging_type: RESPONSE`) with its success body.

Meta documents most events as the `messaging[]` item alone, with `<PSID>` / `<PAGE_ID>`
placeholders; the rows put each verbatim event in the `object: "page"` envelope of the
documented attachment example (Page 682498302938465) with a concrete PSID.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

APP_SECRET = "messenger-app-secret-0123456789"
PAGE_TOKEN = "EAAG-messenger-page-access-token"
PAGE_ID = "682498302938465"
PSID = "6845910432145612"
EVENTS = (
    "https://developers.facebook.com/documentation/business-messaging/messenger-platform/"
    "webhooks/webhook-events"
)
SEND_DOC = "https://developers.facebook.com/docs/messenger-platform/reference/send-api"


def sign(body: bytes, url: str, now: float) -> dict[str, str]:
    """Meta's scheme, written out: hex HMAC-SHA256 of the raw body under the app secret."""
    digest = hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"x-hub-signature-256": f"sha256={digest}"}


def page_webhook(*events: dict[str, Any], page_id: str = PAGE_ID) -> bytes:
    entry = {"id": page_id, "time": 1518479195594, "messaging": list(events)}
    return json_body({"object": "page", "entry": [entry]})


def _from_customer(**event: Any) -> dict[str, Any]:
    return {"sender": {"id": PSID}, "recipient": {"id": PAGE_ID}, **event}


TEXT = page_webhook(
    _from_customer(
        timestamp=1458692752478,
        message={
            "mid": "mid.1457764197618:41d102a3e1ae206a38",
            "text": "hello, world!",
            "quick_reply": {"payload": "DEVELOPER_DEFINED_PAYLOAD"},
        },
    )
)
ATTACHMENT = page_webhook(
    _from_customer(
        timestamp=1518479195308,
        message={
            "mid": "mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_c",
            "attachments": [
                {
                    "type": "image",
                    "payload": {"url": "https://scontent.xx.fbcdn.net/v/t1.15752-9/photo_n.jpg"},
                }
            ],
        },
    )
)
POSTBACK = page_webhook(
    _from_customer(
        timestamp=1527459824,
        postback={
            "mid": "m_MESSAGE-ID",
            "title": "TITLE-FOR-THE-CTA",
            "payload": "USER-DEFINED-PAYLOAD",
        },
    )
)
ECHO = page_webhook(
    {
        "sender": {"id": PAGE_ID},
        "recipient": {"id": PSID},
        "timestamp": 1457764197627,
        "message": {
            "is_echo": True,
            "app_id": 1517776481860111,
            "metadata": "DEVELOPER_DEFINED_METADATA_STRING",
            "mid": "mid.1457764197618:41d102a3e1ae206a38",
            "text": "hello, customer!",
        },
    }
)
DELIVERY = page_webhook(
    _from_customer(
        delivery={"mids": ["mid.1458668856218:ed81099e15d3f4f233"], "watermark": 1458668856253}
    )
)
READ = page_webhook(_from_customer(timestamp=1458668856463, read={"watermark": 1458668856253}))

CASES = [
    Case(
        slug="messenger",
        config={
            "page_id": PAGE_ID,
            "page_access_token": PAGE_TOKEN,
            "app_secret": APP_SECRET,
            "verify_token": "messenger-verify-token",
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="text message",
                body=TEXT,
                sign=sign,
                expect={
                    "external_id": "mid.1457764197618:41d102a3e1ae206a38",
                    "thread_key": PSID,
                    "sender.external_id": PSID,
                    "text": "hello, world!",
                    "metadata.quick_reply_payload": "DEVELOPER_DEFINED_PAYLOAD",
                    "received_at": datetime.fromtimestamp(1458692752.478, UTC),
                },
                source=f"{EVENTS}/messages",
            ),
            Inbound(
                name="message with attachment",
                body=ATTACHMENT,
                sign=sign,
                expect={"external_id": "mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_c", "text": ""},
                source=f"{EVENTS}/messages",
            ),
            Inbound(
                name="postback",
                body=POSTBACK,
                sign=sign,
                expect={
                    "external_id": "m_MESSAGE-ID",
                    "text": "TITLE-FOR-THE-CTA",
                    "metadata.postback_payload": "USER-DEFINED-PAYLOAD",
                    "received_at": datetime.fromtimestamp(1527459824, UTC),  # documented in s
                },
                source=f"{EVENTS}/messaging_postbacks",
            ),
            Inbound(
                name="echo (ignored)",
                body=ECHO,
                sign=sign,
                expect={},
                count=0,
                source=f"{EVENTS}/message-echoes",
            ),
            Inbound(
                name="delivery (ignored)",
                body=DELIVERY,
                sign=sign,
                expect={},
                count=0,
                source=f"{EVENTS}/message-deliveries",
            ),
            Inbound(
                name="read (ignored)",
                body=READ,
                sign=sign,
                expect={},
                count=0,
                source=f"{EVENTS}/message-reads",
            ),
        ],
        send=Send(
            message={
                "text": "hello, world",
                "thread_key": PSID,
                "customer": {"external_id": PSID},
                "last_inbound_at": datetime.now(UTC) - timedelta(minutes=5),
            },
            method="POST",
            path="/v21.0/me/messages",
            json={
                "recipient": {"id": PSID},
                "messaging_type": "RESPONSE",
                "message": {"text": "hello, world"},
            },
            headers={"authorization": f"Bearer {PAGE_TOKEN}"},
            reply={"recipient_id": PSID, "message_id": "AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48Pn"},
            external_id="AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48Pn",
            source=SEND_DOC,
        ),
    )
]
