"""SendGrid: the documented default Inbound Parse payload, signed by a Parse security policy
(ECDSA P-256 / SHA-256 over timestamp + body, computed here with `cryptography`), and the
documented v3 Mail Send request.

The Basic-credentials mode (credentials in the Parse URL) protects the call, not the body, so a
tampered body cannot be refused under it: its rows run in test_email_inbound.py.
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.ingestion.connectors.cases import Case, Inbound, Send

PARSE_DOC = "https://www.twilio.com/docs/sendgrid/for-developers/parsing-email/setting-up-the-inbound-parse-webhook#default-parameters"
SECURITY_DOC = (
    "https://www.twilio.com/docs/sendgrid/for-developers/parsing-email/securing-your-parse-webhooks"
)
SEND_DOC = "https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send"
API_KEY = "SG.test-key.0123456789abcdef"
WEBHOOK_PASSWORD = "parse-url-password-0123456789"

_KEY = ec.generate_private_key(ec.SECP256R1())
PUBLIC_KEY = base64.b64encode(
    _KEY.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
).decode()

# SendGrid's documented "Example Default Payload" (multipart, boundary xYzZY).
DEFAULT_PAYLOAD = b"""--xYzZY
Content-Disposition: form-data; name="headers"

MIME-Version: 1.0
Received: by 0.0.0.0 with HTTP; Wed, 10 Aug 2016 18:10:13 -0700 (PDT)
From: Example User <test@example.com>
Date: Wed, 10 Aug 2016 18:10:13 -0700
Subject: Inbound Parse Test Data
To: inbound@inbound.example.com
Content-Type: multipart/alternative; boundary=001a113df448cad2d00539c16e89

--xYzZY
Content-Disposition: form-data; name="dkim"

{@sendgrid.com : pass}
--xYzZY
Content-Disposition: form-data; name="to"

inbound@inbound.example.com
--xYzZY
Content-Disposition: form-data; name="html"

<html><body><strong>Hello SendGrid!</body></html>

--xYzZY
Content-Disposition: form-data; name="from"

Example User <test@example.com>
--xYzZY
Content-Disposition: form-data; name="text"

Hello SendGrid!

--xYzZY
Content-Disposition: form-data; name="sender_ip"

0.0.0.0
--xYzZY
Content-Disposition: form-data; name="envelope"

{"to":["inbound@inbound.example.com"],"from":"test@example.com"}
--xYzZY
Content-Disposition: form-data; name="attachments"

0
--xYzZY
Content-Disposition: form-data; name="subject"

Testing non-raw
--xYzZY
Content-Disposition: form-data; name="charsets"

{"to":"UTF-8","html":"UTF-8","subject":"UTF-8","from":"UTF-8","text":"UTF-8"}
--xYzZY
Content-Disposition: form-data; name="SPF"

pass
--xYzZY--
"""
CONTENT_TYPE = "multipart/form-data; boundary=xYzZY"


def sign(body: bytes, url: str, now: float) -> dict[str, str]:
    """A security policy's signature: base64 DER ECDSA-SHA256 over timestamp + body."""
    stamp = str(int(now))
    signature = _KEY.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    return {
        "x-twilio-email-event-webhook-signature": base64.b64encode(signature).decode(),
        "x-twilio-email-event-webhook-timestamp": stamp,
    }


def basic(body: bytes, url: str, now: float) -> dict[str, str]:
    pair = base64.b64encode(f"switchboard:{WEBHOOK_PASSWORD}".encode()).decode()
    return {"authorization": f"Basic {pair}"}


EXPECT = {
    "sender.email": "test@example.com",
    "sender.name": "Example User",
    "subject": "Testing non-raw",
    "text": "Hello SendGrid!",
    "html": "<html><body><strong>Hello SendGrid!</body></html>",
}
BASE_CONFIG = {
    "api_key": API_KEY,
    "from_address": "support@inbound.example.com",
    "from_name": "Acme Support",
    "api_base_url": "{base}",
}

CASES = [
    Case(
        slug="sendgrid",
        config={**BASE_CONFIG, "signature_public_key": PUBLIC_KEY},
        inbound=[
            Inbound(
                name="default_payload_signed",
                body=DEFAULT_PAYLOAD,
                sign=sign,
                expect=EXPECT,
                content_type=CONTENT_TYPE,
                source=PARSE_DOC,
            )
        ],
        send=Send(
            message={
                "text": "Hello back!",
                "subject": "Testing non-raw",
                "to": [{"email": "test@example.com", "name": "Example User"}],
                "in_reply_to_header": "<CAC_Z_pQ5tk@mail.gmail.com>",
            },
            method="POST",
            path="/v3/mail/send",
            reply_status=202,
            json={
                "personalizations": [
                    {"to": [{"email": "test@example.com", "name": "Example User"}]}
                ],
                "from": {"email": "support@inbound.example.com", "name": "Acme Support"},
                "subject": "Re: Testing non-raw",
                "content": [{"type": "text/plain", "value": "Hello back!"}],
                "headers": {
                    "In-Reply-To": "<CAC_Z_pQ5tk@mail.gmail.com>",
                    "References": "<CAC_Z_pQ5tk@mail.gmail.com>",
                },
            },
            headers={"authorization": f"Bearer {API_KEY}"},
            source=SEND_DOC,
        ),
        replay_window_s=300,
    )
]
