"""Slack Events API: the documented event payloads, signed with Slack's v0 scheme through the
official SDK (slack_sdk.signature.SignatureVerifier), and a chat.postMessage reply."""

from __future__ import annotations

import json

from slack_sdk.signature import SignatureVerifier

from tests.ingestion.connectors.cases import Case, Inbound, Send

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
MESSAGE_CHANNELS = "https://api.slack.com/events/message.channels"
APP_MENTION = "https://api.slack.com/events/app_mention"
URL_VERIFICATION = "https://api.slack.com/events/url_verification"
POST_MESSAGE = "https://api.slack.com/methods/chat.postMessage"


def slack_signature(body: bytes, url: str, now: float) -> dict[str, str]:
    """Slack's request signing (v0), computed by Slack's own SDK."""
    timestamp = str(int(now))
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}


# Verbatim from the message.channels page (shown in the standard Events API wrapper).
MESSAGE = b"""{
    "token": "one-long-verification-token",
    "team_id": "T123ABC456",
    "api_app_id": "A123ABC456",
    "event": {
        "type": "message",
        "channel": "C123ABC456",
        "user": "U123ABC456",
        "text": "Live long and prospect.",
        "ts": "1355517523.000005",
        "event_ts": "1355517523.000005",
        "channel_type": "channel"
    },
    "type": "event_callback",
    "authed_teams": [
        "T123ABC456"
    ],
    "event_id": "Ev123ABC456",
    "event_time": 1355517523
}"""

# The app_mention page's event, verbatim, in the same documented wrapper.
MENTION = {
    "token": "one-long-verification-token",
    "team_id": "T123ABC456",
    "api_app_id": "A123ABC456",
    "event": {
        "type": "app_mention",
        "user": "U061F7AUR",
        "text": "<@U0LAN0Z89> is it everything a river should be?",
        "ts": "1515449522.000016",
        "channel": "C123ABC456",
        "event_ts": "1515449522000016",
    },
    "type": "event_callback",
    "authed_teams": ["T123ABC456"],
    "event_id": "Ev123ABC457",
    "event_time": 1515449522,
}

# Verbatim from the url_verification page: answered by the handshake, never a message.
CHALLENGE = b"""{
    "token": "Jhj5dZrVaK7ZwHHjRyZWjbDl",
    "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
    "type": "url_verification"
}"""

# Verbatim from the chat.postMessage page ("Typical success response").
POSTED = {
    "ok": True,
    "channel": "C1H9RESGL",
    "ts": "1503435956.000247",
    "message": {
        "text": "Here's a message for you",
        "username": "ecto1",
        "bot_id": "B19LU7CSY",
        "attachments": [
            {
                "text": "This is an attachment",
                "id": 1,
                "fallback": "This is an attachment's fallback",
            }
        ],
        "type": "message",
        "subtype": "bot_message",
        "ts": "1503435956.000247",
    },
}

CASES = [
    Case(
        slug="slack",
        config={
            "signing_secret": SIGNING_SECRET,
            "bot_token": BOT_TOKEN,
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="message.channels",
                body=MESSAGE,
                sign=slack_signature,
                expect={
                    "external_id": "C123ABC456:1355517523.000005",
                    "thread_key": "C123ABC456:1355517523.000005",
                    "sender.external_id": "U123ABC456",
                    "text": "Live long and prospect.",
                    "metadata.team_id": "T123ABC456",
                    "metadata.event_id": "Ev123ABC456",
                },
                source=MESSAGE_CHANNELS,
            ),
            Inbound(
                name="app_mention",
                body=json.dumps(MENTION, indent=4).encode(),
                sign=slack_signature,
                expect={
                    "external_id": "C123ABC456:1515449522.000016",
                    "thread_key": "C123ABC456:1515449522.000016",
                    "sender.external_id": "U061F7AUR",
                    "text": "<@U0LAN0Z89> is it everything a river should be?",
                    "metadata.event_type": "app_mention",
                },
                source=APP_MENTION,
            ),
            Inbound(
                name="url_verification",
                body=CHALLENGE,
                sign=slack_signature,
                expect={},
                count=0,
                source=URL_VERIFICATION,
            ),
        ],
        send=Send(
            message={
                "text": "Your order ships today.",
                "thread_key": "C123ABC456:1355517523.000005",
            },
            method="POST",
            path="/api/chat.postMessage",
            json={
                "channel": "C123ABC456",
                "thread_ts": "1355517523.000005",
                "text": "Your order ships today.",
            },
            headers={"authorization": f"Bearer {BOT_TOKEN}"},
            reply=POSTED,
            external_id="C1H9RESGL:1503435956.000247",
            source=POST_MESSAGE,
        ),
        replay_window_s=300,
    )
]
