"""LINE Messaging API: the documented webhook event objects and a push message.

The signer is LINE's documented scheme: base64(HMAC-SHA256(channel secret, request body)).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

CHANNEL_SECRET = "8c570fa6dd201bb328f1c1eac23a96d8"
ACCESS_TOKEN = "line-channel-access-token"
USER = "U80696558e1aa831a6f2f1e3d8b8b7c6b"
GROUP = "Ca56f94637c2c2d0f5c6e2a1b4c3d2e1f"
WEBHOOK_DOC = "https://developers.line.biz/en/reference/messaging-api/#webhook-event-objects"
SIGNATURE_DOC = "https://developers.line.biz/en/reference/messaging-api/#signature-validation"
PUSH_DOC = "https://developers.line.biz/en/reference/messaging-api/#send-push-message"


def sign(body: bytes, url: str, now: float) -> dict[str, str]:
    mac = hmac.new(CHANNEL_SECRET.encode(), body, hashlib.sha256).digest()
    return {"x-line-signature": base64.b64encode(mac).decode()}


USER_TEXT = {
    "destination": "xxxxxxxxxx",
    "events": [
        {
            "type": "message",
            "message": {"type": "text", "id": "14353798921116", "text": "Hello, world"},
            "timestamp": 1625665242211,
            "source": {"type": "user", "userId": USER},
            "replyToken": "757913772c4646b784d4b7ce46d12671",
            "mode": "active",
            "webhookEventId": "01FZ74A0TDDPYRVKNK77XKC3ZR",
            "deliveryContext": {"isRedelivery": False},
        },
        {
            "type": "follow",
            "timestamp": 1625665242214,
            "source": {"type": "user", "userId": "Ufc729a925b3abef1234567890abcdef0"},
            "replyToken": "bb173f4d9cf64aed9d408ab4e36339ad",
            "mode": "active",
            "webhookEventId": "01FZ74ASS536FW97EX38NKCZQK",
            "deliveryContext": {"isRedelivery": False},
            "follow": {"isUnblocked": False},
        },
    ],
}
GROUP_REDELIVERED = {
    "destination": "xxxxxxxxxx",
    "events": [
        {
            "replyToken": "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA",
            "type": "message",
            "mode": "active",
            "timestamp": 1462629479859,
            "source": {"type": "group", "groupId": GROUP, "userId": USER},
            "webhookEventId": "01FZ74A0TDDPYRVKNK77XKC3ZR",
            "deliveryContext": {"isRedelivery": True},
            "message": {
                "id": "444573844083572737",
                "type": "text",
                "quoteToken": "q3Plxr4AgKd",
                "text": "Good Morning!! My parcel never arrived.",
            },
        }
    ],
}
STANDBY = {
    "destination": "xxxxxxxxxx",
    "events": [{**USER_TEXT["events"][0], "mode": "standby"}],
}

CASES = [
    Case(
        slug="line",
        config={
            "channel_secret": CHANNEL_SECRET,
            "channel_access_token": ACCESS_TOKEN,
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="text-from-user",
                body=json_body(USER_TEXT),
                sign=sign,
                expect={
                    "external_id": "14353798921116",
                    "thread_key": USER,
                    "sender.external_id": USER,
                    "text": "Hello, world",
                    "metadata.webhook_event_id": "01FZ74A0TDDPYRVKNK77XKC3ZR",
                },
                source=WEBHOOK_DOC,
            ),
            Inbound(
                name="redelivered-group-text",
                body=json_body(GROUP_REDELIVERED),
                sign=sign,
                expect={
                    "external_id": "444573844083572737",
                    "thread_key": GROUP,
                    "sender.external_id": USER,
                    "text": "Good Morning!! My parcel never arrived.",
                },
                source=WEBHOOK_DOC,
            ),
            Inbound(
                name="standby-ignored",
                body=json_body(STANDBY),
                sign=sign,
                expect={},
                count=0,
                source="https://developers.line.biz/en/docs/partner-docs/module-technical-chat-control/",
            ),
        ],
        send=Send(
            message={"text": "Your parcel is on its way.", "thread_key": USER},
            method="POST",
            path="/v2/bot/message/push",
            reply={"sentMessages": [{"id": "461230966842064897", "quoteToken": "IStG5h1Tz7b"}]},
            json={"to": USER, "messages": [{"type": "text", "text": "Your parcel is on its way."}]},
            headers={"authorization": f"Bearer {ACCESS_TOKEN}"},
            external_id="461230966842064897",
            source=PUSH_DOC,
        ),
    )
]
