"""Discord interactions: the documented interaction objects (PING, slash command) and a reply.

The signer is Discord's documented scheme with a test Ed25519 key (cryptography): the signature
covers `X-Signature-Timestamp` + body. Discord names no window; the connector takes 5 minutes.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

PRIVATE_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PUBLIC_KEY = PRIVATE_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
BOT_TOKEN = "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs"
APPLICATION_ID = "771825006014889984"
CHANNEL = "645027906669510667"
SECURITY_DOC = (
    "https://discord.com/developers/docs/interactions/receiving-and-responding"
    "#security-and-authorization"
)
INTERACTION_DOC = (
    "https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object"
)
SEND_DOC = "https://discord.com/developers/docs/resources/message#create-message"


def sign(body: bytes, url: str, now: float) -> dict[str, str]:
    stamp = str(int(now))
    signature = PRIVATE_KEY.sign(stamp.encode() + body).hex()
    return {"x-signature-ed25519": signature, "x-signature-timestamp": stamp}


COMMAND = {
    "type": 2,
    "token": "A_UNIQUE_TOKEN",
    "member": {
        "user": {
            "id": "53908232506183680",
            "username": "Mason",
            "avatar": "a_d5efa99b3eeaa7dd43acca82f5692432",
            "discriminator": "1337",
            "public_flags": 131141,
        },
        "roles": ["539082325061836999"],
        "premium_since": None,
        "permissions": "2147483647",
        "pending": False,
        "nick": None,
        "mute": False,
        "joined_at": "2017-03-13T19:19:14.040000+00:00",
        "is_pending": False,
        "deaf": False,
    },
    "id": "786008729715212338",
    "guild_id": "290926798626357999",
    "app_permissions": "442368",
    "guild_locale": "en-US",
    "locale": "en-US",
    "data": {
        "options": [{"type": 3, "name": "cardname", "value": "The Gitrog Monster"}],
        "type": 1,
        "name": "cardsearch",
        "id": "771825006014889984",
    },
    "channel_id": CHANNEL,
}
PING = {
    "type": 1,
    "id": "786008729715212339",
    "application_id": APPLICATION_ID,
    "token": "A_UNIQUE_TOKEN",
    "version": 1,
}

CASES = [
    Case(
        slug="discord",
        config={
            "application_id": APPLICATION_ID,
            "public_key": PUBLIC_KEY,
            "bot_token": BOT_TOKEN,
            "command_name": "cardsearch",
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="slash-command",
                body=json_body(COMMAND),
                sign=sign,
                expect={
                    "external_id": "786008729715212338",
                    "thread_key": CHANNEL,
                    "sender.external_id": "53908232506183680",
                    "sender.name": "Mason",
                    "text": "The Gitrog Monster",
                },
                source=INTERACTION_DOC,
            ),
            Inbound(
                name="ping-no-message",
                body=json_body(PING),
                sign=sign,
                expect={},
                count=0,
                source=SECURITY_DOC,
            ),
        ],
        send=Send(
            message={"text": "Found it: we will restock next week.", "thread_key": CHANNEL},
            method="POST",
            path=f"/api/v10/channels/{CHANNEL}/messages",
            reply={
                "id": "1187351224281067530",
                "type": 0,
                "content": "Found it: we will restock next week.",
                "channel_id": CHANNEL,
                "author": {"id": APPLICATION_ID, "username": "Acme", "bot": True},
                "attachments": [],
                "embeds": [],
                "mentions": [],
                "mention_roles": [],
                "pinned": False,
                "mention_everyone": False,
                "tts": False,
                "timestamp": "2023-12-20T11:31:43.716000+00:00",
                "edited_timestamp": None,
                "flags": 0,
                "components": [],
            },
            json={"content": "Found it: we will restock next week.", "enforce_nonce": True},
            headers={"authorization": f"Bot {BOT_TOKEN}"},
            external_id="1187351224281067530",
            source=SEND_DOC,
        ),
        replay_window_s=300,
    )
]
