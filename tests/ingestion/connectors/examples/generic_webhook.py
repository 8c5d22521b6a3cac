"""Our generic signed webhook, with the two example schemes docs/connectors/generic.md documents:
a GitHub-style body signature (`X-Hub-Signature-256: sha256=<hex>`) over a list of messages, and
a Slack-style timestamped one (`v0:{timestamp}:{body}`, base64) over a single object; replies go
to the callback as the documented signed JSON."""

from __future__ import annotations

import base64
import hashlib
import hmac

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

DOC = "docs/connectors/generic.md"
SECRET = "generic-webhook-secret-0123456789"

LIST_PAYLOAD = json_body(
    {
        "event": "messages.created",
        "messages": [
            {
                "id": "msg_1001",
                "conversation": "conv_77",
                "body": "My parcel never arrived.",
                "title": "Order 1042",
                "created": 1732100000,
                "author": {"id": "u_5", "email": "Dana@Example.com", "name": "Dana", "bot": False},
            },
            {
                "id": "msg_1002",
                "conversation": "conv_77",
                "body": "We are looking into it.",
                "author": {"id": "bot_1", "name": "Helper bot", "bot": True},
            },
        ],
    }
)
OBJECT_PAYLOAD = json_body(
    {
        "ticket": {"number": 88, "status": "open"},
        "comment": {"uid": "c-9", "plain": "Refund please"},
    }
)


def hub_signature(body: bytes, url: str, now: float) -> dict[str, str]:
    mac = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"x-hub-signature-256": f"sha256={mac}"}


def timestamped(body: bytes, url: str, now: float) -> dict[str, str]:
    stamp = str(int(now))
    mac = hmac.new(SECRET.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256).digest()
    return {"x-signature": base64.b64encode(mac).decode(), "x-timestamp": stamp}


LIST_CONFIG = {
    "secret": SECRET,
    "signature_header": "X-Hub-Signature-256",
    "prefix": "sha256=",
    "messages": "messages",
    "external_id": "id",
    "text": "body",
    "thread_key": "conversation",
    "subject": "title",
    "received_at": "created",
    "sender_email": "author.email",
    "sender_name": "author.name",
    "sender_id": "author.id",
    "skip_when": "author.bot",
    "callback_url": "{base}/switchboard/replies",
    "allow_insecure_callback": True,
}
OBJECT_CONFIG = {
    "secret": SECRET,
    "signature_header": "X-Signature",
    "encoding": "base64",
    "timestamp_header": "X-Timestamp",
    "signed_template": "v0:{timestamp}:{body}",
    "external_id": "comment.uid",
    "text": "comment.plain",
    "thread_key": "to_string(ticket.number)",
}

CASES = [
    Case(
        slug="generic_webhook",
        config=LIST_CONFIG,
        inbound=[
            Inbound(
                name="list_with_a_bot_message",
                body=LIST_PAYLOAD,
                sign=hub_signature,
                count=1,  # the bot's message is skipped
                expect={
                    "external_id": "msg_1001",
                    "thread_key": "conv_77",
                    "text": "My parcel never arrived.",
                    "subject": "Order 1042",
                    "sender.email": "dana@example.com",
                    "sender.name": "Dana",
                    "sender.external_id": "u_5",
                },
                source=DOC,
            )
        ],
        send=Send(
            message={"text": "It is on its way.", "thread_key": "conv_77", "subject": "Order 1042"},
            method="POST",
            path="/switchboard/replies",
            reply={"id": "reply-551"},
            json={
                "type": "message.outbound",
                "text": "It is on its way.",
                "thread_key": "conv_77",
                "subject": "Order 1042",
            },
            headers={"content-type": "application/json"},
            external_id="reply-551",
            source=DOC,
        ),
    ),
    Case(
        slug="generic_webhook",
        config=OBJECT_CONFIG,
        inbound=[
            Inbound(
                name="timestamped_object",
                body=OBJECT_PAYLOAD,
                sign=timestamped,
                expect={"external_id": "c-9", "thread_key": "88", "text": "Refund please"},
                source=DOC,
            )
        ],
        send=None,
        replay_window_s=300,
    ),
]
