"""Apple Messages for Business (we are the messaging service provider): a customer's text
message in the documented shape (`v`, `type`, `id`, `sourceId`, `destinationId`, `body`), with
the documented authorization (`Bearer` JWT, HS256 with the base64-decoded CSP secret, `aud` the
CSP id), and the documented send (`POST /message`, gzip JSON, `id` / `source-id` /
`destination-id` headers).

The bearer JWT authenticates the caller but does not cover the body, so the forgery checked is a
token made with a guessed secret (`forge`).
"""

from __future__ import annotations

import base64

import jwt

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

RECEIVE_DOC = "https://register.apple.com/resources/messages/msp-rest-api/receiving-messages"
AUTH_DOC = "https://register.apple.com/resources/messages/msp-rest-api/authorizing-messages"
SEND_DOC = "https://register.apple.com/resources/messages/msp-rest-api/sending-messages"
CSP_ID = "b6c7e7b4-2a3f-4c1d-9d0e-7f3a1c2b4d5e"
BUSINESS_ID = "3f5e8a2c-1b4d-4e6f-8a9b-0c1d2e3f4a5b"
CUSTOMER = "urn:mbid:AQAAY3B2b0H2mvHnXlGKXWdkZ2b7m4j5s6t7u8v9w0x1y2z3"
SECRET_BYTES = b"apple-csp-api-secret-0123456789abcdef"
SECRET = base64.b64encode(SECRET_BYTES).decode()

TEXT = {
    "v": 1,
    "type": "text",
    "id": "d9f8e7c6-b5a4-4321-8fed-cba987654321",
    "sourceId": CUSTOMER,
    "destinationId": BUSINESS_ID,
    "body": "Hi, can I change my delivery address?",
    "locale": "en_US",
    "capabilityList": "LIST,TIME,QUICK,AUTH,FORMS,RICH_LINK",
}
TYPING = {"v": 1, "type": "typing_start", "id": "0b1c2d3e-0000-4000-8000-000000000001",
          "sourceId": CUSTOMER, "destinationId": BUSINESS_ID}  # fmt: skip


def bearer(body: bytes, url: str, now: float) -> dict[str, str]:
    """Apple's authorization, made with PyJWT: HS256, the decoded secret, aud = CSP id."""
    token = jwt.encode({"aud": CSP_ID, "iat": int(now)}, SECRET_BYTES, algorithm="HS256")
    return {
        "authorization": f"Bearer {token}",
        "id": TEXT["id"],
        "source-id": CUSTOMER,
        "destination-id": BUSINESS_ID,
        "device-agent": "iPhone OS",
    }


def wrong_secret(body: bytes, url: str, now: float) -> dict[str, str]:
    token = jwt.encode({"aud": CSP_ID, "iat": int(now)}, b"a guessed secret", algorithm="HS256")
    return {**bearer(body, url, now), "authorization": f"Bearer {token}"}


BEARER_ROWS = [
    Inbound(
        name="text",
        body=json_body(TEXT),
        sign=bearer,
        expect={
            "external_id": TEXT["id"],
            "thread_key": CUSTOMER,
            "sender.external_id": CUSTOMER,
            "text": "Hi, can I change my delivery address?",
        },
        source=RECEIVE_DOC,
    ),
    Inbound(name="typing_ignored", body=json_body(TYPING), sign=bearer, expect={}, count=0),
]

CONFIG = {
    "csp_id": CSP_ID,
    "business_id": BUSINESS_ID,
    "api_secret": SECRET,
    "api_base_url": "{base}/v1",
}

CASES = [
    Case(
        slug="apple_messages",
        config=CONFIG,
        inbound=BEARER_ROWS,
        forge=wrong_secret,  # a bearer token does not bind the body
        replay_window_s=None,  # tokens live 65 minutes; a replay within is de-duplicated
        send=Send(
            message={"text": "Yes: reply with the new address.", "thread_key": CUSTOMER},
            method="POST",
            path="/v1/message",
            headers={
                "source-id": BUSINESS_ID,
                "destination-id": CUSTOMER,
                "content-type": "application/json",
                "content-encoding": "gzip",
            },
            source=SEND_DOC,
        ),
    )
]
