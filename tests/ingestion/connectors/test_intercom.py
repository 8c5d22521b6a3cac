"""Intercom connector against a fake Intercom on loopback: real HTTP, real signatures."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import ValidationError

from ingestion.connectors.capabilities import Connection, OutboundMessage, WebhookRequest
from ingestion.connectors.intercom import SPEC, IntercomConfig
from ingestion.connectors.oauth import authorization_url, exchange_code
from store.errors import BadInput, Retriable, Unauthorized
from tests.fakes.http_server import serve_app
from tests.fakes.intercom import (
    ACCESS_TOKEN,
    ADMIN,
    ADMIN_ID,
    CLIENT_SECRET,
    USER,
    IntercomFake,
    notification,
    ping,
    signed_headers,
)


@pytest.fixture
def intercom() -> Iterator[tuple[IntercomFake, str]]:
    fake = IntercomFake()
    with serve_app(fake.app()) as base:
        yield fake, base


def _conn(base: str, **config: Any) -> Connection:
    values: dict[str, Any] = {
        "access_token": ACCESS_TOKEN,
        "client_secret": CLIENT_SECRET,
        "admin_id": ADMIN_ID,
        "api_base_url": base,
    }
    values.update(config)
    return Connection(
        integration_id=uuid.uuid4(),
        organization_id=uuid.uuid4(),
        channel="intercom",
        config=IntercomConfig(**values),
    )


def _request(body: bytes, headers: dict[str, str]) -> WebhookRequest:
    return WebhookRequest(
        method="POST",
        url="https://sb.example/api/v1/webhooks/intercom/x",
        headers=headers,
        query={},
        body=body,
    )


async def _deliver(conn: Connection, body: bytes) -> list[Any]:
    request = _request(body, signed_headers(body))
    connector = SPEC.connector()
    connector.verify(conn, request)
    return list(await connector.parse(conn, request))


def _reply(thread_key: str | None, text: str = "Refund issued.") -> OutboundMessage:
    return OutboundMessage(
        message_id=uuid.uuid4(),
        conversation_id=uuid.uuid4(),
        text=text,
        html=f"<p>{text}</p>",
        thread_key=thread_key,
    )


async def test_new_conversation_becomes_a_message_from_its_source(
    intercom: tuple[IntercomFake, str],
) -> None:
    fake, base = intercom
    item = fake.add_conversation(
        "<p>My order <b>#1042</b> never came.</p><p>Help?</p>", subject="<p>Missing order</p>"
    )
    conn = _conn(base)
    [message] = await _deliver(conn, notification("conversation.user.created", item))
    assert message.external_id == item["source"]["id"] and message.thread_key == item["id"]
    assert message.text == "My order #1042 never came.\n\nHelp?"
    assert message.html == item["source"]["body"] and message.subject == "Missing order"
    assert (message.sender.email, message.sender.external_id) == (USER["email"], USER["id"])
    assert (message.organization_id, message.channel) == (conn.organization_id, "intercom")
    assert fake.requests == []


async def test_user_reply_yields_only_customer_parts(intercom: tuple[IntercomFake, str]) -> None:
    fake, base = intercom
    item = fake.add_conversation("<p>Hello</p>")
    fake.add_part(item["id"], "<p>We are looking into it.</p>", ADMIN)
    note = fake.add_part(item["id"], "<p>internal: VIP</p>", ADMIN)
    note["part_type"] = "note"
    lead = {"type": "lead", "id": "lead-7", "name": None, "email": None}
    fake.add_part(item["id"], "", lead)  # an attachment-only or empty part: no text to read
    reply = fake.add_part(item["id"], "<p>Thanks, any update?</p>", USER)
    reply["attachments"] = [
        {
            "type": "upload",
            "name": "receipt.pdf",
            "filesize": 2048,
            "url": "https://downloads.intercomcdn.com/i/o/1/receipt.pdf",
            "content_type": "application/pdf",
            "width": None,
            "height": None,
        }
    ]
    messages = await _deliver(_conn(base), notification("conversation.user.replied", item))
    assert [m.external_id for m in messages] == [item["source"]["id"], reply["id"]]
    assert messages[1].text == "Thanks, any update?" and messages[1].thread_key == item["id"]
    [attachment] = messages[1].attachments
    assert (attachment.filename, attachment.size) == ("receipt.pdf", 2048)
    assert attachment.content_type == "application/pdf" and attachment.ref


@pytest.mark.parametrize("topic", ["conversation.admin.replied", "conversation.admin.noted"])
async def test_admin_topics_are_acknowledged_without_messages(
    intercom: tuple[IntercomFake, str], topic: str
) -> None:
    fake, base = intercom
    item = fake.add_conversation("<p>Hello</p>")
    assert await _deliver(_conn(base), notification(topic, item)) == []


async def test_ping_is_acknowledged_with_no_messages() -> None:
    assert await _deliver(_conn("http://unused"), ping()) == []


async def test_a_body_that_is_no_notification_is_bad_input() -> None:
    with pytest.raises(BadInput):
        await _deliver(_conn("http://unused"), b'{"type": "conversation"}')


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-hub-signature": "sha1="},
        signed_headers(b"{}", secret="another-secret"),
        signed_headers(b'{"forged": true}'),
        {"x-hub-signature": signed_headers(b"{}")["x-hub-signature"].replace("sha1", "sha256")},
    ],
    ids=["absent", "empty", "wrong-secret", "tampered-body", "wrong-algorithm"],
)
def test_forged_or_absent_signatures_are_unauthorized(headers: dict[str, str]) -> None:
    with pytest.raises(Unauthorized):
        SPEC.connector().verify(_conn("http://unused"), _request(b"{}", headers))


def test_webhooks_are_refused_while_no_client_secret_is_configured() -> None:
    conn = _conn("http://unused", client_secret=None)
    with pytest.raises(Unauthorized):
        SPEC.connector().verify(conn, _request(b"{}", signed_headers(b"{}")))


async def test_send_replies_as_our_admin_in_the_same_conversation(
    intercom: tuple[IntercomFake, str],
) -> None:
    fake, base = intercom
    item = fake.add_conversation("<p>Refund please</p>")
    result = await SPEC.connector().send(_conn(base, api_version="2.10"), _reply(item["id"]))
    newest = item["conversation_parts"]["conversation_parts"][-1]
    assert result.external_id == newest["id"] and result.thread_key == item["id"]
    assert newest["author"]["id"] == ADMIN_ID and newest["part_type"] == "comment"
    assert newest["body"] == "<p>Refund issued.</p>"
    assert fake.versions == ["2.10"]


async def test_send_needs_a_known_conversation(intercom: tuple[IntercomFake, str]) -> None:
    base = intercom[1]
    with pytest.raises(BadInput):
        await SPEC.connector().send(_conn(base), _reply(None))
    with pytest.raises(BadInput):
        await SPEC.connector().send(_conn(base), _reply("999999"))


async def test_labels_reuse_known_tags_create_new_ones_and_tag_the_conversation(
    intercom: tuple[IntercomFake, str],
) -> None:
    fake, base = intercom
    item = fake.add_conversation("<p>Refund please</p>")
    fake.tags["7"] = {"type": "tag", "id": "7", "name": "VIP"}
    await SPEC.connector().apply_labels(_conn(base), item["id"], ["vip", "Refund  request", "vip"])
    assert [t["name"] for t in item["tags"]["tags"]] == ["VIP", "Refund request"]
    assert sorted(t["name"] for t in fake.tags.values()) == ["Refund request", "VIP"]
    assert fake.requests.count(("POST", "/tags")) == 1


@pytest.mark.parametrize("status", [429, 500, 502])
async def test_provider_overload_is_retriable(
    intercom: tuple[IntercomFake, str], status: int
) -> None:
    fake, base = intercom
    item = fake.add_conversation("<p>Hello</p>")
    fake.fail_next.append(status)
    with pytest.raises(Retriable):
        await SPEC.connector().send(_conn(base), _reply(item["id"]))
    assert len(item["conversation_parts"]["conversation_parts"]) == 0


async def test_refused_or_missing_tokens_are_unauthorized(
    intercom: tuple[IntercomFake, str],
) -> None:
    fake, base = intercom
    item = fake.add_conversation("<p>Hello</p>")
    with pytest.raises(Unauthorized) as caught:
        await SPEC.connector().send(_conn(base, access_token="revoked-token"), _reply(item["id"]))
    assert "revoked-token" not in str(caught.value)
    conn = _conn(base, access_token=None, client_id="client-1")
    with pytest.raises(Unauthorized):
        await SPEC.connector().send(conn, _reply(item["id"]))
    assert len(fake.requests) == 1


async def test_oauth_connect_yields_a_token_the_api_accepts(
    intercom: tuple[IntercomFake, str],
) -> None:
    fake, base = intercom
    config = IntercomConfig(
        admin_id=ADMIN_ID,
        client_id=fake.oauth.client_id,
        client_secret=fake.oauth.client_secret,
        oauth_base_url=base,
        api_base_url=base,
    )
    url = authorization_url(SPEC, config, redirect_uri="https://sb.example/cb", state="s1")
    assert url.startswith(f"{base}/oauth?") and parse_qs(urlsplit(url).query)["state"] == ["s1"]
    code = fake.oauth.issue_code("https://sb.example/cb")
    secrets = await exchange_code(SPEC, config, code=code, redirect_uri="https://sb.example/cb")
    item = fake.add_conversation("<p>Hello</p>")
    conn = _conn(base, access_token=secrets["access_token"])
    assert (await SPEC.connector().send(conn, _reply(item["id"]))).thread_key == item["id"]


def test_config_needs_a_token_or_an_oauth_client() -> None:
    with pytest.raises(ValidationError):
        IntercomConfig(admin_id=ADMIN_ID)
    with pytest.raises(ValidationError):
        IntercomConfig(admin_id="not-a-number", access_token=ACCESS_TOKEN)
    schema = SPEC.config_schema()["properties"]
    assert schema["access_token"]["writeOnly"] and schema["client_secret"]["writeOnly"]
