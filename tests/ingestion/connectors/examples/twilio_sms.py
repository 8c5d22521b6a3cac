"""Twilio Programmable Messaging (SMS): the documented incoming-message webhook and send.

The signer is Twilio's own SDK (`RequestValidator.compute_signature`), as Twilio's docs ask.
"""

from __future__ import annotations

import base64
from urllib.parse import parse_qsl

from twilio.request_validator import RequestValidator

from tests.ingestion.connectors.cases import Case, Inbound, Send, form_body

ACCOUNT_SID = "AC" + "a1" * 16
AUTH_TOKEN = "twilio-auth-token-0123456789abcd"
FROM_NUMBER = "+15017122661"
CUSTOMER = "+14155552345"
WEBHOOK_DOC = "https://www.twilio.com/docs/messaging/guides/webhook-request"
SECURITY_DOC = "https://www.twilio.com/docs/usage/webhooks/webhooks-security"
SEND_DOC = "https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource"


def sign(body: bytes, url: str, now: float) -> dict[str, str]:
    params = dict(parse_qsl(body.decode(), keep_blank_values=True))
    return {"x-twilio-signature": RequestValidator(AUTH_TOKEN).compute_signature(url, params)}


def incoming(sid: str, sender: str, text: str, **extra: str) -> bytes:
    """The parameters Twilio's webhook-request page lists for an incoming message."""
    fields = {
        "ToCountry": "US",
        "ToState": "CA",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ToCity": "SAN FRANCISCO",
        "FromZip": "94105",
        "SmsSid": sid,
        "FromState": "CA",
        "SmsStatus": "received",
        "FromCity": "SAN FRANCISCO",
        "Body": text,
        "FromCountry": "US",
        "To": FROM_NUMBER,
        "ToZip": "94105",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "ApiVersion": "2010-04-01",
        **extra,
    }
    return form_body(fields)


SMS_SID = "SM" + "0f" * 16
MMS_SID = "MM" + "1e" * 16
REPLY_SID = "SM" + "2d" * 16


def created(to: str, sender: str, body: str) -> dict[str, object]:
    """The documented Message resource answered by `POST .../Messages.json` (201)."""
    uri = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{REPLY_SID}"
    return {
        "account_sid": ACCOUNT_SID,
        "api_version": "2010-04-01",
        "body": body,
        "date_created": "Thu, 24 Aug 2023 05:01:45 +0000",
        "date_sent": None,
        "date_updated": "Thu, 24 Aug 2023 05:01:45 +0000",
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": sender,
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "messaging_service_sid": None,
        "sid": REPLY_SID,
        "status": "queued",
        "subresource_uris": {"media": f"{uri}/Media.json"},
        "to": to,
        "uri": f"{uri}.json",
    }


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


CONFIG = {
    "account_sid": ACCOUNT_SID,
    "auth_token": AUTH_TOKEN,
    "from_number": FROM_NUMBER,
    "api_base_url": "{base}",
}

CASES = [
    Case(
        slug="twilio_sms",
        config=CONFIG,
        inbound=[
            Inbound(
                name="incoming-sms",
                body=incoming(SMS_SID, CUSTOMER, "Hello! Where is my order #1001?"),
                sign=sign,
                content_type="application/x-www-form-urlencoded",
                expect={
                    "external_id": SMS_SID,
                    "thread_key": CUSTOMER,
                    "sender.phone": CUSTOMER,
                    "sender.external_id": CUSTOMER,
                    "text": "Hello! Where is my order #1001?",
                    "metadata.to": FROM_NUMBER,
                },
                source=WEBHOOK_DOC,
            ),
            Inbound(
                name="incoming-mms",
                body=incoming(
                    MMS_SID,
                    CUSTOMER,
                    "Photo of the damaged box",
                    NumMedia="1",
                    MediaContentType0="image/jpeg",
                    MediaUrl0=f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}"
                    f"/Messages/{MMS_SID}/Media/ME{'3c' * 16}",
                ),
                sign=sign,
                content_type="application/x-www-form-urlencoded",
                expect={
                    "external_id": MMS_SID,
                    "text": "Photo of the damaged box",
                },
                source=WEBHOOK_DOC,
            ),
            Inbound(
                name="status-callback-ignored",
                body=form_body(
                    {
                        "MessageSid": REPLY_SID,
                        "MessageStatus": "delivered",
                        "SmsStatus": "delivered",
                        "AccountSid": ACCOUNT_SID,
                        "From": FROM_NUMBER,
                        "To": CUSTOMER,
                        "ApiVersion": "2010-04-01",
                    }
                ),
                sign=sign,
                expect={},
                count=0,
                content_type="application/x-www-form-urlencoded",
                source="https://www.twilio.com/docs/messaging/guides/track-outbound-message-status",
            ),
        ],
        send=Send(
            message={"text": "Your order ships today.", "thread_key": CUSTOMER},
            method="POST",
            path=f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
            reply=created(CUSTOMER, FROM_NUMBER, "Your order ships today."),
            reply_status=201,
            form={"To": CUSTOMER, "From": FROM_NUMBER, "Body": "Your order ships today."},
            headers={"authorization": basic(ACCOUNT_SID, AUTH_TOKEN)},
            external_id=REPLY_SID,
            source=SEND_DOC,
        ),
    )
]
