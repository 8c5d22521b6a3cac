"""Telegram connector against a fake Bot API on loopback: secret-token webhooks, Updates to
messages, sendMessage replies and errors, setWebhook registration, and the real webhook route."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from nats.js import JetStreamContext
from pydantic import SecretStr, ValidationError

from api.runtime import Runtime
from ingestion.connections import Connections
from ingestion.connectors.capabilities import Connection, OutboundMessage, WebhookRequest
from ingestion.connectors.telegram import SPEC, TelegramConfig, TelegramConnector
from ingestion.contract import InboundMessage
from ingestion.pollers import PollerRunner
from store.errors import BadInput, Retriable, Unauthorized
from store.tables import Integration
from tests.conftest import Tenant
from tests.fakes.http_server import free_port, serve_app
from tests.fakes.telegram import (
    CUSTOMER,
    SECRET,
    TOKEN,
    Failure,
    TelegramFake,
    secret_headers,
    update,
)
from tests.ingestion.conftest import make_org
from tests.jetstream import published


@pytest.fixture
def telegram() -> Iterator[tuple[TelegramFake, str]]:
    fake = TelegramFake()
    with serve_app(fake.app()) as base:
        yield fake, base


def _conn(base: str = "http://127.0.0.1:9", **config: Any) -> Connection:
    values: dict[str, Any] = {"bot_token": TOKEN, "secret_token": SECRET, "api_base_url": base}
    values.update(config)
    return Connection(
        integration_id=uuid.uuid4(),
        organization_id=uuid.uuid4(),
        channel="telegram",
        config=TelegramConfig(**values),
    )


def _request(payload: dict[str, Any] | bytes, headers: dict[str, str]) -> WebhookRequest:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return WebhookRequest(
        method="POST",
        url="https://sb.example/api/v1/webhooks/telegram/x",
        headers={k.lower(): v for k, v in headers.items()},
        query={},
        body=body,
    )


async def _deliver(conn: Connection, payload: dict[str, Any] | bytes) -> list[InboundMessage]:
    connector = TelegramConnector()
    request = _request(payload, secret_headers())
    connector.verify(conn, request)
    return await connector.parse(conn, request)


def _reply(text: str = "Your order ships today.", **fields: Any) -> OutboundMessage:
    values: dict[str, Any] = {"thread_key": "1111111", "in_reply_to_external_id": "1111111:1365"}
    values.update(fields)
    return OutboundMessage(
        message_id=uuid.uuid4(), conversation_id=uuid.uuid4(), text=text, **values
    )


def test_the_secret_token_header_is_required_and_compared() -> None:
    connector, conn, body = TelegramConnector(), _conn(), update()
    connector.verify(conn, _request(body, secret_headers()))
    for headers in ({}, secret_headers("another-secret"), secret_headers(SECRET + "x")):
        with pytest.raises(Unauthorized):
            connector.verify(conn, _request(body, headers))


async def test_a_replayed_update_passes_verify_and_keeps_its_external_id() -> None:
    conn = _conn()
    first, again = await _deliver(conn, update()), await _deliver(conn, update())
    assert first[0].external_id == again[0].external_id == "1111111:1365"


async def test_a_private_message_becomes_one_inbound_message() -> None:
    (message,) = await _deliver(_conn(), update("Where is my order 1042?", update_id=77))
    assert message.thread_key == "1111111" and message.text == "Where is my order 1042?"
    assert message.sender.external_id == "1111111"
    assert message.sender.name == "Test Firstname Test Lastname"
    assert message.metadata["update_id"] == 77 and message.metadata["username"] == "Testusername"
    assert message.raw_ref == "telegram:update/77"


async def test_a_group_message_is_threaded_by_the_group_chat() -> None:
    group = {"id": -1001234567890, "title": "Acme support", "type": "supergroup"}
    reply_to = {"message_id": 40, "date": 1441645000, "chat": group, "text": "hi"}
    (message,) = await _deliver(
        _conn(), update("Any news?", chat=group, message_id=41, reply_to_message=reply_to)
    )
    assert message.external_id == "-1001234567890:41"
    assert message.thread_key == "-1001234567890"
    assert message.metadata["chat_title"] == "Acme support"
    assert message.metadata["reply_to"] == "-1001234567890:40"


async def test_a_photo_with_a_caption_keeps_the_caption_and_the_largest_size() -> None:
    sizes = [
        {"file_id": "small", "file_unique_id": "s", "width": 90, "height": 60, "file_size": 1200},
        {
            "file_id": "large",
            "file_unique_id": "l",
            "width": 1280,
            "height": 853,
            "file_size": 90000,
        },
    ]
    (message,) = await _deliver(_conn(), update(None, photo=sizes, caption="Broken on arrival"))
    assert message.text == "Broken on arrival"
    (photo,) = message.attachments
    assert photo.ref == "telegram:file/large" and photo.size == 90000
    assert photo.content_type == "image/jpeg"


async def test_a_document_is_kept_as_attachment_metadata() -> None:
    document = {"file_id": "AwADBAADbXXXXXXXXXXXGBdhD2l6_XX", "file_name": "Testfile.pdf",
                "mime_type": "application/pdf", "file_size": 536392}  # fmt: skip
    (message,) = await _deliver(_conn(), update(None, document=document))
    (attachment,) = message.attachments
    assert attachment.filename == "Testfile.pdf" and attachment.content_type == "application/pdf"
    assert attachment.ref == "telegram:file/AwADBAADbXXXXXXXXXXXGBdhD2l6_XX"
    assert attachment.size == 536392 and message.text == ""


async def test_an_edit_is_a_new_message_that_names_the_original() -> None:
    edited = update("Order 1043, not 1042", kind="edited_message", edit_date=1441646600)
    (message,) = await _deliver(_conn(), edited)
    assert message.external_id == "1111111:1365:edited:1441646600"
    assert message.thread_key == "1111111" and message.metadata["edited_of"] == "1111111:1365"
    assert message.received_at.timestamp() == 1441646600


async def test_bots_channel_posts_and_service_messages_are_ignored() -> None:
    conn = _conn()
    bot = {**CUSTOMER, "id": 5555, "is_bot": True, "first_name": "OtherBot"}
    assert await _deliver(conn, update(sender=bot)) == []
    channel = {"id": -100777, "title": "News", "type": "channel"}
    post = {
        "update_id": 1,
        "channel_post": {"message_id": 3, "chat": channel, "date": 1, "text": "x"},
    }
    assert await _deliver(conn, post) == []
    joined = update(None, new_chat_members=[{"id": 42, "is_bot": False, "first_name": "New"}])
    assert await _deliver(conn, joined) == []
    assert await _deliver(conn, {"update_id": 2, "callback_query": {"id": "1"}}) == []


async def test_a_malformed_body_after_a_valid_token_is_bad_input() -> None:
    conn = _conn()
    for body in (b"not json", b"[]", json.dumps({"message": {}}).encode()):
        with pytest.raises(BadInput):
            await _deliver(conn, body)


async def test_a_reply_answers_the_customers_message_in_the_chat(
    telegram: tuple[TelegramFake, str],
) -> None:
    fake, base = telegram
    result = await SPEC.connector().send(_conn(base), _reply())
    (sent,) = fake.sent
    assert sent["chat_id"] == 1111111 and sent["text"] == "Your order ships today."
    assert sent["reply_parameters"] == {"message_id": 1365, "allow_sending_without_reply": True}
    assert result.external_id == "1111111:2001" and result.thread_key == "1111111"


async def test_a_reply_without_a_thread_uses_the_customer_and_a_long_one_is_split(
    telegram: tuple[TelegramFake, str],
) -> None:
    fake, base = telegram
    reply = _reply("a" * 5000, thread_key=None, in_reply_to_external_id=None,
                   customer={"external_id": "1111111"})  # fmt: skip
    result = await SPEC.connector().send(_conn(base), reply)
    assert [len(s["text"]) for s in fake.sent] == [4096, 904]
    assert all(s["chat_id"] == 1111111 and "reply_parameters" not in s for s in fake.sent)
    assert result.external_id == "1111111:2001"
    with pytest.raises(BadInput):
        await SPEC.connector().send(_conn(base), _reply(thread_key=None))


async def test_send_errors_map_to_the_callers_action(telegram: tuple[TelegramFake, str]) -> None:
    fake, base = telegram
    conn, connector = _conn(base), SPEC.connector()
    fake.fail_next.append(
        Failure(429, "Too Many Requests: retry after 12", 12, {"Retry-After": "3"})
    )
    with pytest.raises(Retriable) as limited:
        await connector.send(conn, _reply())
    assert limited.value.retry_after == 12  # the body's parameters.retry_after wins
    fake.fail_next.append(Failure(403, "Forbidden: bot was blocked by the user"))
    with pytest.raises(BadInput):
        await connector.send(conn, _reply())
    fake.fail_next.append(Failure(400, "Bad Request: chat not found"))
    with pytest.raises(BadInput):
        await connector.send(conn, _reply())
    fake.fail_next.append(Failure(502, "Bad Gateway"))
    with pytest.raises(Retriable):
        await connector.send(conn, _reply())
    with pytest.raises(Unauthorized):
        await connector.send(
            _conn(base, bot_token="987654321:AAwrongwrongwrongwrongwrongwrong"), _reply()
        )
    with pytest.raises(Retriable) as down:
        await connector.send(_conn(f"http://127.0.0.1:{free_port()}"), _reply())
    assert TOKEN not in str(down.value.message)
    assert fake.sent == []


async def test_the_webhook_is_registered_once_then_again_after_a_secret_change(
    telegram: tuple[TelegramFake, str],
) -> None:
    fake, base = telegram
    conn, connector = _conn(base), TelegramConnector()
    url = f"https://sb.example/api/v1/webhooks/telegram/{conn.integration_id}"
    assert connector.push_due(conn)
    await connector.renew_push(conn, url)
    assert fake.webhook == {"url": url, "secret_token": SECRET,
                            "allowed_updates": ["message", "edited_message"],
                            "drop_pending_updates": False}  # fmt: skip
    assert conn.state["webhook"]["url"] == url and SECRET not in json.dumps(conn.state)
    assert not connector.push_due(conn)
    conn.config = TelegramConfig(bot_token=SecretStr(TOKEN), secret_token=SecretStr("rotated-1"),
                                 api_base_url=base)  # fmt: skip
    assert connector.push_due(conn)


async def test_the_poller_runner_registers_the_webhook_of_a_push_only_bot(
    runtime: Runtime, js: JetStreamContext, telegram: tuple[TelegramFake, str]
) -> None:
    fake, base = telegram
    config = TelegramConfig(bot_token=SecretStr(TOKEN), secret_token=SecretStr(SECRET),
                            api_base_url=base)  # fmt: skip
    org = await make_org(runtime, "telegram", config)

    async def jetstream() -> JetStreamContext:
        return js

    runner = PollerRunner(runtime.sessions, Connections(runtime.sessions, runtime.secret_box),
                          jetstream, "https://sb.example")  # fmt: skip
    assert org.integration_id in await runner.active_pollers()
    await runner.poll_once(org.integration_id)
    await runner.poll_once(org.integration_id)
    assert fake.calls.count("setWebhook") == 1
    assert fake.webhook is not None and fake.webhook["url"] == (
        f"https://sb.example/api/v1/webhooks/telegram/{org.integration_id}"
    )
    async with runtime.sessions() as s:
        row = await s.get(Integration, org.integration_id)
    assert row is not None and row.state["webhook"]["url"] == fake.webhook["url"]


async def test_the_health_check_asks_get_me(telegram: tuple[TelegramFake, str]) -> None:
    _, base = telegram
    assert "@sb_bot" in await TelegramConnector().check(_conn(base))


@pytest.mark.parametrize(
    "config",
    [
        {"bot_token": "not-a-token"},
        {"secret_token": "has spaces"},
        {"secret_token": "x" * 257},
        {"secret_token": ""},
    ],
)
def test_config_refuses_tokens_telegram_would_refuse(config: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        TelegramConfig(**{"bot_token": TOKEN, "secret_token": SECRET, **config})


async def _published(js: JetStreamContext, tenant: Tenant) -> list[dict[str, Any]]:
    return await published(js, tenant.org_id, "telegram")


async def test_the_webhook_route_publishes_once_and_refuses_a_wrong_secret(
    client: httpx.AsyncClient, tenant: Tenant, js: JetStreamContext
) -> None:
    made = await client.post(
        "/api/v1/integrations",
        headers=tenant.headers,
        json={
            "name": "Telegram",
            "type": "telegram",
            "config": {"bot_token": TOKEN, "secret_token": SECRET},
        },
    )
    assert made.status_code == 201, made.text
    assert {"bot_token", "secret_token"} <= set(made.json()["secrets_set"])
    url = f"/api/v1/webhooks/telegram/{made.json()['id']}"
    body = json.dumps(update("Is my parcel lost?")).encode()
    for headers in (secret_headers("guessed"), {"Content-Type": "application/json"}):
        assert (await client.post(url, content=body, headers=headers)).status_code == 401
    assert await _published(js, tenant) == []
    for _ in range(2):  # Telegram redelivers until it sees a 2xx
        r = await client.post(url, content=body, headers=secret_headers())
        assert r.status_code == 200 and r.json() == {"accepted": 1}
    (message,) = await _published(js, tenant)
    assert message["external_id"] == "1111111:1365" and message["text"] == "Is my parcel lost?"
    bad = await client.post(
        "/api/v1/integrations",
        headers=tenant.headers,
        json={
            "name": "T",
            "type": "telegram",
            "config": {"bot_token": TOKEN, "secret_token": "no spaces allowed"},
        },
    )
    assert 400 <= bad.status_code < 500
