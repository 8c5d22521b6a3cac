"""Mailgun: a route's forward() post (Mailgun's documented parsed-message fields) and the
documented Messages API send.

Mailgun carries its signature *inside the form* (`timestamp`, `token`, `signature` fields): the
row's `sign_body` appends them at each call, with a fresh token (Mailgun's tokens are single use).
More cases (multipart, raw MIME, echoes, token reuse) are in test_email_inbound.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from tests.ingestion.connectors.cases import Case, Inbound, Send, form_body

SIGNING_KEY = "key-mailgun-webhook-signing-0123456789"
API_KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"
ROUTE_DOC = (
    "https://documentation.mailgun.com/docs/mailgun/user-manual/receive-forward-store/receive-http"
)
SECURING_DOC = (
    "https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks"
    " (signature = hex HMAC-SHA256(signing key, timestamp + token))"
)
SEND_DOC = "https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/messages"

# The parsed-message fields of Mailgun's receive-http page, for a customer's reply.
ROUTE_FIELDS = [
    ("recipient", "support@mg.example.com"),
    ("sender", "bob@example.com"),
    ("from", "Bob <bob@example.com>"),
    ("To", "Acme Support <support@mg.example.com>"),
    ("subject", "Re: Where is my order?"),
    ("body-plain", "Any news on order 1042?\n\n> On Monday, Acme Support wrote:\n> It ships soon."),
    ("stripped-text", "Any news on order 1042?"),
    ("stripped-signature", ""),
    ("body-html", "<html><body><p>Any news on order 1042?</p></body></html>"),
    ("stripped-html", "<p>Any news on order 1042?</p>"),
    ("attachment-count", "0"),
    ("Message-Id", "<CAKH5j1vUjKP4Sd1XF2M0kPk@mail.example.com>"),
    ("In-Reply-To", "<sb.0f0e0d0c@mg.example.com>"),
    ("References", "<CAKH5j1root@mail.example.com> <sb.0f0e0d0c@mg.example.com>"),
    ("Date", "Mon, 18 Nov 2024 10:12:07 +0000"),
    (
        "message-headers",
        '[["Received", "by luna.mailgun.net with SMTP mgrt 8734663311733"], '
        '["Message-Id", "<CAKH5j1vUjKP4Sd1XF2M0kPk@mail.example.com>"], '
        '["Subject", "Re: Where is my order?"], ["From", "Bob <bob@example.com>"]]',
    ),
]


def signature_fields(
    now: float, key: str = SIGNING_KEY, token: str | None = None
) -> list[tuple[str, str]]:
    """Mailgun's documented scheme, computed on the test side."""
    stamp, token = str(int(now)), token or secrets.token_hex(25)
    digest = hmac.new(key.encode(), (stamp + token).encode(), hashlib.sha256).hexdigest()
    return [("timestamp", stamp), ("token", token), ("signature", digest)]


def route_post(
    now: float, *, token: str | None = None, fields: list[tuple[str, str]] | None = None
) -> bytes:
    """The urlencoded route post, signed at `now` (Mailgun signs inside the form)."""
    return form_body([*(fields or ROUTE_FIELDS), *signature_fields(now, token=token)])


CONFIG = {
    "domain": "mg.example.com",
    "api_key": API_KEY,
    "webhook_signing_key": SIGNING_KEY,
    "from_address": "support@mg.example.com",
    "from_name": "Acme Support",
    "api_base_url": "{base}",
}

CASES = [
    Case(
        slug="mailgun",
        config=CONFIG,
        inbound=[
            Inbound(
                name="route_forward_reply",
                body=form_body(ROUTE_FIELDS),
                sign_body=lambda body, at: body + b"&" + form_body(signature_fields(at)),
                sign=lambda body, url, at: {},
                content_type="application/x-www-form-urlencoded",
                expect={
                    "external_id": "<CAKH5j1vUjKP4Sd1XF2M0kPk@mail.example.com>",
                    "thread_key": "<CAKH5j1root@mail.example.com>",
                    "in_reply_to": "<sb.0f0e0d0c@mg.example.com>",
                    "text": "Any news on order 1042?",
                    "sender.email": "bob@example.com",
                    "subject": "Re: Where is my order?",
                },
                source=ROUTE_DOC,
            )
        ],
        replay_window_s=300,
        send=Send(
            message={
                "text": "It left our warehouse this morning.",
                "subject": "Where is my order?",
                "to": [{"email": "bob@example.com", "name": "Bob"}],
                "in_reply_to_header": "<CAKH5j1vUjKP4Sd1XF2M0kPk@mail.example.com>",
                "references": ["<CAKH5j1root@mail.example.com>"],
            },
            method="POST",
            path="/v3/mg.example.com/messages",
            reply={
                "id": "<20111114174239.25659.5817@samples.mailgun.org>",
                "message": "Queued. Thank you.",
            },
            form={
                "from": '"Acme Support" <support@mg.example.com>',
                "to": '"Bob" <bob@example.com>',
                "subject": "Re: Where is my order?",
                "text": "It left our warehouse this morning.",
                "h:In-Reply-To": "<CAKH5j1vUjKP4Sd1XF2M0kPk@mail.example.com>",
                "h:References": (
                    "<CAKH5j1root@mail.example.com> <CAKH5j1vUjKP4Sd1XF2M0kPk@mail.example.com>"
                ),
            },
            headers={
                "authorization": "Basic " + base64.b64encode(f"api:{API_KEY}".encode()).decode()
            },
            external_id="<20111114174239.25659.5817@samples.mailgun.org>",
            source=SEND_DOC,
        ),
    )
]
