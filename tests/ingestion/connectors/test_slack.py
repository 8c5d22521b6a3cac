"""Slack connector against a fake Slack Web API on loopback: v0 signatures and their replay
window, the signed url_verification handshake, message events to messages (threads, DMs, bots,
retries), chat.postMessage replies through slack_sdk and their errors, and the real route."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from nats.js import JetStreamContext
from pydantic import ValidationError

from ingestion.connectors.capabilities import Connection, OutboundMessage, WebhookRequest
from ingestion.connectors.slack import SlackConfig, SlackConnector
from ingestion.contract import InboundMessage
from store.errors import BadInput, Fatal, Retriable, Unauthorized
from tests.conftest import Tenant
from tests.fakes.http_server import free_port, serve_app
from tests.fakes.slack import (
    BOT_ID,
    BOT_TOKEN,
    BOT_USER,
    SIGNING_SECRET,
    SlackFake,
    event_callback,
    signed_headers,
    url_verification,
)
from tests.jetstream import published


@pytest.fixture
def slack() -> Iterator[tuple[SlackFake, str]]:
    fake = SlackFake()
    with serve_app(fake.app()) as base:
        yield fake, base


def _conn(base: str = "http://127.0.0.1:9", **config: Any) -> Connection:
    values: dict[str, Any] = {
        "signing_secret": SIGNING_SECRET,
        "bot_token": BOT_TOKEN,
        "api_base_url": base,
    }
    values.update(config)
    return Connection(
        integration_id=uuid.uuid4(),
        organization_id=uuid.uuid4(),
        channel="slack",
        config=SlackConfig(**values),
    )


def _request(body: bytes, headers: dict[str, str], method: str = "POST") -> WebhookRequest:
    return WebhookRequest(
        method=method,
        url="https://sb.example/api/v1/webhooks/slack/x",
        headers={k.lower(): v for k, v in headers.items()},
        query={},
        body=body,
    )


async def _deliver(conn: Connection, body: bytes, **extra: str) -> list[InboundMessage]:
    connector = SlackConnector()
    request = _request(body, {**signed_headers(body), **extra})
    connector.verify(conn, request)
    return await connector.parse(conn, request)


def _reply(thread_key: str | None, text: str = "Your order ships today.") -> OutboundMessage:
    return OutboundMessage(
        message_id=uuid.uuid4(), conversation_id=uuid.uuid4(), text=text, thread_key=thread_key
    )


def test_a_signature_is_checked_over_the_timestamp_and_raw_body() -> None:
    connector, conn, body = SlackConnector(), _conn(), event_callback()
    connector.verify(conn, _request(body, signed_headers(body)))
    forged = [
        (body + b" ", signed_headers(body)),
        (body, {}),
        (body, signed_headers(body, secret="0" * 32)),
        (body, {**signed_headers(body), "X-Slack-Request-Timestamp": str(int(time.time()) - 1)}),
        (body, {**signed_headers(body), "X-Slack-Signature": "v1=" + "0" * 64}),
    ]
    for payload, headers in forged:
        with pytest.raises(Unauthorized):
            connector.verify(conn, _request(payload, headers))


def test_a_signature_older_or_newer_than_five_minutes_is_refused() -> None:
    connector, conn, body = SlackConnector(), _conn(), event_callback()
    connector.verify(conn, _request(body, signed_headers(body, at=time.time() - 240)))
    for skew in (-360, 360):
        with pytest.raises(Unauthorized, match="outside"):
            connector.verify(conn, _request(body, signed_headers(body, at=time.time() + skew)))


def test_the_url_verification_challenge_is_answered_only_when_signed() -> None:
    connector, conn, body = SlackConnector(), _conn(), url_verification("c-123")
    reply = connector.handshake(conn, _request(body, signed_headers(body)))
    assert reply is not None and reply.body == "c-123" and reply.media_type == "text/plain"
    for headers in ({}, signed_headers(body, secret="0" * 32), signed_headers(body, at=1e9)):
        with pytest.raises(Unauthorized):
            connector.handshake(conn, _request(body, headers))
    assert connector.handshake(conn, _request(event_callback(), {})) is None
    assert connector.handshake(conn, _request(body, signed_headers(body), "GET")) is None


async def test_a_channel_message_opens_a_thread_keyed_by_its_ts() -> None:
    (message,) = await _deliver(_conn(), event_callback("Where is order 1042?"))
    assert message.external_id == "C123ABC456:1355517523.000005"
    assert message.thread_key == "C123ABC456:1355517523.000005"
    assert message.sender.external_id == "U123ABC456" and message.text == "Where is order 1042?"
    assert message.metadata["team_id"] == "T123ABC456"
    assert message.metadata["event_id"] == "Ev123ABC456"
    assert message.received_at.timestamp() == pytest.approx(1355517523.000005)


async def test_a_thread_reply_joins_its_parents_thread() -> None:
    body = event_callback("Still waiting", ts="1355517600.000100", thread_ts="1355517523.000005")
    (message,) = await _deliver(_conn(), body)
    assert message.external_id == "C123ABC456:1355517600.000100"
    assert message.thread_key == "C123ABC456:1355517523.000005"


async def test_a_direct_message_is_threaded_by_the_dm_itself() -> None:
    body = event_callback("hello", channel="D024BE91L", channel_type="im")
    (message,) = await _deliver(_conn(), body)
    assert message.thread_key == "D024BE91L"


async def test_a_retry_and_the_mention_copy_carry_the_same_external_id() -> None:
    conn, body = _conn(), event_callback("<@U0LAN0Z89> help")
    (first,) = await _deliver(conn, body)
    (retry,) = await _deliver(
        conn, body, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )
    assert retry == first
    mention = event_callback("<@U0LAN0Z89> help", event_type="app_mention", event_id="Ev2")
    (copy,) = await _deliver(conn, mention)
    assert copy.external_id == first.external_id


async def test_bots_echoes_and_changes_are_ignored() -> None:
    conn = _conn(bot_user_id=BOT_USER)
    ignored = [
        event_callback("our reply", user=BOT_USER),
        event_callback("bot", subtype="bot_message", bot_id=BOT_ID, user=None),
        event_callback("app post", bot_id="B0OTHER"),
        event_callback("edited", subtype="message_changed"),
        event_callback("", subtype="channel_join"),
        event_callback("", event_type="reaction_added"),
        event_callback(""),
    ]
    for body in ignored:
        assert await _deliver(conn, body) == [], body
    authorized = json.loads(event_callback("our reply", user="U0OURS"))
    authorized["authorizations"] = [{"team_id": "T1", "user_id": "U0OURS", "is_bot": True}]
    assert await _deliver(_conn(), json.dumps(authorized).encode()) == []
    rate_limited = {
        "token": "x",
        "type": "app_rate_limited",
        "team_id": "T1",
        "minute_rate_limited": 1,
    }
    assert await _deliver(conn, json.dumps(rate_limited).encode()) == []


async def test_a_shared_file_is_kept_as_attachment_metadata() -> None:
    files = [{"id": "F0123", "name": "receipt.pdf", "mimetype": "application/pdf", "size": 2048,
              "url_private": "https://files.slack.com/files-pri/T1-F0123/receipt.pdf"}]  # fmt: skip
    (message,) = await _deliver(
        _conn(), event_callback("see attached", subtype="file_share", files=files)
    )
    (attachment,) = message.attachments
    assert attachment.filename == "receipt.pdf" and attachment.size == 2048
    assert attachment.ref == files[0]["url_private"]


async def test_a_malformed_body_after_a_valid_signature_is_bad_input() -> None:
    conn = _conn()
    for body in (b"not json", b"[]", json.dumps({"type": "event_callback"}).encode(),
                 event_callback(channel=None)):  # fmt: skip
        with pytest.raises(BadInput):
            await _deliver(conn, body)


async def test_a_reply_goes_into_the_thread_with_slack_markup_escaped(
    slack: tuple[SlackFake, str],
) -> None:
    fake, base = slack
    result = await SlackConnector().send(
        _conn(base), _reply("C123ABC456:1355517523.000005", "Use <code> & wait")
    )
    (posted,) = fake.posted
    assert posted == {"channel": "C123ABC456", "thread_ts": "1355517523.000005",
                      "text": "Use &lt;code&gt; &amp; wait"}  # fmt: skip
    assert result.external_id.startswith("C123ABC456:")
    assert result.thread_key == "C123ABC456:1355517523.000005"


async def test_a_reply_in_a_dm_is_posted_without_a_thread(slack: tuple[SlackFake, str]) -> None:
    fake, base = slack
    result = await SlackConnector().send(_conn(base), _reply("D024BE91L"))
    assert "thread_ts" not in fake.posted[0] and result.thread_key == "D024BE91L"
    for bad in (None, "not a channel", "C123ABC456:yesterday"):
        with pytest.raises(BadInput):
            await SlackConnector().send(_conn(base), _reply(bad))


async def test_send_errors_map_to_the_callers_action(slack: tuple[SlackFake, str]) -> None:
    fake, base = slack
    conn, connector, thread = _conn(base), SlackConnector(), "C123ABC456:1355517523.000005"
    fake.fail_next.append((429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "9"}))
    with pytest.raises(Retriable) as limited:
        await connector.send(conn, _reply(thread))
    assert limited.value.retry_after == 9
    outcomes: list[tuple[int, dict[str, Any], type[Exception]]] = [
        (200, {"ok": False, "error": "invalid_auth"}, Unauthorized),
        (200, {"ok": False, "error": "token_revoked"}, Unauthorized),
        (200, {"ok": False, "error": "channel_not_found"}, BadInput),
        (200, {"ok": False, "error": "missing_scope"}, Fatal),
        (200, {"ok": False, "error": "fatal_error"}, Retriable),
        (500, {"ok": False, "error": "internal_error"}, Retriable),
    ]
    for status, body, error in outcomes:
        fake.fail_next.append((status, body, {}))
        with pytest.raises(error):
            await connector.send(conn, _reply(thread))
    with pytest.raises(BadInput):  # the bot was never invited to that channel
        await connector.send(conn, _reply("C0NOTHERE:1355517523.000005"))
    with pytest.raises(Unauthorized):
        await connector.send(_conn(base, bot_token="xoxb-revoked-token"), _reply(thread))
    with pytest.raises(Retriable):
        await connector.send(_conn(f"http://127.0.0.1:{free_port()}"), _reply(thread))
    assert fake.posted == []


async def test_the_health_check_runs_auth_test(slack: tuple[SlackFake, str]) -> None:
    _, base = slack
    assert BOT_USER in await SlackConnector().check(_conn(base, bot_user_id=BOT_USER))
    with pytest.raises(BadInput):
        await SlackConnector().check(_conn(base, bot_user_id="U0SOMEONE"))


@pytest.mark.parametrize(
    "config",
    [{"bot_token": "xoxp-user-token"}, {"signing_secret": "short"}, {"bot_user_id": "bot"}],
)
def test_config_refuses_what_slack_would_not_issue(config: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        SlackConfig(**{"signing_secret": SIGNING_SECRET, "bot_token": BOT_TOKEN, **config})


async def _published(js: JetStreamContext, tenant: Tenant) -> list[dict[str, Any]]:
    return await published(js, tenant.org_id, "slack")


async def test_the_webhook_route_verifies_answers_the_challenge_and_dedupes_retries(
    client: httpx.AsyncClient, tenant: Tenant, js: JetStreamContext
) -> None:
    made = await client.post(
        "/api/v1/integrations",
        headers=tenant.headers,
        json={
            "name": "Slack",
            "type": "slack",
            "config": {"signing_secret": SIGNING_SECRET, "bot_token": BOT_TOKEN},
        },
    )
    assert made.status_code == 201, made.text
    url = f"/api/v1/webhooks/slack/{made.json()['id']}"
    challenge = url_verification("c-42")
    assert (await client.post(url, content=challenge)).status_code == 401
    answered = await client.post(url, content=challenge, headers=signed_headers(challenge))
    assert answered.status_code == 200 and answered.text == "c-42"
    assert answered.headers["content-type"].startswith("text/plain")

    body = event_callback("My card was charged twice")
    forged = signed_headers(body, secret="0" * 32)
    assert (await client.post(url, content=body, headers=forged)).status_code == 401
    stale = signed_headers(body, at=time.time() - 360)
    assert (await client.post(url, content=body, headers=stale)).status_code == 401
    assert await _published(js, tenant) == []
    first = await client.post(url, content=body, headers=signed_headers(body))
    retry = {
        **signed_headers(body),
        "X-Slack-Retry-Num": "1",
        "X-Slack-Retry-Reason": "http_timeout",
    }
    again = await client.post(url, content=body, headers=retry)
    assert first.status_code == again.status_code == 200 and first.json() == {"accepted": 1}
    (message,) = await _published(js, tenant)
    assert message["external_id"] == "C123ABC456:1355517523.000005"
    assert message["text"] == "My card was charged twice"
