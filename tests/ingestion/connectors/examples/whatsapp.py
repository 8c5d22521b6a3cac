"""WhatsApp Business Cloud API: Meta's documented `messages` webhooks, signed
`X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`, and the documented text
reply with its success body.

The text row is Meta's example verbatim. Meta's per-type references (image, interactive,
location, status) publish a syntax with `<PLACEHOLDERS>`; those rows fill the documented syntax
with the text example's account, number and customer so all rows share one integration.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

APP_SECRET = "whatsapp-app-secret-0123456789"
ACCESS_TOKEN = "EAAJB-whatsapp-system-user-token"
PHONE_NUMBER_ID = "106540352242922"
WA_ID = "16505551234"
WAMID = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA="
REF = "https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference"
SIGNING_DOC = (
    "https://developers.facebook.com/docs/graph-api/webhooks/getting-started"
    "#validate-payloads (X-Hub-Signature-256)"
)
SEND_DOC = (
    "https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/"
    "text-messages"
)

# Verbatim from the messages webhook reference ("this webhook describes a text message").
TEXT = b"""{
  "object": "whatsapp_business_account",
  "entry": [
    {
      "id": "102290129340398",
      "changes": [
        {
          "value": {
            "messaging_product": "whatsapp",
            "metadata": {
              "display_phone_number": "15550783881",
              "phone_number_id": "106540352242922"
            },
            "contacts": [
              {
                "profile": {
                  "name": "Sheena Nelson"
                },
                "wa_id": "16505551234"
              }
            ],
            "messages": [
              {
                "from": "16505551234",
                "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
                "timestamp": "1749416383",
                "type": "text",
                "text": {
                  "body": "Does it come in another color?"
                }
              }
            ]
          },
          "field": "messages"
        }
      ]
    }
  ]
}"""


def sign(body: bytes, url: str, now: float) -> dict[str, str]:
    """Meta's scheme, written out: hex HMAC-SHA256 of the raw body under the app secret."""
    digest = hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"x-hub-signature-256": f"sha256={digest}"}


def _webhook(value: dict[str, Any]) -> bytes:
    """The documented envelope around one `messages` change value."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
        **value,
    }
    change = {"value": value, "field": "messages"}
    return json_body(
        {
            "object": "whatsapp_business_account",
            "entry": [{"id": "102290129340398", "changes": [change]}],
        }
    )


def _incoming(message_id: str, kind: str, body: dict[str, Any], **extra: Any) -> bytes:
    contacts = [{"profile": {"name": "Sheena Nelson"}, "wa_id": WA_ID}]
    message = {"from": WA_ID, "id": message_id, "timestamp": "1750090702", "type": kind, **extra}
    return _webhook({"contacts": contacts, "messages": [{**message, kind: body}]})


IMAGE = _incoming(
    "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=",
    "image",
    {
        "caption": "Black jacket",
        "mime_type": "image/jpeg",
        "sha256": "HCAS8yJ/A7I6Ix95HcfkRvG6D7yP9wZ3BeZZTm4dvEU=",
        "id": "1003383421387256",
        "url": "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1003383421387256",
    },
)
BUTTON_REPLY = _incoming(
    "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUI3QzhGRTYwRjM5QUIwNEI2MgA=",
    "interactive",
    {"type": "button_reply", "button_reply": {"id": "change-button", "title": "Change"}},
    context={"from": "15550783881", "id": WAMID},
)
LOCATION = _incoming(
    "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUJDRDEyMzQ1Njc4OUFCQ0RFRgA=",
    "location",
    {
        "address": "101 Forest Ave, Palo Alto, CA 94301",
        "latitude": 37.44216251868683,
        "longitude": -122.16153582049394,
        "name": "Philz Coffee",
        "url": "https://www.philzcoffee.com/",
    },
)
STATUS = _webhook(
    {
        "statuses": [
            {
                "id": "wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA",
                "status": "delivered",
                "timestamp": "1750263773",
                "recipient_id": WA_ID,
                "pricing": {"billable": True, "pricing_model": "PMP", "category": "utility"},
            }
        ]
    }
)

CASES = [
    Case(
        slug="whatsapp",
        config={
            "phone_number_id": PHONE_NUMBER_ID,
            "access_token": ACCESS_TOKEN,
            "app_secret": APP_SECRET,
            "verify_token": "whatsapp-verify-token",
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="text message",
                body=TEXT,
                sign=sign,
                expect={
                    "external_id": WAMID,
                    "thread_key": WA_ID,
                    "sender.phone": "+16505551234",
                    "sender.external_id": WA_ID,
                    "sender.name": "Sheena Nelson",
                    "text": "Does it come in another color?",
                    "received_at": datetime.fromtimestamp(1749416383, UTC),
                },
                source=f"{REF}/messages ; signature: {SIGNING_DOC}",
            ),
            Inbound(
                name="image message",
                body=IMAGE,
                sign=sign,
                expect={
                    "text": "Black jacket",
                    "metadata.type": "image",
                    "metadata.media_sha256": "HCAS8yJ/A7I6Ix95HcfkRvG6D7yP9wZ3BeZZTm4dvEU=",
                },
                source=f"{REF}/messages/image (documented syntax)",
            ),
            Inbound(
                name="interactive button reply",
                body=BUTTON_REPLY,
                sign=sign,
                expect={
                    "text": "Change",
                    "metadata.reply_id": "change-button",
                    "metadata.reply_to": WAMID,
                },
                source=f"{REF}/messages/interactive (documented syntax)",
            ),
            Inbound(
                name="location message",
                body=LOCATION,
                sign=sign,
                expect={"metadata.location.name": "Philz Coffee", "thread_key": WA_ID},
                source=f"{REF}/messages/location (documented syntax)",
            ),
            Inbound(
                name="delivered status (ignored)",
                body=STATUS,
                sign=sign,
                expect={},
                count=0,
                source=f"{REF}/messages/status (documented syntax)",
            ),
        ],
        send=Send(
            message={
                "text": "Yes: it also comes in navy and olive.",
                "thread_key": WA_ID,
                "in_reply_to_external_id": WAMID,
                "customer": {"external_id": WA_ID, "phone": "+16505551234"},
                "last_inbound_at": datetime.now(UTC) - timedelta(hours=1),
            },
            method="POST",
            path=f"/v21.0/{PHONE_NUMBER_ID}/messages",
            json={
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": WA_ID,
                "type": "text",
                "text": {"body": "Yes: it also comes in navy and olive.", "preview_url": False},
                "context.message_id": WAMID,
            },
            headers={"authorization": f"Bearer {ACCESS_TOKEN}"},
            reply={
                "messaging_product": "whatsapp",
                "contacts": [{"input": "+16505551234", "wa_id": WA_ID}],
                "messages": [{"id": "wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA"}],
            },
            external_id="wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA",
            source=SEND_DOC,
        ),
    )
]
