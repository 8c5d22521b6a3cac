"""Crisp: the documented `message:send` web hook payload, signed as Crisp's own SDK checks it
(`X-Crisp-Signature`: hex HMAC-SHA256 of `"[" + X-Crisp-Request-Timestamp + ";" + body + "]"`),
and the documented `POST /v1/website/{website_id}/conversation/{session_id}/message`."""

from __future__ import annotations

import base64
import hashlib
import hmac

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

SECRET = "crisp-hooks-secret-0123456789"
WEBSITE = "8c842203-7ed8-4e29-a608-7cf78a7d2fcc"
SESSION = "session_36ba3566-9651-4790-afc8-ffedbccc317f"
HOOKS_DOC = "https://docs.crisp.chat/references/web-hooks/v1/#message-send"
SDK_DOC = "https://github.com/crisp-im/node-crisp-api/blob/master/lib/crisp.ts (__verifySignature)"
SEND_DOC = "https://docs.crisp.chat/references/rest-api/v1/#send-a-message-in-conversation"


def sign(body: bytes, url: str, now: float) -> dict[str, str]:
    stamp = str(int(now * 1000))
    trace = b"[" + stamp.encode() + b";" + body + b"]"
    return {
        "x-crisp-request-timestamp": stamp,
        "x-crisp-signature": hmac.new(SECRET.encode(), trace, hashlib.sha256).hexdigest(),
    }


def message(sender: str, content: object, kind: str = "text", event: str = "message:send") -> bytes:
    return json_body(
        {
            "website_id": WEBSITE,
            "event": event,
            "data": {
                "website_id": WEBSITE,
                "session_id": SESSION,
                "type": kind,
                "content": content,
                "from": sender,
                "origin": "chat",
                "stamped": True,
                "timestamp": 1545661022826,
                "fingerprint": 154566102211219,
                "user": {"nickname": "visitor07a1", "user_id": SESSION},
            },
            "timestamp": 1545661022845,
        }
    )


CASES = [
    Case(
        slug="crisp",
        config={
            "website_id": WEBSITE,
            "identifier": "e47a8a0b-1e9e-4a0f-9b7c-6a1f2d6b2f44",
            "key": "crisp-plugin-key-0123456789",
            "hooks_secret": SECRET,
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="message_send_from_visitor",
                body=message("user", "Hello Crisp, this is a message from a visitor!"),
                sign=sign,
                expect={
                    "external_id": f"{SESSION}:154566102211219",
                    "thread_key": SESSION,
                    "text": "Hello Crisp, this is a message from a visitor!",
                    "sender.name": "visitor07a1",
                },
                source=HOOKS_DOC,
            ),
            Inbound(
                name="operator_message_ignored",
                body=message("operator", "Hi there!", event="message:received"),
                sign=sign,
                expect={},
                count=0,
                source=HOOKS_DOC,
            ),
            Inbound(
                name="file_message_ignored",
                body=message(
                    "user",
                    {"name": "photo.png", "url": "https://x.example/p.png", "type": "image/png"},
                    kind="file",
                ),
                sign=sign,
                expect={},
                count=0,
                source=SDK_DOC,
            ),
        ],
        send=Send(
            message={"text": "Thanks, we are looking into it.", "thread_key": SESSION},
            method="POST",
            path=f"/v1/website/{WEBSITE}/conversation/{SESSION}/message",
            reply={
                "error": False,
                "reason": "dispatched",
                "data": {"fingerprint": 163408699799540},
            },
            reply_status=202,
            json={
                "type": "text",
                "from": "operator",
                "origin": "chat",
                "content": "Thanks, we are looking into it.",
            },
            headers={
                "authorization": "Basic "
                + base64.b64encode(
                    b"e47a8a0b-1e9e-4a0f-9b7c-6a1f2d6b2f44:crisp-plugin-key-0123456789"
                ).decode(),
                "x-crisp-tier": "plugin",
            },
            external_id=f"{SESSION}:163408699799540",
            source=SEND_DOC,
        ),
        replay_window_s=300,
    )
]
