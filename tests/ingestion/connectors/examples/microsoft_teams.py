"""Microsoft Teams (Bot Framework): documented Activities, a Bot Connector token, and a reply.

The table's signer issues what the Bot Framework would: an RS256 JWT (a test RSA key whose
public JWK, endorsed for `msteams`, the fake OpenID metadata publishes) with `iss`
https://api.botframework.com, `aud` the app id, `serviceUrl` the Activity's, five minutes of
life. The token does not sign the body, so the table's tamper changes what it does bind: the
Activity's `serviceUrl`.
"""

from __future__ import annotations

from tests.fakes.messaging_keys import BOT_FRAMEWORK_ISSUER, KEYS
from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

APP_ID = "c9e8c047-2a74-40a2-b28a-b162d5f5327c"
APP_PASSWORD = "bot-client-secret~value"
KID = "bf-test-key-1"
SERVICE_URL = "https://smba.trafficmanager.net/amer/"
PERSONAL = (
    "a:17I0kl8EkpE1O9PH5TWrzrLNwnWWcfrU7QZjKR0WSfOpzbfcAg2IaydGElSo10tVr4C7Fc6GtieTJX663WuJCc1"
    "uA83n4CSrHSgGBj5XNYLcVlJAs2ZX8DbYBPck201w-"
)
CHANNEL = "19:4f7b5f5c5bda4ff9a1f6e6d7c8b9a0e1@thread.tacv2;messageid=1481567603816"
LEARN = "https://learn.microsoft.com/en-us"
AUTH_DOC = f"{LEARN}/azure/bot-service/rest-api/bot-framework-rest-connector-authentication"
ACTIVITY_DOC = (
    f"{LEARN}/microsoftteams/platform/resources/bot-v3/bot-conversations/bots-conversations"
)
REPLY_DOC = (
    f"{LEARN}/azure/bot-service/rest-api/bot-framework-rest-connector-send-and-receive-messages"
    "#reply-to-a-message"
)


def sign(body: bytes, url: str, now: float) -> dict[str, str]:
    import json

    KEYS.key(KID, endorsements=["msteams", "webchat"])
    claims = {
        "serviceUrl": json.loads(body)["serviceUrl"],
        "iss": BOT_FRAMEWORK_ISSUER,
        "aud": APP_ID,
        "nbf": int(now) - 5,
        "exp": int(now) + 300,
    }
    return {"authorization": "Bearer " + KEYS.sign(claims, KID)}


def other_service_url(body: bytes) -> bytes:
    return body.replace(b"smba.trafficmanager.net", b"smba.attacker.example")


BOT = {"id": f"28:{APP_ID}", "name": "Teams TestBot"}
USER = {
    "id": "29:1XJKJMvc5GBtc2JwZq0oj8tHZmzrQgFmB39ATiQWA85gQtHieVkKilBZ9XHoq9j7Zaqt7CZ-NJWi7me2k"
    "HTL3Bw",
    "name": "Megan Bowen",
    "aadObjectId": "7faf080d-9b3c-4a58-9d27-d5f4a6c2e1b0",
}
PERSONAL_MESSAGE = {
    "type": "message",
    "id": "1485983408511",
    "timestamp": "2017-02-01T21:10:07.437Z",
    "localTimestamp": "2017-02-01T14:10:07.437-07:00",
    "serviceUrl": SERVICE_URL,
    "channelId": "msteams",
    "from": USER,
    "conversation": {
        "conversationType": "personal",
        "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "id": PERSONAL,
    },
    "recipient": BOT,
    "textFormat": "plain",
    "text": "Hello, my order has not arrived",
    "entities": [
        {
            "locale": "en-US",
            "country": "US",
            "platform": "Windows",
            "timezone": "America/Los_Angeles",
            "type": "clientInfo",
        }
    ],
    "channelData": {"tenant": {"id": "72f988bf-86f1-41af-91ab-2d7cd011db47"}},
    "locale": "en-US",
}
CHANNEL_MENTION = {
    **PERSONAL_MESSAGE,
    "id": "1481567603816",
    "conversation": {"isGroup": True, "conversationType": "channel", "id": CHANNEL},
    "text": "<at>Teams TestBot</at> can someone check invoice 42?",
    "entities": [{"type": "mention", "mentioned": BOT, "text": "<at>Teams TestBot</at>"}],
}
CONVERSATION_UPDATE = {
    "type": "conversationUpdate",
    "id": "f:5e1c6e3a",
    "timestamp": "2017-02-01T21:10:07.437Z",
    "serviceUrl": SERVICE_URL,
    "channelId": "msteams",
    "from": USER,
    "conversation": {"conversationType": "personal", "id": PERSONAL},
    "recipient": BOT,
    "membersAdded": [BOT],
}

CASES = [
    Case(
        slug="microsoft_teams",
        config={
            "app_id": APP_ID,
            "app_password": APP_PASSWORD,
            "openid_metadata_url": KEYS.bot_framework_metadata,
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="personal-message",
                body=json_body(PERSONAL_MESSAGE),
                sign=sign,
                tamper=other_service_url,
                expect={
                    "external_id": "1485983408511",
                    "thread_key": f"{SERVICE_URL}|{PERSONAL}|1485983408511",
                    "sender.external_id": USER["aadObjectId"],
                    "sender.name": "Megan Bowen",
                    "text": "Hello, my order has not arrived",
                },
                source=ACTIVITY_DOC,
            ),
            Inbound(
                name="channel-mention",
                body=json_body(CHANNEL_MENTION),
                sign=sign,
                tamper=other_service_url,
                expect={
                    "external_id": "1481567603816",
                    "thread_key": f"{SERVICE_URL}|{CHANNEL}|1481567603816",
                    "text": "can someone check invoice 42?",
                },
                source=ACTIVITY_DOC,
            ),
            Inbound(
                name="conversation-update-ignored",
                body=json_body(CONVERSATION_UPDATE),
                sign=sign,
                tamper=other_service_url,
                expect={},
                count=0,
                source=ACTIVITY_DOC,
            ),
        ],
        send=Send(
            message={
                "text": "It ships tomorrow.",
                "thread_key": f"{SERVICE_URL}|{PERSONAL}|1485983408511",
            },
            method="POST",
            path=f"/amer/v3/conversations/{PERSONAL}/activities/1485983408511",
            reply={"id": "1485983408512"},
            reply_status=201,
            json={"type": "message", "text": "It ships tomorrow.", "replyToId": "1485983408511"},
            headers={"authorization": "Bearer eyJ0eXAiOiJKV1QiLCJhbGciOi-test-bot-token"},
            external_id="1485983408512",
            other_replies={
                "/botframework.com/oauth2/v2.0/token": {
                    "token_type": "Bearer",
                    "expires_in": 3599,
                    "ext_expires_in": 3599,
                    "access_token": "eyJ0eXAiOiJKV1QiLCJhbGciOi-test-bot-token",
                }
            },
            source=REPLY_DOC,
        ),
        # The signer's tokens live five minutes; the connector allows five minutes of skew.
        replay_window_s=600,
    )
]
