"""Rocket.Chat: the *Message Sent* outgoing-integration request and the documented
`POST /api/v1/chat.postMessage` reply.

Rocket.Chat's docs describe the request's fields but print no complete example, so the payload
is the one its trigger handler builds for a message (`mapEventArgsToData`, `sendMessage` case:
`token`, `bot`, `channel_id`, `channel_name`, `message_id`, `timestamp`, `user_id`, `user_name`,
`text`, `siteUrl`, and `tmid` / `isEdited` when set). The token travels inside the body: rows keep
the payload without it and `sign_body` adds it, as Rocket.Chat does; the forgery is a guessed
token (nothing binds the rest of the body, no timestamp is sent).
"""

from __future__ import annotations

import hashlib
from typing import Any

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

TOKEN = "8DFS89DMKLWEN3H6bq2xvPw5"
AUTH_TOKEN = "9HqLlyZOugoStsXCUfD_0YdwnNnunAJF8V47U3QHXSq"  # the docs' example token
BOT_USER = "aobEdbYhXfu5hkeqG"  # the docs' example X-User-Id
ROOM = "ByehQjC44FwMeiLbX"
MESSAGE = "QSGJ9YqFkXuinmHAt"
THREAD = "jC9chsFddTvsbFQG7"
HANDLER = (
    "https://github.com/RocketChat/Rocket.Chat/blob/develop/apps/meteor/app/integrations/"
    "server/lib/triggerHandler.ts (mapEventArgsToData); "
    "https://docs.rocket.chat/docs/integrations (Outgoing WebHook)"
)
POST_MESSAGE = "https://developer.rocket.chat/apidocs/post-message"


def sent(**extra: Any) -> bytes:
    """The integration's request for a customer's message, without its `token` field."""
    return json_body(
        {
            "bot": False,
            "channel_id": ROOM,
            "channel_name": "support",
            "message_id": MESSAGE,
            "timestamp": "2021-03-18T03:37:15.725Z",
            "user_id": "zk8ei6fZYTxnNdbWg",
            "user_name": "thangtm13",
            "text": "Hi, my invoice shows the wrong VAT number.",
            "siteUrl": "https://chat.example.com/",
            **extra,
        }
    )


def with_token(body: bytes, at: float) -> bytes:
    return b'{"token":"' + TOKEN.encode() + b'",' + body[1:]


def guessed_token(body: bytes) -> bytes:
    return body.replace(TOKEN.encode(), b"guessed-token-000000000")


def row(name: str, body: bytes, expect: dict[str, Any], count: int = 1) -> Inbound:
    return Inbound(
        name=name,
        body=body,
        sign=lambda body, url, now: {},
        sign_body=with_token,
        tamper=guessed_token,
        expect=expect,
        count=count,
        source=HANDLER,
    )


EXPECT = {
    "external_id": MESSAGE,
    "thread_key": f"{ROOM}:{MESSAGE}",
    "text": "Hi, my invoice shows the wrong VAT number.",
    "sender.external_id": "zk8ei6fZYTxnNdbWg",
    "sender.name": "thangtm13",
    "metadata.channel_name": "support",
}
EDITED = "Hi, my invoice shows the wrong VAT number (DE811907980)."
EDIT_ID = f"{MESSAGE}:edited:" + hashlib.sha256(EDITED.encode()).hexdigest()[:24]

CASES = [
    Case(
        slug="rocketchat",
        config={
            "server_url": "https://chat.example.com",
            "user_id": BOT_USER,
            "auth_token": AUTH_TOKEN,
            "webhook_token": TOKEN,
            "api_base_url": "{base}",
        },
        inbound=[
            row("message_sent", sent(), EXPECT),
            row(
                "message_in_a_thread",
                sent(tmid=THREAD),
                {**EXPECT, "thread_key": f"{ROOM}:{THREAD}"},
            ),
            row(
                "edited_message",
                sent(text=EDITED, isEdited=True),
                {**EXPECT, "external_id": EDIT_ID, "text": EDITED, "metadata.edited_of": MESSAGE},
            ),
            row("bot_message_ignored", sent(bot=True), {}, count=0),
            row("our_own_message_ignored", sent(user_id=BOT_USER), {}, count=0),
        ],
        send=Send(
            message={"text": "This is a test!", "thread_key": f"{ROOM}:{THREAD}"},
            method="POST",
            path="/api/v1/chat.postMessage",
            # Verbatim from the Post Message page's example result.
            reply={
                "ts": 1481748965123,
                "channel": "general",
                "message": {
                    "alias": "",
                    "msg": "This is a test!",
                    "parseUrls": True,
                    "groupable": False,
                    "ts": "2016-12-14T20:56:05.117Z",
                    "u": {"_id": "y65tAmHs93aDChMWu", "username": "graywolf336"},
                    "rid": "GENERAL",
                    "_updatedAt": "2016-12-14T20:56:05.119Z",
                    "_id": "jC9chsFddTvsbFQG7",
                },
                "success": True,
            },
            json={"roomId": ROOM, "text": "This is a test!", "tmid": THREAD},
            headers={"x-auth-token": AUTH_TOKEN, "x-user-id": BOT_USER},
            external_id="jC9chsFddTvsbFQG7",
            source=POST_MESSAGE,
        ),
        replay_window_s=None,  # Rocket.Chat dates nothing: replays are de-duplicated
    )
]
