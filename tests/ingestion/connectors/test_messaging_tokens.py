"""Messaging connectors whose callers prove themselves with signed tokens, beyond the documented-
examples table: Discord PING, MessageBird reference vectors, Microsoft Teams and Google Chat
JWTs against published keys."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import jwt
import pytest

from ingestion.connectors.jwt_auth import check_hash_claim, decode_hmac, forget_token
from ingestion.connectors.registry import REGISTRY
from store.errors import BadInput, Unauthorized
from tests.fakes.http_server import serve_app
from tests.fakes.messaging_keys import GOOGLE_CHAT_ISSUER, KEYS
from tests.fakes.recorder import Answer, Recorder
from tests.ingestion.connectors.cases import json_body
from tests.ingestion.connectors.examples import discord as discord_rows
from tests.ingestion.connectors.examples import google_chat as chat_rows
from tests.ingestion.connectors.examples import microsoft_teams as teams_rows
from tests.ingestion.connectors.messaging_support import (
    URL,
    inbound,
    reply,
    send,
    wire,
)


@pytest.fixture
def provider() -> Iterator[tuple[Recorder, str]]:
    recorder = Recorder()
    with serve_app(recorder.app()) as base:
        yield recorder, base


# Discord: the PING handshake is verified before it is answered.


def test_discord_answers_a_signed_ping_and_refuses_a_forged_one() -> None:
    conn = wire("discord", discord_rows.CASES[0].config)
    connector = REGISTRY["discord"].connector()
    body = json_body(discord_rows.PING)
    reply = connector.handshake(conn, inbound(body, discord_rows.sign(body, URL, time.time())))
    assert reply is not None and reply.body == {"type": 1}
    forged = discord_rows.sign(b'{"type":2}', URL, time.time())
    with pytest.raises(Unauthorized):
        connector.handshake(conn, inbound(body, forged))
    command = json_body(discord_rows.COMMAND)
    signed = discord_rows.sign(command, URL, time.time())
    assert connector.handshake(conn, inbound(command, signed)) is None
    assert connector.handshake(conn, inbound(b"", {}, method="GET")) is None


async def test_discord_ignores_other_commands_and_bots_and_refuses_long_replies() -> None:
    conn = wire("discord", discord_rows.CASES[0].config)
    connector = REGISTRY["discord"].connector()
    other = json.loads(json_body(discord_rows.COMMAND))
    other["data"]["name"] = "other"
    bot_member = {"user": {"id": "1", "username": "x", "bot": True}}
    bot = {**discord_rows.COMMAND, "member": bot_member}
    for payload in (other, bot):
        assert await connector.parse(conn, inbound(json_body(payload), {})) == []
    with pytest.raises(BadInput):
        await connector.send(conn, reply(discord_rows.CHANNEL, "x" * 2001))


# MessageBird: tokens from MessageBird's own reference vectors (messagebird-nodejs testdata).

MB_SECRET = "36efdd1aace2e26cd490f0d951138253bef2f7c6d34d18981da781555cc4cebb"
MB_NOW = datetime.fromisoformat("2021-07-05T12:00:00+02:00").timestamp()
MB_URL = "https://example.com/path?bar=1&foo=2"
MB_VALID = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJNZXNzYWdlQmlyZCIsIm5iZiI6MTYyNTQ3OTIwMCwiZXhw"
    "IjoxNjI1NDc5MjYwLCJqdGkiOiI5M2U1NTAwNi1hMGU4LTQ1MjYtYTE5MC1mYTVmZjAwZWExMTYiLCJ1cmxfaGFzaCI6"
    "IjQxZjA1ZjBkZGQwYTIyYWIyMDlhYzQ2ZjQ3YzQ1NzJkOWNlZmEyNTdlZDc0YjI0MDA0YmFlNzUzZWNlNmMyNjAiLCJw"
    "YXlsb2FkX2hhc2giOiJkZmZkNjAyMWJiMmJkNWIwYWY2NzYyOTA4MDllYzNhNTMxOTFkZDgxYzdmNzBhNGIyODY4OGEz"
    "NjIxODI5ODZmIn0._H--TOuYFLpeEH39-rg5E3IHVkjHozBcaKVWPRC5m9I"
)


def _messagebird(token: str, url: str, payload: bytes, now: float) -> None:
    from pydantic import SecretStr

    claims = decode_hmac(
        "messagebird", token, SecretStr(MB_SECRET), algorithms=("HS256",),
        issuer="MessageBird", now=now,
    )  # fmt: skip
    check_hash_claim("messagebird", claims, "url_hash", url)
    check_hash_claim("messagebird", claims, "payload_hash", payload)


def test_messagebird_reference_token_is_accepted_where_and_when_it_was_issued() -> None:
    _messagebird(MB_VALID, MB_URL, b"Hello, World!", MB_NOW)
    with pytest.raises(Unauthorized):  # parameters reordered: another URL
        _messagebird(MB_VALID, "https://example.com/path?foo=2&bar=1", b"Hello, World!", MB_NOW)
    with pytest.raises(Unauthorized):
        _messagebird(MB_VALID, MB_URL, b"Hello, World?", MB_NOW)
    with pytest.raises(Unauthorized):  # exp (nbf + 60 s) long past
        _messagebird(
            MB_VALID, "https://example.com/path?bar=1&foo=2", b"Hello, World!", MB_NOW + 600
        )


def test_messagebird_public_webhook_url_is_what_the_url_hash_is_checked_against() -> None:
    from tests.ingestion.connectors.examples import messagebird as rows

    public = "https://support.example.com/hooks/messagebird?x=1"
    config = {**rows.CASES[0].config, "public_webhook_url": public}
    conn = wire("messagebird", config)
    body = json_body(rows.created("received", "93a1f7ba935c4ee298cb5ef952052ea7"))
    internal = "http://10.0.0.7:8000/api/v1/webhooks/messagebird/1"
    REGISTRY["messagebird"].connector().verify(
        conn, inbound(body, rows.sign(body, public, time.time()), url=internal)
    )
    with pytest.raises(Unauthorized):
        REGISTRY["messagebird"].connector().verify(
            conn, inbound(body, rows.sign(body, internal, time.time()), url=internal)
        )


# Microsoft Teams: Bot Framework tokens are checked against the published, endorsed keys.


def _teams_token(activity: dict[str, Any], kid: str = teams_rows.KID, **changes: Any) -> str:
    now = int(time.time())
    claims = {
        "serviceUrl": activity["serviceUrl"], "iss": "https://api.botframework.com",
        "aud": teams_rows.APP_ID, "nbf": now - 5, "exp": now + 300, **changes,
    }  # fmt: skip
    return "Bearer " + KEYS.sign(claims, kid)


@pytest.mark.parametrize(
    ("kid", "changes", "reason"),
    [
        ("bf-test-key-1", {"aud": "00000000-0000-0000-0000-000000000000"}, "InvalidAudience"),
        ("bf-test-key-1", {"iss": "https://sts.windows.net/attacker/"}, "InvalidIssuer"),
        ("bf-test-key-1", {"exp": int(time.time()) - 900}, "expired"),
        ("bf-test-key-1", {"serviceUrl": "https://attacker.example/"}, "serviceUrl"),
        ("bf-test-key-skype-only", {}, "not endorsed"),  # a real key, for another channel
    ],
)
def test_teams_refuses_tokens_for_another_bot_issuer_time_or_channel(
    kid: str, changes: dict[str, Any], reason: str
) -> None:
    conn = wire("microsoft_teams", teams_rows.CASES[0].config)
    activity = teams_rows.PERSONAL_MESSAGE
    headers = {"authorization": _teams_token(activity, kid, **changes)}
    with pytest.raises(Unauthorized, match=reason):
        REGISTRY["microsoft_teams"].connector().verify(conn, inbound(json_body(activity), headers))


def test_teams_refuses_a_key_the_metadata_does_not_publish() -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    activity = teams_rows.PERSONAL_MESSAGE
    claims = {"serviceUrl": activity["serviceUrl"], "iss": "https://api.botframework.com",
              "aud": teams_rows.APP_ID, "exp": int(time.time()) + 300}  # fmt: skip
    token = jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": teams_rows.KID})
    conn = wire("microsoft_teams", teams_rows.CASES[0].config)
    with pytest.raises(Unauthorized):
        REGISTRY["microsoft_teams"].connector().verify(
            conn, inbound(json_body(activity), {"authorization": f"Bearer {token}"})
        )


async def test_teams_ignores_its_own_echo() -> None:
    conn = wire("microsoft_teams", teams_rows.CASES[0].config)
    echo = {**teams_rows.PERSONAL_MESSAGE, "from": teams_rows.BOT}
    assert (
        await REGISTRY["microsoft_teams"].connector().parse(conn, inbound(json_body(echo), {}))
        == []
    )


async def test_teams_mints_a_new_token_after_the_connector_refuses_one(
    provider: tuple[Recorder, str],
) -> None:
    recorder, base = provider
    token_path = "/botframework.com/oauth2/v2.0/token"
    forget_token(base + token_path, teams_rows.APP_ID, "https://api.botframework.com/.default")
    token = {"access_token": "token-" + uuid.uuid4().hex, "expires_in": 3599}
    recorder.reset(Answer(401, {"error": "expired"}), {token_path: Answer(200, token)})
    thread = f"{teams_rows.SERVICE_URL}|{teams_rows.PERSONAL}|1485983408511"
    config = teams_rows.CASES[0].config
    with pytest.raises(Unauthorized):
        await send(wire("microsoft_teams", config, base), reply(thread))
    recorder.default = Answer(201, {"id": "1485983408512"})
    result = await send(wire("microsoft_teams", config, base), reply(thread))
    assert result.external_id == "1485983408512"
    assert [r.path for r in recorder.requests].count(token_path) == 2


# Google Chat: the token proves the caller, not the body, so it is tested here in full.

CHAT_EVENT = {
    "type": "MESSAGE",
    "eventTime": "2017-03-02T19:02:59.910959Z",
    "space": {
        "name": chat_rows.SPACE,
        "displayName": "Chuck Norris Discussion Room",
        "type": "ROOM",
    },
    "message": {
        "name": f"{chat_rows.SPACE}/messages/CCCCCCCCCCC",
        "sender": {
            "name": "users/12345678901234567890",
            "displayName": "Chris Corgi",
            "avatarUrl": "https://lh3.googleusercontent.com/photo.jpg",
            "email": "chriscorgi@example.com",
        },
        "createTime": "2017-03-02T19:02:59.910959Z",
        "text": "@TestBot Violence is my last option.",
        "argumentText": " Violence is my last option.",
        "thread": {"name": chat_rows.THREAD},
        "annotations": [
            {
                "length": 8,
                "startIndex": 0,
                "type": "USER_MENTION",
                "userMention": {"type": "MENTION", "user": {"name": "users/app"}},
            }
        ],
    },
    "user": {
        "name": "users/12345678901234567890",
        "displayName": "Chris Corgi",
        "email": "chriscorgi@example.com",
    },
}
CHAT_CONFIG = {**chat_rows.CASES[0].config, "jwks_url": KEYS.google_jwks}


def _chat_token(**changes: Any) -> dict[str, str]:
    now = int(time.time())
    claims = {"iss": GOOGLE_CHAT_ISSUER, "aud": chat_rows.PROJECT_NUMBER, "iat": now,
              "exp": now + 3600, **changes}  # fmt: skip
    return {"authorization": "Bearer " + KEYS.sign(claims, "google-chat-key-1")}


async def test_google_chat_message_event_is_verified_and_parsed() -> None:
    conn = wire("google_chat", CHAT_CONFIG)
    connector = REGISTRY["google_chat"].connector()
    incoming = inbound(json_body(CHAT_EVENT), _chat_token())
    connector.verify(conn, incoming)
    [message] = await connector.parse(conn, incoming)
    assert message.external_id == f"{chat_rows.SPACE}/messages/CCCCCCCCCCC"
    assert message.thread_key == chat_rows.THREAD
    assert message.text == "Violence is my last option."
    assert (message.sender.email, message.sender.name) == ("chriscorgi@example.com", "Chris Corgi")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"authorization": "Basic abc"},
        _chat_token(aud="999999999999"),
        _chat_token(iss="someone@example.iam.gserviceaccount.com"),
        _chat_token(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600),
    ],
    ids=["unsigned", "not-bearer", "other-project", "other-issuer", "expired"],
)
def test_google_chat_refuses_tokens_not_meant_for_this_app(headers: dict[str, str]) -> None:
    with pytest.raises(Unauthorized):
        REGISTRY["google_chat"].connector().verify(
            wire("google_chat", CHAT_CONFIG), inbound(json_body(CHAT_EVENT), headers)
        )


async def test_google_chat_ignores_bots_and_space_events() -> None:
    conn = wire("google_chat", CHAT_CONFIG)
    bot = {**CHAT_EVENT, "message": {**CHAT_EVENT["message"], "sender": {"type": "BOT"}}}  # type: ignore[dict-item]
    added = {"type": "ADDED_TO_SPACE", "space": CHAT_EVENT["space"], "user": CHAT_EVENT["user"]}
    for event in (bot, added):
        assert (
            await REGISTRY["google_chat"].connector().parse(conn, inbound(json_body(event), {}))
            == []
        )


async def test_google_chat_reply_with_a_pasted_token_is_idempotent_by_request_id(
    provider: tuple[Recorder, str],
) -> None:
    recorder, base = provider
    created = {"name": f"{chat_rows.SPACE}/messages/EEE", "thread": {"name": chat_rows.THREAD}}
    recorder.reset(Answer(200, created))
    config = {"project_number": chat_rows.PROJECT_NUMBER, "access_token": "ya29.pasted",
              "api_base_url": "{base}"}  # fmt: skip
    message = reply(chat_rows.THREAD)
    result = await send(wire("google_chat", config, base), message)
    [sent] = recorder.requests
    assert sent.headers["authorization"] == "Bearer ya29.pasted"
    assert sent.query["requestId"] == str(message.message_id)
    assert sent.query["messageReplyOption"] == "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"
    assert result.external_id == f"{chat_rows.SPACE}/messages/EEE"


def test_google_chat_config_needs_credentials_it_can_use() -> None:
    with pytest.raises(ValueError):
        REGISTRY["google_chat"].config_model.model_validate({"project_number": "123456789012"})
    with pytest.raises(ValueError):
        REGISTRY["google_chat"].config_model.model_validate(
            {"project_number": "123456789012", "service_account_json": "{not json"}
        )
