"""Zendesk connector against a fake Zendesk on loopback: real HTTP, real signatures."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import ValidationError

from ingestion.connectors.capabilities import Connection, OutboundMessage, WebhookRequest
from ingestion.connectors.oauth import authorization_url, exchange_code
from ingestion.connectors.zendesk import SPEC, ZendeskConfig, zendesk_tag
from store.errors import BadInput, Retriable, Unauthorized
from tests.fakes.http_server import serve_app
from tests.fakes.zendesk import (
    AGENT_ID,
    API_TOKEN,
    CUSTOMER_ID,
    EMAIL,
    ZendeskFake,
    comment_added_event,
    signed_headers,
    trigger_body,
)

SIGNING = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="


@pytest.fixture
def zendesk() -> Iterator[tuple[ZendeskFake, str]]:
    fake = ZendeskFake()
    with serve_app(fake.app()) as base:
        yield fake, base


def _conn(base: str, **config: Any) -> Connection:
    values: dict[str, Any] = {
        "subdomain": "acme",
        "email": EMAIL,
        "api_token": API_TOKEN,
        "webhook_signing_secret": SIGNING,
        "agent_user_id": AGENT_ID,
        "api_base_url": base,
    }
    values.update(config)
    return Connection(
        integration_id=uuid.uuid4(),
        organization_id=uuid.uuid4(),
        channel="zendesk",
        config=ZendeskConfig(**values),
    )


def _request(body: bytes, headers: dict[str, str]) -> WebhookRequest:
    return WebhookRequest(
        method="POST",
        url="https://sb.example/api/v1/webhooks/zendesk/x",
        headers=headers,
        query={},
        body=body,
    )


async def _deliver(conn: Connection, body: bytes) -> list[Any]:
    request = _request(body, signed_headers(SIGNING, body))
    connector = SPEC.connector()
    connector.verify(conn, request)
    return list(await connector.parse(conn, request))


async def test_comment_added_event_becomes_one_message_without_api_calls(
    zendesk: tuple[ZendeskFake, str],
) -> None:
    fake, base = zendesk
    ticket = fake.add_ticket("Where is my order?", "Order 1042 has not arrived.")
    comment = fake.tickets[ticket]["comments"][0]
    conn = _conn(base)
    [message] = await _deliver(conn, comment_added_event(ticket, comment))
    assert message.external_id == str(comment["id"]) and message.thread_key == str(ticket)
    assert message.text == "Order 1042 has not arrived."
    assert message.subject == "Where is my order?"
    assert (message.sender.external_id, message.sender.name) == (str(CUSTOMER_ID), "Casey Customer")
    assert (message.organization_id, message.integration_id) == (
        conn.organization_id,
        conn.integration_id,
    )
    assert message.channel == "zendesk" and fake.requests == []


async def test_event_without_a_body_reads_the_comment_and_its_author(
    zendesk: tuple[ZendeskFake, str],
) -> None:
    fake, base = zendesk
    ticket = fake.add_ticket("Refund", "First message")
    comment = fake.add_comment(ticket, "Any news on my refund?")
    comment["attachments"] = [
        {
            "id": 498483,
            "file_name": "receipt.pdf",
            "size": 2532,
            "content_type": "application/pdf",
            "content_url": "https://acme.zendesk.com/attachments/receipt.pdf",
        }
    ]
    [message] = await _deliver(_conn(base), comment_added_event(ticket, comment, with_body=False))
    [attachment] = message.attachments
    assert (attachment.filename, attachment.size, attachment.content_type) == (
        "receipt.pdf",
        2532,
        "application/pdf",
    )
    assert message.external_id == str(comment["id"]) and message.text == "Any news on my refund?"
    assert message.html and "Any news" in message.html
    assert message.sender.email == "casey@example.com"
    assert fake.requests == [("GET", f"/api/v2/tickets/{ticket}/comments.json")]


async def test_trigger_body_reads_the_latest_comment_and_keeps_the_requester(
    zendesk: tuple[ZendeskFake, str],
) -> None:
    fake, base = zendesk
    ticket = fake.add_ticket("Broken zip", "The zip on my bag broke.")
    newest = fake.add_comment(ticket, "Photos attached.")
    by_id = await _deliver(_conn(base), trigger_body(ticket, "Broken zip", newest["id"]))
    unnamed = await _deliver(_conn(base), trigger_body(ticket, "Broken zip"))
    for [message] in (by_id, unnamed):
        assert message.external_id == str(newest["id"]) and message.text == "Photos attached."
        assert message.thread_key == str(ticket) and message.subject == "Broken zip"
        assert message.sender.email == "casey@example.com"


async def test_trigger_body_with_the_comment_inline_needs_no_api_call(
    zendesk: tuple[ZendeskFake, str],
) -> None:
    fake, base = zendesk
    body = json.dumps(
        {
            "ticket": {
                "id": "77",
                "subject": "Hi",
                "requester": {"id": "501", "email": "casey@example.com", "name": "Casey"},
                "latest_comment": {
                    "id": "9001",
                    "body": "Inline text",
                    "public": "true",
                    "author_id": "501",
                    "created_at": "2025-01-08T10:12:07Z",
                },
            }
        }
    ).encode()
    [message] = await _deliver(_conn(base), body)
    assert (message.external_id, message.thread_key, message.text) == ("9001", "77", "Inline text")
    assert message.sender.email == "casey@example.com" and fake.requests == []


async def test_private_notes_and_our_own_replies_are_not_inbound(
    zendesk: tuple[ZendeskFake, str],
) -> None:
    fake, base = zendesk
    ticket = fake.add_ticket("Hello", "Hi")
    note = fake.add_comment(ticket, "internal: VIP customer", author_id=AGENT_ID, public=False)
    ours = fake.add_comment(ticket, "We are on it.", author_id=AGENT_ID)
    conn = _conn(base)
    assert await _deliver(conn, comment_added_event(ticket, note)) == []
    assert await _deliver(conn, comment_added_event(ticket, ours)) == []
    assert await _deliver(conn, trigger_body(ticket, "Hello", ours["id"])) == []


async def test_events_other_than_comments_are_acknowledged_and_ignored(
    zendesk: tuple[ZendeskFake, str],
) -> None:
    body = b'{"type": "zen:event-type:user.active_changed", "detail": {"id": "6596848315901"}}'
    assert await _deliver(_conn(zendesk[1]), body) == []


async def test_a_comment_the_api_cannot_show_yet_is_retriable(
    zendesk: tuple[ZendeskFake, str],
) -> None:
    fake, base = zendesk
    ticket = fake.add_ticket("Hello", "Hi")
    ghost = {
        "id": 123,
        "public": True,
        "author_id": CUSTOMER_ID,
        "created_at": "2025-01-08T10:12:07Z",
    }
    with pytest.raises(Retriable):
        await _deliver(_conn(base), comment_added_event(ticket, ghost, with_body=False))


@pytest.mark.parametrize(
    "headers",
    [
        {},
        signed_headers("another-secret", b"{}"),
        signed_headers(SIGNING, b"{}", at=time.time() - 301),
        signed_headers(
            SIGNING, b"{}", at=time.time() + 86_400
        ),  # a day ahead: collection time stays far
        {**signed_headers(SIGNING, b"{}"), "x-zendesk-webhook-signature-timestamp": "yesterday"},
        signed_headers(SIGNING, b'{"forged": true}'),
    ],
    ids=["absent", "wrong-secret", "stale", "future", "bad-timestamp", "tampered-body"],
)
def test_forged_absent_or_stale_signatures_are_unauthorized(headers: dict[str, str]) -> None:
    with pytest.raises(Unauthorized):
        SPEC.connector().verify(_conn("http://unused"), _request(b"{}", headers))


def test_webhooks_are_refused_while_no_signing_secret_is_configured() -> None:
    conn = _conn("http://unused", webhook_signing_secret=None)
    with pytest.raises(Unauthorized):
        SPEC.connector().verify(conn, _request(b"{}", signed_headers(SIGNING, b"{}")))


async def test_poll_backfills_then_resumes_from_the_persisted_cursor(
    zendesk: tuple[ZendeskFake, str],
) -> None:
    fake, base = zendesk
    fake.export_page_size = 3
    now = time.time()
    ticket = fake.add_ticket("Late parcel", "Where is it?")
    latest = fake.tickets[ticket]["comments"][0]
    old = [fake.add_comment(ticket, f"comment {i}", at=now - 3000 + i * 100) for i in range(3)]
    fake.add_comment(ticket, "note", author_id=AGENT_ID, public=False, at=now - 2000)
    conn, connector = _conn(base, backfill_hours=1), SPEC.connector()
    first = await connector.poll(conn)
    assert [m.external_id for m in first.messages] == [str(c["id"]) for c in old]
    assert [m.text for m in first.messages] == ["comment 0", "comment 1", "comment 2"]
    assert first.more and first.state["start_time"] == int(now - 2800)
    assert {m.thread_key for m in first.messages} == {str(ticket)}
    await conn.persist_state(first.state)
    second = await connector.poll(conn)
    ids = [m.external_id for m in second.messages]
    # The boundary comment comes again (Zendesk documents duplicates); dedupe drops it.
    assert ids == [str(old[2]["id"]), str(latest["id"])]
    assert not second.more and second.state["start_time"] == fake.ticket_events[0]["timestamp"]


async def test_poll_waits_while_the_cursor_is_under_a_minute_old(
    zendesk: tuple[ZendeskFake, str],
) -> None:
    fake, base = zendesk
    conn = _conn(base)
    conn.state = {"start_time": int(time.time()) - 10}
    batch = await SPEC.connector().poll(conn)
    assert batch.messages == [] and batch.state == conn.state and fake.requests == []


async def test_send_posts_a_public_comment_in_the_same_ticket(
    zendesk: tuple[ZendeskFake, str],
) -> None:
    fake, base = zendesk
    ticket = fake.add_ticket("Refund", "I want my money back")
    message = OutboundMessage(
        message_id=uuid.uuid4(),
        conversation_id=uuid.uuid4(),
        text="Refund issued.",
        html="<p>Refund <b>issued</b>.</p>",
        thread_key=str(ticket),
    )
    result = await SPEC.connector().send(_conn(base), message)
    reply = fake.tickets[ticket]["comments"][-1]
    assert result.external_id == str(reply["id"]) and result.thread_key == str(ticket)
    assert reply["author_id"] == AGENT_ID and reply["public"] is True
    assert reply["html_body"] == "<p>Refund <b>issued</b>.</p>"


async def test_send_without_a_ticket_is_bad_input(zendesk: tuple[ZendeskFake, str]) -> None:
    message = OutboundMessage(message_id=uuid.uuid4(), conversation_id=uuid.uuid4(), text="x")
    with pytest.raises(BadInput):
        await SPEC.connector().send(_conn(zendesk[1]), message)


async def test_labels_become_sanitised_ticket_tags_added_to_existing_ones(
    zendesk: tuple[ZendeskFake, str],
) -> None:
    fake, base = zendesk
    ticket = fake.add_ticket("Refund", "money back")
    fake.tickets[ticket]["tags"] = ["vip"]
    await SPEC.connector().apply_labels(
        _conn(base), str(ticket), ["Refund Request", "  VIP ", "?!"]
    )
    assert fake.tickets[ticket]["tags"] == ["vip", "refund_request"]
    assert zendesk_tag("Billing, Urgent!") == "billing_urgent"


async def test_expired_oauth_token_is_refreshed_and_persisted(
    zendesk: tuple[ZendeskFake, str],
) -> None:
    fake, base = zendesk
    ticket = fake.add_ticket("Refund", "money back")
    saved: dict[str, str] = {}

    async def save(secrets: dict[str, str]) -> None:
        saved.update(secrets)

    conn = _conn(
        base,
        email=None,
        api_token=None,
        client_id=fake.oauth.client_id,
        client_secret=fake.oauth.client_secret,
        access_token="at-expired",
        refresh_token=fake.oauth.issue_refresh_token(),
        token_expires_at=1,
        oauth_base_url=base,
    )
    conn.save_secrets = save
    await SPEC.connector().apply_labels(conn, str(ticket), ["billing"])
    assert fake.tickets[ticket]["tags"] == ["billing"]
    assert saved["access_token"] in fake.oauth.access_tokens
    assert fake.oauth.grants[-1]["grant_type"] == "refresh_token"


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_provider_overload_is_retriable(
    zendesk: tuple[ZendeskFake, str], status: int
) -> None:
    fake, base = zendesk
    ticket = fake.add_ticket("Refund", "money back")
    fake.fail_next.append(status)
    with pytest.raises(Retriable) as caught:
        await SPEC.connector().apply_labels(_conn(base), str(ticket), ["x"])
    assert status != 429 or caught.value.retry_after == 7


async def test_refused_credentials_are_unauthorized_and_unknown_tickets_bad_input(
    zendesk: tuple[ZendeskFake, str],
) -> None:
    base = zendesk[1]
    with pytest.raises(Unauthorized) as caught:
        await SPEC.connector().apply_labels(_conn(base, api_token="wrong"), "1", ["x"])
    assert "wrong" not in str(caught.value)
    with pytest.raises(BadInput):
        await SPEC.connector().apply_labels(_conn(base), "999999", ["x"])


def test_config_needs_one_auth_path_and_derives_the_oauth_host() -> None:
    with pytest.raises(ValidationError):
        ZendeskConfig(subdomain="acme", agent_user_id=1)
    with pytest.raises(ValidationError):
        ZendeskConfig(subdomain="evil.com/x", email=EMAIL, api_token=API_TOKEN, agent_user_id=1)
    config = ZendeskConfig(subdomain="acme", client_id="c", client_secret="s", agent_user_id=1)
    assert config.oauth_base_url == "https://acme.zendesk.com"
    schema = SPEC.config_schema()["properties"]
    assert schema["api_token"]["writeOnly"] and schema["webhook_signing_secret"]["writeOnly"]


async def test_oauth_connect_uses_the_account_host_and_yields_a_working_token(
    zendesk: tuple[ZendeskFake, str],
) -> None:
    fake, base = zendesk
    hosted = ZendeskConfig(subdomain="acme", client_id="c", client_secret="s", agent_user_id=1)
    url = authorization_url(SPEC, hosted, redirect_uri="https://sb.example/cb", state="s1")
    assert url.startswith("https://acme.zendesk.com/oauth/authorizations/new?")
    assert parse_qs(urlsplit(url).query)["scope"] == ["read write"]
    config = ZendeskConfig(
        subdomain="acme",
        client_id=fake.oauth.client_id,
        client_secret=fake.oauth.client_secret,
        agent_user_id=AGENT_ID,
        oauth_base_url=base,
    )
    code = fake.oauth.issue_code("https://sb.example/cb")
    secrets = await exchange_code(SPEC, config, code=code, redirect_uri="https://sb.example/cb")
    ticket = fake.add_ticket("Refund", "money back")
    conn = _conn(
        base,
        email=None,
        api_token=None,
        client_id="c",
        client_secret="s",
        access_token=secrets["access_token"],
        token_expires_at=int(secrets["token_expires_at"]),
    )
    await SPEC.connector().apply_labels(conn, str(ticket), ["oauth"])
    assert fake.tickets[ticket]["tags"] == ["oauth"]
