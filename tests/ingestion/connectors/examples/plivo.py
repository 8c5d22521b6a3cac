"""Plivo Messaging: the documented incoming-message parameters and the Send Message API.

The signer transcribes plivo-python's `validate_v3_signature` (plivo/utils/signature_v3.py; the
SDK is not a dependency): for a POST, URL + "?" + sorted query ["." if both] + sorted POST
name+value pairs, then "." + nonce, HMAC-SHA256 with the Auth Token, base64.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qsl, urlparse, urlunparse

from tests.ingestion.connectors.cases import Case, Inbound, Send, form_body

AUTH_ID = "MAXXXXXXXXXXXXXXXXXX"
AUTH_TOKEN = "plivo-auth-token-0123456789"
OURS, CUSTOMER = "14155550199", "14155550100"
NONCE = "05429567804466091622"
INCOMING_DOC = "https://www.plivo.com/docs/messaging/api/message/handling-incoming/"
SIGNATURE_DOC = "https://www.plivo.com/docs/voice/xml/request/validation"
SEND_DOC = "https://www.plivo.com/docs/messaging/api/message/send-a-message"


def sign(body: bytes, url: str, now: float) -> dict[str, str]:
    params = dict(parse_qsl(body.decode(), keep_blank_values=True))
    parsed = urlparse(url)
    base = urlunparse((parsed.scheme, parsed.netloc, parsed.path, "", "", ""))
    query = "&".join(f"{k}={v}" for k, v in sorted(parse_qsl(parsed.query)))
    if query or params:
        base += "?" + query
    if query and params:
        base += "."
    base += "".join(f"{k}{params[k]}" for k in sorted(params))
    mac = hmac.new(AUTH_TOKEN.encode(), f"{base}.{NONCE}".encode(), hashlib.sha256).digest()
    return {
        "x-plivo-signature-v3": base64.encodebytes(mac).decode().strip(),
        "x-plivo-signature-v3-nonce": NONCE,
    }


SMS = {
    "From": CUSTOMER,
    "To": OURS,
    "Type": "sms",
    "Text": "Is my table booked for Friday?",
    "MessageUUID": "1fbd1d5e-6a5b-11ee-9d3c-0242ac110003",
    "Units": "1",
    "TotalRate": "0",
    "TotalAmount": "0",
    "MessageIntent": "",
    "PowerpackUUID": "",
}
MMS = {
    "From": CUSTOMER,
    "To": OURS,
    "Type": "mms",
    "Body": "Here is the receipt",
    "MessageUUID": "2a6c4b1e-6a5b-11ee-9d3c-0242ac110003",
    "Units": "1",
    "MediaCount": "1",
    "Media0": "https://media.plivo.com/Account/MAXXXXXXXXXXXXXXXXXX/Message/2a6c4b1e/Media/0",
    "TotalRate": "0",
    "TotalAmount": "0",
}

CASES = [
    Case(
        slug="plivo",
        config={
            "auth_id": AUTH_ID,
            "auth_token": AUTH_TOKEN,
            "from_number": OURS,
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="incoming-sms",
                body=form_body(SMS),
                sign=sign,
                content_type="application/x-www-form-urlencoded",
                expect={
                    "external_id": SMS["MessageUUID"],
                    "thread_key": CUSTOMER,
                    "sender.phone": f"+{CUSTOMER}",
                    "text": "Is my table booked for Friday?",
                    "metadata.to": OURS,
                },
                source=INCOMING_DOC,
            ),
            Inbound(
                name="incoming-mms",
                body=form_body(MMS),
                sign=sign,
                content_type="application/x-www-form-urlencoded",
                expect={"external_id": MMS["MessageUUID"], "text": "Here is the receipt"},
                source=INCOMING_DOC,
            ),
        ],
        send=Send(
            message={"text": "Yes, 8pm on Friday.", "thread_key": CUSTOMER},
            method="POST",
            path=f"/v1/Account/{AUTH_ID}/Message/",
            reply={
                "api_id": "e2c3c5b4-6a5b-11ee-9d3c-0242ac110003",
                "message": "message(s) queued",
                "message_uuid": ["db3ce55a-7f1d-11e1-8ea7-1231380bc196"],
            },
            reply_status=202,
            json={"src": OURS, "dst": CUSTOMER, "text": "Yes, 8pm on Friday."},
            headers={
                "authorization": "Basic "
                + base64.b64encode(f"{AUTH_ID}:{AUTH_TOKEN}".encode()).decode()
            },
            external_id="db3ce55a-7f1d-11e1-8ea7-1231380bc196",
            source=SEND_DOC,
        ),
    )
]
