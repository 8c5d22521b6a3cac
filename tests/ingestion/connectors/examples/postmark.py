"""Postmark: the documented inbound webhook JSON, and the documented `POST /email` send.

Postmark signs nothing; its documented protection is HTTP Basic credentials in the webhook URL.
Those prove who calls but do not bind the body, so the forgery checked is a wrong password
(`forge`); a replay is de-duplicated by the MessageID.
"""

from __future__ import annotations

import base64

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

INBOUND_DOC = "https://postmarkapp.com/developer/webhooks/inbound-webhook"
SECURITY_DOC = (
    "https://postmarkapp.com/developer/webhooks/webhooks-overview#protecting-your-webhook-urls"
)
SEND_DOC = "https://postmarkapp.com/developer/api/email-api#send-a-single-email"
SERVER_TOKEN = "server-token-0123456789abcdef"
WEBHOOK_PASSWORD = "postmark-url-password-0123456789"

# Postmark's documented example of the JSON POSTed to the inbound webhook.
DOCUMENTED = {
    "FromName": "Postmarkapp Support",
    "MessageStream": "inbound",
    "From": "support@postmarkapp.com",
    "FromFull": {
        "Email": "support@postmarkapp.com",
        "Name": "Postmarkapp Support",
        "MailboxHash": "",
    },
    "To": '"Firstname Lastname" <yourhash+SampleHash@inbound.postmarkapp.com>',
    "ToFull": [
        {
            "Email": "yourhash+SampleHash@inbound.postmarkapp.com",
            "Name": "Firstname Lastname",
            "MailboxHash": "SampleHash",
        }
    ],
    "Cc": '"First Cc" <firstcc@postmarkapp.com>, secondCc@postmarkapp.com>',
    "CcFull": [
        {"Email": "firstcc@postmarkapp.com", "Name": "First Cc", "MailboxHash": ""},
        {"Email": "secondCc@postmarkapp.com", "Name": "", "MailboxHash": ""},
    ],
    "Bcc": '"First Bcc" <firstbcc@postmarkapp.com>, secondbcc@postmarkapp.com>',
    "BccFull": [
        {"Email": "firstbcc@postmarkapp.com", "Name": "First Bcc", "MailboxHash": ""},
        {"Email": "secondbcc@postmarkapp.com", "Name": "", "MailboxHash": ""},
    ],
    "OriginalRecipient": "yourhash+SampleHash@inbound.postmarkapp.com",
    "Subject": "Test subject",
    "MessageID": "73e6d360-66eb-11e1-8e72-a8904824019b",
    "ReplyTo": "replyto@postmarkapp.com",
    "MailboxHash": "SampleHash",
    "Date": "Fri, 1 Aug 2014 16:45:32 -04:00",
    "TextBody": "This is a test text body.",
    "HtmlBody": "<html><body><p>This is a test html body.</p></body></html>",
    "StrippedTextReply": "This is the reply text",
    "Tag": "TestTag",
    "Headers": [
        {"Name": "X-Header-Test", "Value": ""},
        {"Name": "X-Spam-Status", "Value": "No"},
        {"Name": "X-Spam-Score", "Value": "-0.1"},
        {"Name": "X-Spam-Tests", "Value": "DKIM_SIGNED,DKIM_VALID,DKIM_VALID_AU,SPF_PASS"},
    ],
    "Attachments": [
        {
            "Name": "test.txt",
            "Content": "VGhpcyBpcyBhdHRhY2htZW50IGNvbnRlbnRzLCBiYXNlLTY0IGVuY29kZWQu",
            "ContentType": "text/plain",
            "ContentLength": 45,
        }
    ],
}
# The same message as a reply in a thread: the documented shape with its RFC 5322 headers.
REPLY = {
    **DOCUMENTED,
    "MessageID": "5b1a5c3e-0c3d-4c9a-9f0e-2a6f6d9d1b7e",
    "Headers": [
        *DOCUMENTED["Headers"],
        {"Name": "Message-ID", "Value": "<CAGXpo2W-2@mail.gmail.com>"},
        {"Name": "In-Reply-To", "Value": "<sb.42@acme.example>"},
        {"Name": "References", "Value": "<CAGXpo2W-1@mail.gmail.com> <sb.42@acme.example>"},
    ],
}


def basic(body: bytes, url: str, now: float) -> dict[str, str]:
    pair = base64.b64encode(f"switchboard:{WEBHOOK_PASSWORD}".encode()).decode()
    return {"authorization": f"Basic {pair}"}


def wrong_password(body: bytes, url: str, now: float) -> dict[str, str]:
    pair = base64.b64encode(b"switchboard:a-guessed-password").decode()
    return {"authorization": f"Basic {pair}"}


BASIC_ROWS = [
    Inbound(
        name="documented_inbound",
        body=json_body(DOCUMENTED),
        sign=basic,
        expect={
            "external_id": "73e6d360-66eb-11e1-8e72-a8904824019b",
            "sender.email": "support@postmarkapp.com",
            "sender.name": "Postmarkapp Support",
            "subject": "Test subject",
            "text": "This is the reply text",
            "html": "<html><body><p>This is a test html body.</p></body></html>",
        },
        source=INBOUND_DOC,
    ),
    Inbound(
        name="reply_in_thread",
        body=json_body(REPLY),
        sign=basic,
        expect={
            "external_id": "5b1a5c3e-0c3d-4c9a-9f0e-2a6f6d9d1b7e",
            "message_id_header": "<CAGXpo2W-2@mail.gmail.com>",
            "in_reply_to": "<sb.42@acme.example>",
            "thread_key": "<CAGXpo2W-1@mail.gmail.com>",
        },
        source=INBOUND_DOC,
    ),
]

CONFIG = {
    "server_token": SERVER_TOKEN,
    "webhook_password": WEBHOOK_PASSWORD,
    "from_address": "support@acme.example",
    "from_name": "Acme Support",
    "api_base_url": "{base}",
}

CASES = [
    Case(
        slug="postmark",
        config=CONFIG,
        inbound=BASIC_ROWS,
        forge=wrong_password,  # Basic credentials do not bind the body
        send=Send(
            message={
                "text": "Thanks, we are on it.",
                "subject": "Test subject",
                "to": [{"email": "support@postmarkapp.com", "name": "Postmarkapp Support"}],
                "in_reply_to_header": "<CAGXpo2W-2@mail.gmail.com>",
                "references": ["<CAGXpo2W-1@mail.gmail.com>"],
            },
            method="POST",
            path="/email",
            reply={
                "To": "support@postmarkapp.com",
                "SubmittedAt": "2014-02-17T07:25:01.4178645-05:00",
                "MessageID": "0a129aee-e1cd-480d-b08d-4f48548ff48d",
                "ErrorCode": 0,
                "Message": "OK",
            },
            json={
                "From": '"Acme Support" <support@acme.example>',
                "To": '"Postmarkapp Support" <support@postmarkapp.com>',
                "Subject": "Re: Test subject",
                "TextBody": "Thanks, we are on it.",
                "MessageStream": "outbound",
                "Headers": [
                    {"Name": "In-Reply-To", "Value": "<CAGXpo2W-2@mail.gmail.com>"},
                    {
                        "Name": "References",
                        "Value": "<CAGXpo2W-1@mail.gmail.com> <CAGXpo2W-2@mail.gmail.com>",
                    },
                ],
            },
            headers={"x-postmark-server-token": SERVER_TOKEN},
            external_id="0a129aee-e1cd-480d-b08d-4f48548ff48d",
            source=SEND_DOC,
        ),
    )
]
