"""LiveChat (text.com): the `incoming_event` and `incoming_chat` webhooks (v3.5 envelopes with
the documented Message event and chat structures) and the documented `send_event` reply.

LiveChat's samples print the envelope with `"secret_key": "<secret_key>"`: the rows keep that
placeholder (what an unsigned call carries) and `sign_body` puts the webhook's secret there, as
LiveChat does; the forgery is a guessed secret (nothing binds the rest of the body, no timestamp).
"""

from __future__ import annotations

import base64
from typing import Any

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

SECRET = "lc-webhook-secret-8b1c2d3e4f5a6b7c"
ACCOUNT = "8f1b2c9e-5a44-4d8c-9a51-3b7e0d2f6c11"
PAT = "fra:Ho6-1Ik0Qo2SdyJfJ_hKQ1MOmLe"
AGENT = "smith@example.com"
CHAT, THREAD = "PJ0MRSHTDG", "K600PKZON8"
CUSTOMER = "b7eff798-f8df-4364-8059-649c35c9ed0c"
WEBHOOKS = "https://platform.text.com/docs/management/webhooks/v3.5#incoming_event"
EVENTS = "https://platform.text.com/docs/messaging/agent-chat-api/v3.5/data-structures#message"
SEND_EVENT = "https://platform.text.com/docs/messaging/agent-chat-api/v3.5#send-event"

# The Message event of the Agent Chat API's data structures (its postback/properties omitted).
MESSAGE = {
    "id": "0affb00a-82d6-4e07-ae61-56ba5c36e9a9",
    "custom_id": "12345-bhdsa",
    "created_at": "2017-10-12T15:19:21.010200Z",
    "visibility": "all",
    "type": "message",
    "text": "hello there",
    "author_id": CUSTOMER,
}


def envelope(action: str, payload: dict[str, Any]) -> bytes:
    """The documented webhook envelope, `secret_key` still the docs' placeholder."""
    return json_body(
        {
            "webhook_id": "<webhook_id>",
            "secret_key": "<secret_key>",
            "action": action,
            "organization_id": "390e44e6-f1e6-0368c-z6ddb-74g14508c2ex",
            "payload": payload,
            "additional_data": {"chat_presence_user_ids": [CUSTOMER, AGENT]},
        }
    )


def incoming_event(**event: Any) -> bytes:
    return envelope(
        "incoming_event", {"chat_id": CHAT, "thread_id": THREAD, "event": {**MESSAGE, **event}}
    )


INCOMING_CHAT = envelope(
    "incoming_chat",
    {
        "chat": {
            "id": CHAT,
            "users": [
                {
                    "id": CUSTOMER,
                    "type": "customer",
                    "name": "Thomas Anderson",
                    "email": "t.anderson@example.com",
                    "present": True,
                },
                {
                    "id": AGENT,
                    "type": "agent",
                    "name": "Agent Smith",
                    "email": AGENT,
                    "present": True,
                },
            ],
            "thread": {
                "id": THREAD,
                "active": True,
                "events": [
                    MESSAGE,
                    {**MESSAGE, "id": "K600PKZON8_2", "author_id": AGENT, "text": "Hi!"},
                ],
            },
        }
    },
)


def with_secret(body: bytes, at: float) -> bytes:
    return body.replace(b'"<secret_key>"', b'"' + SECRET.encode() + b'"')


def guessed_secret(body: bytes) -> bytes:
    return body.replace(SECRET.encode(), b"lc-webhook-secret-guessed-0000000")


def row(name: str, body: bytes, expect: dict[str, Any], count: int = 1,
        source: str = WEBHOOKS) -> Inbound:  # fmt: skip
    return Inbound(
        name=name,
        body=body,
        sign=lambda body, url, now: {},
        sign_body=with_secret,
        tamper=guessed_secret,
        expect=expect,
        count=count,
        source=source,
    )


EXPECT = {
    "external_id": f"{CHAT}:0affb00a-82d6-4e07-ae61-56ba5c36e9a9",
    "thread_key": CHAT,
    "text": "hello there",
    "sender.external_id": CUSTOMER,
    "metadata.thread_id": THREAD,
}

CASES = [
    Case(
        slug="livechat",
        config={
            "account_id": ACCOUNT,
            "pat": PAT,
            "agent_id": AGENT,
            "webhook_secret": SECRET,
            "api_base_url": "{base}",
        },
        inbound=[
            row("incoming_event_message", incoming_event(), EXPECT, source=f"{WEBHOOKS}; {EVENTS}"),
            row(
                "incoming_chat_with_a_first_message",
                INCOMING_CHAT,
                {
                    **EXPECT,
                    "sender.name": "Thomas Anderson",
                    "sender.email": "t.anderson@example.com",
                },
            ),
            row("our_agents_reply_ignored", incoming_event(author_id=AGENT), {}, count=0),
            row("agents_only_note_ignored", incoming_event(visibility="agents"), {}, count=0),
            row("file_event_ignored", incoming_event(type="file", text=None), {}, count=0),
        ],
        send=Send(
            message={"text": "Hello! How can I help?", "thread_key": CHAT},
            method="POST",
            path="/v3.5/agent/action/send_event",
            reply={"event_id": "K600PKZON8_1"},  # the docs' example response
            json={
                "chat_id": CHAT,
                "event.type": "message",
                "event.text": "Hello! How can I help?",
                "event.visibility": "all",
            },
            headers={
                "authorization": "Basic " + base64.b64encode(f"{ACCOUNT}:{PAT}".encode()).decode()
            },
            external_id=f"{CHAT}:K600PKZON8_1",
            source=SEND_EVENT,
        ),
        replay_window_s=None,  # LiveChat dates nothing: replays are de-duplicated
    )
]
