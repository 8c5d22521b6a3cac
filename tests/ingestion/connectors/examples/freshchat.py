"""Freshchat: the documented `message_create` webhook payloads (the current `message_parts` and
the earlier `msg_parts` shapes), signed as Freshchat documents (`X-Freshchat-Signature`: base64
RSA-SHA256 of the body, checked with the account's public key), and the documented
`POST /v2/conversations/{id}/messages`."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

PAYLOAD_DOC = "https://support.freshchat.com/support/solutions/articles/239404-freshchat-webhooks-payload-structure-and-authentication"
SEND_DOC = "https://developers.freshchat.com/api/#send_message_to_conversation"

# Freshchat keeps the private key; the test plays Freshchat with a key pair of its own.
PRIVATE_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUBLIC_PEM = (
    PRIVATE_KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
    .decode()
)


def sign(body: bytes, url: str, now: float) -> dict[str, str]:
    signature = PRIVATE_KEY.sign(body, padding.PKCS1v15(), hashes.SHA256())
    return {
        "x-freshchat-signature": base64.b64encode(signature).decode(),
        "x-freshchat-payload-version": "1",
        "x-retry-count": "0",
    }


USER_MESSAGE = json_body(
    {
        "actor": {"actor_type": "user", "actor_id": "9047e655-1e83-463e-b1b6-4a44beb1f07f"},
        "action": "message_create",
        "action_time": "2022-11-22T10:55:20.126Z",
        "data": {
            "message": {
                "message_parts": [{"text": {"content": "My card was charged twice."}}],
                "app_id": "c6ec783e-4c89-490a-bbbc-32c97e2a8c3d",
                "actor_id": "9047e655-1e83-463e-b1b6-4a44beb1f07f",
                "id": "b834cd45-c463-4644-b254-be920924a997",
                "channel_id": "304d0a73-5135-4be6-9df3-7a4aa2a0d855",
                "conversation_id": "35e80ec8-c697-42e4-8ce9-a47a050b1d1a",
                "interaction_id": "681406910844650-1669114522220",
                "message_type": "normal",
                "actor_type": "user",
                "created_time": "2022-11-22T10:55:20.126Z",
                "user_id": "9047e655-1e83-463e-b1b6-4a44beb1f07f",
            }
        },
    }
)
LEGACY_USER_MESSAGE = json_body(
    {
        "actor": {"actor_type": "user", "actor_id": "dbec0910-b4d6-4d81-8015-81f560a918de"},
        "action": "message_create",
        "action_time": "2018-10-19T10:16:08.013Z",
        "data": {
            "message": {
                "msg_parts": [
                    {"properties": {"text": "USER MESSAGE - from postman"}, "part_type": "text"}
                ],
                "app_id": "11de8840-6ce8-48ac-a418-7c2ae81a1b57",
                "user_id": "dbec0910-b4d6-4d81-8015-81f560a918de",
                "id": "ec0d0db6-55cc-46c7-aaa3-86ad1d9f8e39",
                "channel_id": "5c4d5425-e0e4-47be-a77d-cf81b9d34803",
                "conversation_id": "11de8840-6ce8-48ac-a418-7c2ae81a1b57_"
                "dbec0910-b4d6-4d81-8015-81f560a918de_feedback",
                "message_type": "normal",
                "actor_type": "user",
                "created_time": "2018-10-19T10:16:07.973Z",
            }
        },
    }
)
AGENT_MESSAGE = json_body(
    {
        "actor": {"actor_type": "agent", "actor_id": "fba1873d-67d6-4d63-be97-53b29ae1e42a"},
        "action": "message_create",
        "action_time": "2021-08-17T08:06:22.824Z",
        "data": {
            "message": {
                "message_parts": [{"text": {"content": "hello"}}],
                "app_id": "a1553a5a-9eed-48e8-9fc7-9106080f509d",
                "actor_id": "fba1873d-67d6-4d63-be97-53b29ae1e42a",
                "org_actor_id": "345162432277281455",
                "id": "6896afdc-23bc-45cc-8bfe-d5ecfbab6dc1",
                "channel_id": "eaee3077-7e72-475d-bd5c-9eeed4262995",
                "conversation_id": "ac2175df14d36caf64e9a578fad89070",
                "interaction_id": "515435468500047-1628507537000",
                "message_type": "normal",
                "actor_type": "agent",
                "created_time": "2021-08-17T08:06:22.803Z",
                "user_id": "Denise_aliasc26ddeed24ad9e8b19a68eb119d6e37c",
                "message_source": "web",
            }
        },
    }
)
REPLY = {
    "message_parts": [{"text": {"content": "We have refunded the duplicate charge."}}],
    "app_id": "c6ec783e-4c89-490a-bbbc-32c97e2a8c3d",
    "actor_id": "1b8d2418-89a3-4de6-b93c-9f6557f13d04",
    "id": "a834cd45-c463-4644-b254-be920924a998",
    "channel_id": "304d0a73-5135-4be6-9df3-7a4aa2a0d855",
    "conversation_id": "35e80ec8-c697-42e4-8ce9-a47a050b1d1a",
    "message_type": "normal",
    "actor_type": "agent",
    "created_time": "2022-11-22T10:55:23.126Z",
}

CASES = [
    Case(
        slug="freshchat",
        config={
            "domain": "acme.freshchat.com",
            "api_key": "freshchat-api-key",
            "webhook_public_key": PUBLIC_PEM,
            "agent_id": "1b8d2418-89a3-4de6-b93c-9f6557f13d04",
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="message_create_user",
                body=USER_MESSAGE,
                sign=sign,
                expect={
                    "external_id": "b834cd45-c463-4644-b254-be920924a997",
                    "thread_key": "35e80ec8-c697-42e4-8ce9-a47a050b1d1a",
                    "text": "My card was charged twice.",
                    "sender.external_id": "9047e655-1e83-463e-b1b6-4a44beb1f07f",
                },
                source=PAYLOAD_DOC,
            ),
            Inbound(
                name="message_create_user_msg_parts",
                body=LEGACY_USER_MESSAGE,
                sign=sign,
                expect={
                    "external_id": "ec0d0db6-55cc-46c7-aaa3-86ad1d9f8e39",
                    "text": "USER MESSAGE - from postman",
                },
                source=PAYLOAD_DOC,
            ),
            Inbound(
                name="message_create_agent_ignored",
                body=AGENT_MESSAGE,
                sign=sign,
                expect={},
                count=0,
                source=PAYLOAD_DOC,
            ),
        ],
        send=Send(
            message={
                "text": "We have refunded the duplicate charge.",
                "thread_key": "35e80ec8-c697-42e4-8ce9-a47a050b1d1a",
            },
            method="POST",
            path="/v2/conversations/35e80ec8-c697-42e4-8ce9-a47a050b1d1a/messages",
            reply=REPLY,
            json={
                "message_parts": [{"text": {"content": "We have refunded the duplicate charge."}}],
                "message_type": "normal",
                "actor_type": "agent",
                "actor_id": "1b8d2418-89a3-4de6-b93c-9f6557f13d04",
            },
            headers={"authorization": "Bearer freshchat-api-key"},
            external_id="a834cd45-c463-4644-b254-be920924a998",
            source=SEND_DOC,
        ),
    )
]
