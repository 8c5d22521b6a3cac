"""Zulip: the outgoing-webhook payload of Zulip's API docs (Zulip format), a direct message to
the bot in the same format, and the documented `POST /api/v1/messages` reply.

Zulip authenticates the call only by the bot's `token` inside the body: rows keep the payloads
without it (what an unsigned call carries) and `sign_body` adds it as Zulip does; the forgery is
a guessed token (nothing binds the rest of the body, and no timestamp is sent).
"""

from __future__ import annotations

import base64
from typing import Any

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

TOKEN = "xvOzfurIutdRRVLzpXrIIHXJvNfaJLJ0"  # the documented example's token
BOT_EMAIL = "outgoing-bot@localhost"
API_KEY = "gjA04ZYcqXKalvYMA8OeXSfzUOLrtbZv"
PAYLOAD_DOC = "https://zulip.com/api/outgoing-webhooks#outgoing-webhook-format"
SEND_DOC = "https://zulip.com/api/send-message"

# Verbatim from "Outgoing webhook format" (Zulip format), its `token` line left out.
MENTION = b"""{
    "bot_email": "outgoing-bot@localhost",
    "bot_full_name": "Outgoing webhook test",
    "data": "@**Outgoing webhook test** Zulip is the world\\u2019s most productive group chat!",
    "message": {
        "avatar_url": "https://secure.gravatar.com/avatar/1f4f1575bf002ae562fea8fc4b861b09?d=identicon&version=1",
        "client": "website",
        "content": "@**Outgoing webhook test** Zulip is the world\\u2019s most productive group chat!",
        "display_recipient": "Verona",
        "id": 112,
        "is_me_message": false,
        "reactions": [],
        "recipient_id": 20,
        "rendered_content": "<p><span class=\\"user-mention\\" data-user-id=\\"25\\">@Outgoing webhook test</span> Zulip is the world\\u2019s most productive group chat!</p>",
        "sender_email": "iago@zulip.com",
        "sender_full_name": "Iago",
        "sender_id": 5,
        "sender_realm_str": "zulip",
        "stream_id": 5,
        "subject": "Verona2",
        "submessages": [],
        "timestamp": 1527876931,
        "topic_links": [],
        "type": "stream"
    },
    "trigger": "mention"
}"""  # noqa: E501


def direct_message(sender_email: str = "iago@zulip.com") -> bytes:
    """A direct message to the bot: the same format with `type: private` and the participants
    in `display_recipient`, as `GET /messages` returns them."""
    people = [
        {"id": 5, "email": "iago@zulip.com", "full_name": "Iago", "is_mirror_dummy": False},
        {"id": 25, "email": BOT_EMAIL, "full_name": "Outgoing webhook test",
         "is_mirror_dummy": False},
    ]  # fmt: skip
    return json_body(
        {
            "bot_email": BOT_EMAIL,
            "bot_full_name": "Outgoing webhook test",
            "data": "Where is my order #1042?",
            "message": {
                "client": "website",
                "content": "Where is my order #1042?",
                "display_recipient": people,
                "id": 113,
                "is_me_message": False,
                "recipient_id": 31,
                "sender_email": sender_email,
                "sender_full_name": "Iago",
                "sender_id": 5 if sender_email != BOT_EMAIL else 25,
                "sender_realm_str": "zulip",
                "subject": "",
                "timestamp": 1527876990,
                "type": "private",
            },
            "trigger": "direct_message",
        }
    )


def with_token(body: bytes, at: float) -> bytes:
    return body.replace(b"{", b'{"token": "' + TOKEN.encode() + b'",', 1)


def guessed_token(body: bytes) -> bytes:
    return body.replace(TOKEN.encode(), b"GuessedTokenGuessedTokenGuessed0")


def row(name: str, body: bytes, expect: dict[str, Any], count: int = 1) -> Inbound:
    return Inbound(
        name=name,
        body=body,
        sign=lambda body, url, now: {},
        sign_body=with_token,
        tamper=guessed_token,
        expect=expect,
        count=count,
        source=PAYLOAD_DOC,
    )


CASES = [
    Case(
        slug="zulip",
        config={
            "server_url": "https://zulip.example.com",
            "bot_email": BOT_EMAIL,
            "api_key": API_KEY,
            "webhook_token": TOKEN,
            "api_base_url": "{base}",
        },
        inbound=[
            row(
                "mention_in_a_channel",
                MENTION,
                {
                    "external_id": "112",
                    "thread_key": "stream:5:Verona2",
                    "text": "Zulip is the world\u2019s most productive group chat!",
                    "subject": "Verona2",
                    "sender.external_id": "5",
                    "sender.email": "iago@zulip.com",
                    "sender.name": "Iago",
                    "metadata.trigger": "mention",
                },
            ),
            row(
                "direct_message",
                direct_message(),
                {
                    "external_id": "113",
                    "thread_key": "dm:5",
                    "text": "Where is my order #1042?",
                    "metadata.trigger": "direct_message",
                },
            ),
            row("the_bots_own_message_ignored", direct_message(BOT_EMAIL), {}, count=0),
        ],
        send=Send(
            message={"text": "Glad to hear it!", "thread_key": "stream:5:Verona2"},
            method="POST",
            path="/api/v1/messages",
            reply={"id": 42, "msg": "", "result": "success"},  # the docs' example response
            form={"type": "stream", "to": "5", "topic": "Verona2", "content": "Glad to hear it!"},
            headers={
                "authorization": "Basic "
                + base64.b64encode(f"{BOT_EMAIL}:{API_KEY}".encode()).decode()
            },
            external_id="42",
            source=SEND_DOC,
        ),
        replay_window_s=None,  # Zulip dates nothing: replays are de-duplicated
    )
]
