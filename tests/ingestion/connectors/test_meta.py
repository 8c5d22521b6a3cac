"""WhatsApp, Messenger and Instagram against a fake Graph API on loopback: the subscription
handshake, the messaging windows, ignored events, batched payloads, and the real webhook route."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from nats.js import JetStreamContext
from pydantic import ValidationError

from ingestion.connectors.capabilities import Connection, OutboundMessage, WebhookRequest
from ingestion.connectors.messenger import InstagramConfig, PageConfig
from ingestion.connectors.registry import REGISTRY
from ingestion.connectors.whatsapp import WhatsAppConfig
from store.errors import BadInput, Forbidden, Retriable, Unauthorized
from tests.conftest import Tenant
from tests.fakes.http_server import serve_app
from tests.fakes.meta import (
    APP_SECRET,
    PAGE_ID,
    PAGE_TOKEN,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    WA_TOKEN,
    GraphFake,
    body_of,
    graph_error,
    page_event,
    page_webhook,
    signed_headers,
    wa_text,
    whatsapp_webhook,
)
from tests.jetstream import published

WA_ID = "16505551234"
PSID = "6845910432145612"
TEMPLATE = {
    "name": "order_update",
    "language": "en_US",
    "components": [{"type": "body", "parameters": [{"type": "text", "text": "1042"}]}],
}


@pytest.fixture
def graph() -> Iterator[tuple[GraphFake, str]]:
    fake = GraphFake()
    with serve_app(fake.app()) as base:
        yield fake, base


def _config(slug: str, base: str = "http://127.0.0.1:9", **extra: Any) -> Any:
    values: dict[str, Any] = {
        "app_secret": APP_SECRET,
        "verify_token": VERIFY_TOKEN,
        "api_base_url": base,
    }
    if slug == "whatsapp":
        values.update(phone_number_id=PHONE_NUMBER_ID, access_token=WA_TOKEN)
    else:
        values.update(page_id=PAGE_ID, page_access_token=PAGE_TOKEN)
    model = {"whatsapp": WhatsAppConfig, "instagram": InstagramConfig}.get(slug, PageConfig)
    return model(**{**values, **extra})


def _conn(slug: str, base: str = "http://127.0.0.1:9", **extra: Any) -> Connection:
    return Connection(
        integration_id=uuid.uuid4(),
        organization_id=uuid.uuid4(),
        channel=slug,
        config=_config(slug, base, **extra),
    )


def _post(payload: dict[str, Any]) -> WebhookRequest:
    body = body_of(payload)
    return WebhookRequest("POST", "https://sb.example/hook", signed_headers(body), {}, body)


async def _deliver(slug: str, payload: dict[str, Any], **extra: Any) -> list[Any]:
    conn, request = _conn(slug, **extra), _post(payload)
    connector = REGISTRY[slug].connector()
    connector.verify(conn, request)
    return list(await connector.parse(conn, request))


def _reply(thread_key: str, age: timedelta | None, **fields: Any) -> OutboundMessage:
    return OutboundMessage(
        message_id=uuid.uuid4(),
        conversation_id=uuid.uuid4(),
        text="It ships tomorrow.",
        thread_key=thread_key,
        last_inbound_at=None if age is None else datetime.now(UTC) - age,
        **fields,
    )


async def _send(slug: str, base: str, message: OutboundMessage, **extra: Any) -> Any:
    conn = _conn(slug, base, **extra)
    try:
        return await REGISTRY[slug].connector().send(conn, message)
    finally:
        if conn.http is not None:
            await conn.http.aclose()


def _handshake(query: dict[str, str], method: str = "GET") -> WebhookRequest:
    return WebhookRequest(method, "https://sb.example/hook", {}, query, b"")


# --- the subscription handshake ---------------------------------------------------------------


@pytest.mark.parametrize("slug", ["whatsapp", "messenger", "instagram"])
def test_the_handshake_echoes_the_challenge_only_for_our_verify_token(slug: str) -> None:
    connector, conn = REGISTRY[slug].connector(), _conn(slug)
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    reply = connector.handshake(conn, _handshake(query))
    assert reply.status == 200 and reply.body == "1158201444" and reply.media_type == "text/plain"
    with pytest.raises(Forbidden):
        connector.handshake(conn, _handshake({**query, "hub.verify_token": "not-our-token"}))
    with pytest.raises(Forbidden):
        connector.handshake(conn, _handshake({**query, "hub.mode": "unsubscribe"}))
    assert connector.handshake(conn, _handshake({})) is None  # not a handshake at all
    assert connector.handshake(conn, _handshake(query, method="POST")) is None  # a delivery


# --- WhatsApp: the 24-hour customer service window ---------------------------------------------


async def test_a_reply_inside_the_window_is_a_contextual_text(
    graph: tuple[GraphFake, str],
) -> None:
    fake, base = graph
    message = _reply(WA_ID, timedelta(hours=23), in_reply_to_external_id="wamid.ABC")
    result = await _send("whatsapp", base, message)
    ((path, body),) = fake.sent
    assert path == f"/v21.0/{PHONE_NUMBER_ID}/messages"
    assert body["type"] == "text" and body["to"] == WA_ID and body["recipient_type"] == "individual"
    assert body["text"] == {"body": "It ships tomorrow.", "preview_url": False}
    assert body["context"] == {"message_id": "wamid.ABC"}
    assert result.external_id == "wamid.fake000001" and result.thread_key == WA_ID


@pytest.mark.parametrize("age", [timedelta(hours=25), None])
async def test_outside_the_window_a_text_is_refused_and_nothing_is_sent(
    graph: tuple[GraphFake, str], age: timedelta | None
) -> None:
    fake, base = graph
    with pytest.raises(BadInput) as refused:
        await _send("whatsapp", base, _reply(WA_ID, age))
    assert refused.value.code == "whatsapp_window_closed" and "template" in refused.value.message
    assert fake.sent == []


@pytest.mark.parametrize("age", [timedelta(days=3), None, timedelta(hours=1)])
async def test_a_reply_with_a_template_is_sent_as_that_template(
    graph: tuple[GraphFake, str], age: timedelta | None
) -> None:
    fake, base = graph
    message = _reply(WA_ID, age, metadata={"template": TEMPLATE})
    result = await _send("whatsapp", base, message)
    ((_, body),) = fake.sent
    assert body["type"] == "template" and "text" not in body
    assert body["template"] == {
        "name": "order_update",
        "language": {"code": "en_US"},
        "components": TEMPLATE["components"],
    }
    assert result.external_id.startswith("wamid.")


async def test_metas_own_window_refusal_and_throttling_are_mapped(
    graph: tuple[GraphFake, str],
) -> None:
    fake, base = graph
    fake.closed_windows.add(WA_ID)  # Meta's clock disagrees with ours: it refuses with 131047
    with pytest.raises(BadInput) as refused:
        await _send("whatsapp", base, _reply(WA_ID, timedelta(hours=1)))
    assert refused.value.code == "whatsapp_window_closed"
    fake.fail_next.append(graph_error(400, 130429, "Rate limit hit"))
    with pytest.raises(Retriable) as throttled:
        await _send("whatsapp", base, _reply("15550001111", timedelta(hours=1)))
    assert throttled.value.retry_after == 60
    revoked = _reply(WA_ID, timedelta(hours=1))
    with pytest.raises(Unauthorized):
        await _send("whatsapp", base, revoked, access_token="EAAJB-revoked-token-000000")
    assert fake.sent == []


# --- WhatsApp: inbound -------------------------------------------------------------------------


async def test_statuses_of_our_own_messages_are_ignored() -> None:
    status = {
        "id": "wamid.OURS",
        "status": "read",
        "timestamp": "1750263773",
        "recipient_id": WA_ID,
    }
    assert await _deliver("whatsapp", whatsapp_webhook(statuses=[status])) == []


async def test_a_multi_message_payload_yields_every_message() -> None:
    payload = whatsapp_webhook(
        [wa_text("wamid.ONE", WA_ID, "Hello"), wa_text("wamid.TWO", "4915112345678", "Hallo")],
        [{"id": "wamid.OURS", "status": "delivered", "timestamp": "1", "recipient_id": WA_ID}],
        names={WA_ID: "Sheena Nelson", "4915112345678": "Jonas"},
    )
    other_number = whatsapp_webhook([wa_text("wamid.ELSE", WA_ID, "Hi")], phone_number_id="999999")
    payload["entry"].append(other_number["entry"][0])  # another number of the same app
    first, second = await _deliver("whatsapp", payload)
    assert (first.external_id, first.text, first.sender.name) == (
        "wamid.ONE",
        "Hello",
        "Sheena Nelson",
    )
    assert (second.thread_key, second.sender.phone, second.sender.name) == (
        "4915112345678",
        "+4915112345678",
        "Jonas",
    )
    assert first.received_at == datetime.fromtimestamp(1749416383, UTC)


async def test_documents_contacts_and_reactions() -> None:
    document = {
        "from": WA_ID,
        "id": "wamid.DOC",
        "timestamp": "1",
        "type": "document",
        "document": {
            "filename": "invoice.pdf",
            "mime_type": "application/pdf",
            "sha256": "abc",
            "id": "2754859441498128",
        },
    }
    card = {
        "from": WA_ID,
        "id": "wamid.CARD",
        "timestamp": "1",
        "type": "contacts",
        "contacts": [
            {"name": {"formatted_name": "Ana Ruiz"}, "phones": [{"phone": "+34 600 000 000"}]}
        ],
    }
    reaction = {
        "from": WA_ID,
        "id": "wamid.R",
        "timestamp": "1",
        "type": "reaction",
        "reaction": {"message_id": "wamid.OURS", "emoji": "👍"},
    }
    doc, contact = await _deliver("whatsapp", whatsapp_webhook([document, card, reaction]))
    (attachment,) = doc.attachments
    assert (attachment.filename, attachment.content_type, attachment.ref) == (
        "invoice.pdf",
        "application/pdf",
        "2754859441498128",
    )
    assert contact.text == "Shared contact: Ana Ruiz +34 600 000 000"


# --- Messenger and Instagram -------------------------------------------------------------------


async def test_echoes_deliveries_and_reads_are_ignored_in_a_batched_payload() -> None:
    echo = {
        "sender": {"id": PAGE_ID},
        "recipient": {"id": PSID},
        "timestamp": 1,
        "message": {"mid": "m_OURS", "text": "Our reply", "is_echo": True, "app_id": 1},
    }
    payload = page_webhook(
        [page_event(PSID, message={"mid": "m_ONE", "text": "Where is my order?"}), echo],
        [
            page_event(PSID, delivery={"mids": ["m_OURS"], "watermark": 1}),
            page_event(PSID, read={"watermark": 1}),
            page_event("7001", postback={"title": "Track order", "payload": "TRACK"}),
        ],
    )
    text, postback = await _deliver("messenger", payload)
    assert (text.external_id, text.thread_key, text.text) == ("m_ONE", PSID, "Where is my order?")
    assert postback.text == "Track order" and postback.metadata["postback_payload"] == "TRACK"
    assert postback.external_id.startswith("postback:")  # no mid: a deterministic id
    assert (await _deliver("messenger", payload))[1].external_id == postback.external_id


async def test_entries_for_other_pages_or_accounts_are_ignored() -> None:
    event = page_event(PSID, message={"mid": "m_ONE", "text": "Hi"})
    other = page_webhook([event])
    other["entry"][0]["id"] = "1111111111"
    assert await _deliver("messenger", other) == []
    ours = page_webhook([event], obj="instagram")
    ours["entry"][0]["id"] = "17841405822304914"
    assert len(await _deliver("instagram", ours)) == 1  # no account pinned: accepted
    pinned = {"instagram_account_id": "17841400000000000"}
    assert await _deliver("instagram", ours, **pinned) == []
    with pytest.raises(BadInput):
        await _deliver("messenger", ours)  # an Instagram body at a Messenger integration


@pytest.mark.parametrize("slug", ["messenger", "instagram"])
async def test_the_standard_and_human_agent_windows(
    graph: tuple[GraphFake, str], slug: str
) -> None:
    fake, base = graph
    await _send(slug, base, _reply(PSID, timedelta(hours=2)))
    await _send(slug, base, _reply(PSID, timedelta(days=3)))
    (_, inside), (_, tagged) = fake.sent
    assert inside["messaging_type"] == "RESPONSE" and "tag" not in inside
    assert (tagged["messaging_type"], tagged["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")
    assert tagged["recipient"] == {"id": PSID} and tagged["message"] == {
        "text": "It ships tomorrow."
    }
    with pytest.raises(BadInput) as closed:
        await _send(slug, base, _reply(PSID, timedelta(days=8)))
    assert closed.value.code == f"{slug}_window_closed"
    with pytest.raises(BadInput):
        await _send(slug, base, _reply(PSID, timedelta(days=3)), human_agent_tag=False)
    assert len(fake.sent) == 2


async def test_a_send_refused_by_metas_window_policy_is_bad_input(
    graph: tuple[GraphFake, str],
) -> None:
    fake, base = graph
    fake.fail_next.append(graph_error(400, 10, "Message sent outside allowed window", 2018278))
    with pytest.raises(BadInput) as refused:
        await _send("messenger", base, _reply(PSID, timedelta(hours=1)))
    assert refused.value.code == "messenger_window_closed"


async def test_health_checks_read_the_number_and_the_page(graph: tuple[GraphFake, str]) -> None:
    _, base = graph
    for slug, expected in (("whatsapp", "15550783881 (Acme)"), ("messenger", "Acme Shop")):
        conn = _conn(slug, base)
        try:
            assert expected in await REGISTRY[slug].connector().check(conn)
        finally:
            assert conn.http is not None
            await conn.http.aclose()


def test_config_is_validated() -> None:
    with pytest.raises(ValidationError):
        _config("whatsapp", phone_number_id="+1 650 555")
    with pytest.raises(ValidationError):
        _config("whatsapp", verify_token="short")
    with pytest.raises(ValidationError):
        _config("messenger", graph_version="21")
    schema = REGISTRY["whatsapp"].config_schema()["properties"]
    assert all(schema[f].get("writeOnly") for f in ("access_token", "app_secret", "verify_token"))


# --- through the real webhook route ------------------------------------------------------------


async def _published(js: JetStreamContext, tenant: Tenant) -> list[dict[str, Any]]:
    return await published(js, tenant.org_id, "whatsapp")


async def test_the_webhook_route_handshakes_verifies_and_publishes_once(
    client: httpx.AsyncClient, tenant: Tenant, js: JetStreamContext
) -> None:
    config = _config("whatsapp").model_dump(mode="json")
    secrets = {"access_token": WA_TOKEN, "app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN}
    r = await client.post(
        "/api/v1/integrations",
        headers=tenant.headers,
        json={"name": "WhatsApp", "type": "whatsapp", "config": {**config, **secrets}},
    )
    assert r.status_code == 201, r.text
    assert not {"access_token", "app_secret", "verify_token"} & set(r.json()["config"])
    url = f"/api/v1/webhooks/whatsapp/{r.json()['id']}"
    hub = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "4242"}
    answer = await client.get(url, params=hub)
    assert answer.status_code == 200 and answer.text == "4242"
    assert answer.headers["content-type"].startswith("text/plain")
    wrong = await client.get(url, params={**hub, "hub.verify_token": "guess-guess"})
    assert wrong.status_code == 403

    body = body_of(
        whatsapp_webhook(
            [wa_text("wamid.API1", WA_ID, "Is my order late?")], names={WA_ID: "Sheena Nelson"}
        )
    )
    forged = await client.post(url, content=body, headers=signed_headers(body, "not-the-secret"))
    assert forged.status_code == 401
    assert (await client.post(url, content=body)).status_code == 401
    assert await _published(js, tenant) == []
    for _ in range(2):  # Meta retries a delivery it thinks failed: published once
        ok = await client.post(url, content=body, headers=signed_headers(body))
        assert ok.status_code == 200 and ok.json() == {"accepted": 1}
    (message,) = await _published(js, tenant)
    assert (message["external_id"], message["thread_key"], message["text"]) == (
        "wamid.API1",
        WA_ID,
        "Is my order late?",
    )
    assert message["sender"]["phone"] == "+16505551234"
