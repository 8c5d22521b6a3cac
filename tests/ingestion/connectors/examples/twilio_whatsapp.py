"""WhatsApp through Twilio's Messaging API: the documented WhatsApp webhook and a session reply.

Same signature scheme as SMS (Twilio's SDK signs); addresses carry the `whatsapp:` prefix.
"""

from __future__ import annotations

from tests.ingestion.connectors.cases import Case, Inbound, Send, form_body
from tests.ingestion.connectors.examples.twilio_sms import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    basic,
    created,
    sign,
)

CUSTOMER = "whatsapp:+14155238886"
OURS = f"whatsapp:{FROM_NUMBER}"
SID = "SM" + "4b" * 16
WEBHOOK_DOC = (
    "https://www.twilio.com/docs/messaging/guides/webhook-request#whatsapp-specific-parameters"
)
SEND_DOC = "https://www.twilio.com/docs/whatsapp/api#send-a-whatsapp-message"

CASES = [
    Case(
        slug="twilio_whatsapp",
        config={
            "account_sid": ACCOUNT_SID,
            "auth_token": AUTH_TOKEN,
            "from_number": FROM_NUMBER,
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="incoming-whatsapp",
                body=form_body(
                    {
                        "SmsMessageSid": SID,
                        "NumMedia": "0",
                        "ProfileName": "Casey",
                        "MessageType": "text",
                        "SmsSid": SID,
                        "WaId": "14155238886",
                        "SmsStatus": "received",
                        "Body": "Hi, can I change my delivery address?",
                        "To": OURS,
                        "NumSegments": "1",
                        "ReferralNumMedia": "0",
                        "MessageSid": SID,
                        "AccountSid": ACCOUNT_SID,
                        "From": CUSTOMER,
                        "ApiVersion": "2010-04-01",
                    }
                ),
                sign=sign,
                content_type="application/x-www-form-urlencoded",
                expect={
                    "external_id": SID,
                    "thread_key": CUSTOMER,
                    "sender.phone": "+14155238886",
                    "sender.name": "Casey",
                    "text": "Hi, can I change my delivery address?",
                },
                source=WEBHOOK_DOC,
            )
        ],
        send=Send(
            message={"text": "Yes: reply with the new address.", "thread_key": CUSTOMER},
            method="POST",
            path=f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
            reply=created(CUSTOMER, OURS, "Yes: reply with the new address."),
            reply_status=201,
            form={"To": CUSTOMER, "From": OURS, "Body": "Yes: reply with the new address."},
            headers={"authorization": basic(ACCOUNT_SID, AUTH_TOKEN)},
            source=SEND_DOC,
        ),
    )
]
