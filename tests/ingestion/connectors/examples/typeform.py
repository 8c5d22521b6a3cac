"""Typeform: the example webhook payload of Typeform's developer docs (its first four questions
and answers; the picture, number, legal, choice, rating and calendly ones and the endings left
out), signed as Typeform documents it. Inbound only: there is no reply API (send=None).

`Typeform-Signature` is `sha256=` + base64 HMAC-SHA256(webhook secret, raw body), computed here
on the test side; Typeform signs no timestamp (a redelivery is de-duplicated on the token).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from tests.ingestion.connectors.cases import Case, Inbound, json_body

SECRET = "tf-webhook-secret-4f9d2c7a1e"
EXAMPLE = "https://www.typeform.com/developers/webhooks/example-payload/"
SIGNING = "https://www.typeform.com/developers/webhooks/secure-your-webhooks/"
TOKEN = "a3a12ec67a1365927098a606107fac15"
FREEZING = (
    "It's cold right now! I live in an older medium-sized city with a university. "
    "Geographically, the area is hilly."
)

FIELDS = [
    {
        "id": "DlXFaesGBpoF",
        "title": "Thanks, {{answer_60906475}}! What's it like where you live? "
        "Tell us in a few sentences.",
        "type": "long_text",
        "ref": "readable_ref_long_text",
        "allow_multiple_selections": False,
        "allow_other_choice": False,
    },
    {
        "id": "SMEUb7VJz92Q",
        "title": "If you're OK with our city management following up if they have further "
        "questions, please give us your email address.",
        "type": "email",
        "ref": "readable_ref_email",
        "allow_multiple_selections": False,
        "allow_other_choice": False,
    },
    {
        "id": "JwWggjAKtOkA",
        "title": "What is your first name?",
        "type": "short_text",
        "ref": "readable_ref_short_text",
        "allow_multiple_selections": False,
        "allow_other_choice": False,
    },
    {
        "id": "KoJxDM3c6x8h",
        "title": "When did you move to the place where you live?",
        "type": "date",
        "ref": "readable_ref_date",
        "allow_multiple_selections": False,
        "allow_other_choice": False,
    },
]
ANSWERS = [
    {"type": "text", "text": FREEZING, "field": {"id": "DlXFaesGBpoF", "type": "long_text"}},
    {"type": "email", "email": "laura@example.com",
     "field": {"id": "SMEUb7VJz92Q", "type": "email"}},
    {"type": "text", "text": "Laura", "field": {"id": "JwWggjAKtOkA", "type": "short_text"}},
    {"type": "date", "date": "2005-10-15", "field": {"id": "KoJxDM3c6x8h", "type": "date"}},
]  # fmt: skip


def payload(event_type: str = "form_response", answers: list[Any] | None = None) -> bytes:
    return json_body(
        {
            "event_id": "LtWXD3crgy",
            "event_type": event_type,
            "form_response": {
                "form_id": "lT4Z3j",
                "token": TOKEN,
                "submitted_at": "2018-01-18T18:17:02Z",
                "landed_at": "2018-01-18T18:07:02Z",
                "calculated": {"score": 9},
                "variables": [
                    {"key": "score", "type": "number", "number": 4},
                    {"key": "name", "type": "text", "text": "typeform"},
                ],
                "hidden": {"user_id": "abc123456"},
                "definition": {"id": "lT4Z3j", "title": "Webhooks example", "fields": FIELDS},
                "answers": ANSWERS if answers is None else answers,
            },
        }
    )


def sign(body: bytes, url: str, now: float) -> dict[str, str]:
    mac = hmac.new(SECRET.encode(), body, hashlib.sha256).digest()
    return {"typeform-signature": "sha256=" + base64.b64encode(mac).decode()}


CASES = [
    Case(
        slug="typeform",
        config={"webhook_secret": SECRET, "name_ref": "readable_ref_short_text"},
        inbound=[
            Inbound(
                name="form_response",
                body=payload(),
                sign=sign,
                expect={
                    "external_id": TOKEN,
                    "text": FREEZING,
                    "subject": "Webhooks example",
                    "sender.email": "laura@example.com",
                    "sender.name": "Laura",
                    "metadata.form_id": "lT4Z3j",
                    "metadata.hidden.user_id": "abc123456",
                    "metadata.answers.readable_ref_date": "2005-10-15",
                    "metadata.score": 9,
                },
                source=f"{EXAMPLE}; {SIGNING}",
            ),
            Inbound(
                name="partial_response_ignored",
                body=payload("form_response_partial"),
                sign=sign,
                expect={},
                count=0,
                source=EXAMPLE,
            ),
        ],
        send=None,  # inbound only: answers go out through an email integration
        replay_window_s=None,  # Typeform signs no timestamp: redeliveries are de-duplicated
    )
]
