"""Instagram messaging through the Messenger Platform: Meta's documented `object: "instagram"`
messaging webhooks (text, attachment, an echo of our own send, a read), signed
`X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`, and a reply three days
after the customer's last message, which Meta's policy allows only with the HUMAN_AGENT tag.

Meta's example uses `IGID` / `IGSID` / `MESSAGE-ID` placeholders; the rows give them concrete ids.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

APP_SECRET = "instagram-app-secret-0123456789"
PAGE_TOKEN = "EAAG-instagram-page-access-token"
PAGE_ID = "109876543210987"
IGID = "17841405822304914"
IGSID = "5736489123456789"
WEBHOOK_DOC = (
    "https://developers.facebook.com/documentation/business-messaging/instagram-messaging/webhooks"
)
SEND_DOC = (
    "https://developers.facebook.com/docs/messenger-platform/instagram/features/send-message"
    " (HUMAN_AGENT tag: Messenger Platform message tags)"
)


def sign(body: bytes, url: str, now: float) -> dict[str, str]:
    """Meta's scheme, written out: hex HMAC-SHA256 of the raw body under the app secret."""
    digest = hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"x-hub-signature-256": f"sha256={digest}"}


def instagram_webhook(*events: dict[str, Any]) -> bytes:
    entry = {"id": IGID, "time": 1569262486134, "messaging": list(events)}
    return json_body({"object": "instagram", "entry": [entry]})


def _from_customer(**event: Any) -> dict[str, Any]:
    return {"sender": {"id": IGSID}, "recipient": {"id": IGID}, "timestamp": 1569262485349, **event}


MID = "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1ODIyMzA0OTE0"
TEXT = instagram_webhook(_from_customer(message={"mid": MID, "text": "Is the blue one in stock?"}))
ATTACHMENT = instagram_webhook(
    _from_customer(
        message={
            "mid": MID + "Mg",
            "attachments": [
                {
                    "type": "image",
                    "payload": {"url": "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1"},
                }
            ],
        }
    )
)
ECHO = instagram_webhook(
    {
        "sender": {"id": IGID},
        "recipient": {"id": IGSID},
        "timestamp": 1569262485349,
        "message": {"mid": MID + "Mw", "text": "It is!", "is_echo": True},
    }
)
SEEN = instagram_webhook(_from_customer(read={"mid": MID + "Mw"}))

CASES = [
    Case(
        slug="instagram",
        config={
            "page_id": PAGE_ID,
            "instagram_account_id": IGID,
            "page_access_token": PAGE_TOKEN,
            "app_secret": APP_SECRET,
            "verify_token": "instagram-verify-token",
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="text message",
                body=TEXT,
                sign=sign,
                expect={
                    "external_id": MID,
                    "thread_key": IGSID,
                    "sender.external_id": IGSID,
                    "text": "Is the blue one in stock?",
                },
                source=WEBHOOK_DOC,
            ),
            Inbound(
                name="message with attachment",
                body=ATTACHMENT,
                sign=sign,
                expect={"external_id": MID + "Mg", "thread_key": IGSID},
                source=WEBHOOK_DOC,
            ),
            Inbound(
                name="echo (ignored)", body=ECHO, sign=sign, expect={}, count=0, source=WEBHOOK_DOC
            ),
            Inbound(
                name="messaging_seen (ignored)",
                body=SEEN,
                sign=sign,
                expect={},
                count=0,
                source=WEBHOOK_DOC,
            ),
        ],
        send=Send(
            message={
                "text": "Sorry for the wait: the blue one is back in stock.",
                "thread_key": IGSID,
                "customer": {"external_id": IGSID},
                "last_inbound_at": datetime.now(UTC) - timedelta(days=3),
            },
            method="POST",
            path="/v21.0/me/messages",
            json={
                "recipient": {"id": IGSID},
                "messaging_type": "MESSAGE_TAG",
                "tag": "HUMAN_AGENT",
                "message": {"text": "Sorry for the wait: the blue one is back in stock."},
            },
            headers={"authorization": f"Bearer {PAGE_TOKEN}"},
            reply={"recipient_id": IGSID, "message_id": MID + "NA"},
            external_id=MID + "NA",
            source=SEND_DOC,
        ),
    )
]
