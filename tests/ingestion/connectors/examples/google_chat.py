"""Google Chat app: the documented reply (service-account token, then spaces.messages.create).

No inbound row here: Google Chat's bearer token (RS256, iss chat@system.gserviceaccount.com,
aud the project number) does not sign the body, so the table's "tampered body is refused"
cannot hold for any change of the body. The documented MESSAGE event is verified and parsed,
and forged, stale and wrong-audience tokens refused, in tests/ingestion/connectors/
test_messaging.py.
"""

from __future__ import annotations

import json

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.ingestion.connectors.cases import Case, Send

PROJECT_NUMBER = "123456789012"
SPACE = "spaces/AAAAAAAAAAA"
THREAD = f"{SPACE}/threads/BBBBBBBBBBB"
SEND_DOC = (
    "https://developers.google.com/workspace/chat/api/reference/rest/v1/spaces.messages/create"
)
_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
SERVICE_ACCOUNT = {
    "type": "service_account",
    "project_id": "acme-support-chat",
    "private_key_id": "0123456789abcdef0123456789abcdef01234567",
    "private_key": _KEY.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode(),
    "client_email": "switchboard@acme-support-chat.iam.gserviceaccount.com",
    "client_id": "112233445566778899000",
    "token_uri": "https://oauth2.googleapis.com/token",
}
ACCESS_TOKEN = "ya29.c.test-chat-bot-token"

CASES = [
    Case(
        slug="google_chat",
        config={
            "project_number": PROJECT_NUMBER,
            "service_account_json": json.dumps(SERVICE_ACCOUNT),
            "api_base_url": "{base}",
        },
        inbound=[],
        send=Send(
            message={"text": "A refund is on its way.", "thread_key": THREAD},
            method="POST",
            path=f"/v1/{SPACE}/messages",
            reply={
                "name": f"{SPACE}/messages/DDDDDDDDDDD",
                "sender": {"name": "users/app", "type": "BOT"},
                "createTime": "2023-04-06T19:35:18.617359Z",
                "text": "A refund is on its way.",
                "thread": {"name": THREAD},
                "space": {"name": SPACE},
                "argumentText": "A refund is on its way.",
            },
            json={"text": "A refund is on its way.", "thread.name": THREAD},
            headers={"authorization": f"Bearer {ACCESS_TOKEN}"},
            external_id=f"{SPACE}/messages/DDDDDDDDDDD",
            other_replies={
                "/token": {"access_token": ACCESS_TOKEN, "expires_in": 3599, "token_type": "Bearer"}
            },
            source=SEND_DOC,
        ),
    )
]
