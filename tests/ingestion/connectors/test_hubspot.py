"""HubSpot connector against a fake HubSpot on loopback: real HTTP, real v3 signatures, and one
delivery through the API's webhook route into JetStream."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from nats.js import JetStreamContext
from pydantic import ValidationError

from ingestion.connectors.capabilities import Connection, OutboundMessage, WebhookRequest
from ingestion.connectors.hubspot import SPEC, HubSpotConfig
from store.errors import BadInput, Unauthorized
from tests.conftest import Tenant
from tests.fakes.http_server import serve_app
from tests.fakes.hubspot import (
    AGENT,
    CHANNEL_ACCOUNT_ID,
    CHANNEL_ID,
    CLIENT_SECRET,
    PORTAL_ID,
    PRIVATE_TOKEN,
    VISITOR,
    HubSpotFake,
    batch,
    new_message_event,
    signed_headers,
)
from tests.jetstream import published

URL = "https://sb.example/api/v1/webhooks/hubspot/00000000-0000-4000-8000-000000000001"


@pytest.fixture
def hubspot() -> Iterator[tuple[HubSpotFake, str]]:
    fake = HubSpotFake()
    with serve_app(fake.app()) as base:
        yield fake, base


def _conn(base: str, **config: Any) -> Connection:
    values: dict[str, Any] = {
        "access_token": PRIVATE_TOKEN,
        "client_secret": CLIENT_SECRET,
        "sender_actor_id": AGENT,
        "api_base_url": base,
    }
    values.update(config)
    return Connection(
        integration_id=uuid.uuid4(),
        organization_id=uuid.uuid4(),
        channel="hubspot",
        config=HubSpotConfig(**values),
    )


def _request(body: bytes, headers: dict[str, str], url: str = URL) -> WebhookRequest:
    return WebhookRequest(method="POST", url=url, headers=headers, query={}, body=body)


async def _deliver(conn: Connection, body: bytes, url: str = URL) -> list[Any]:
    request = _request(body, signed_headers(CLIENT_SECRET, url, body), url)
    connector = SPEC.connector()
    connector.verify(conn, request)
    return list(await connector.parse(conn, request))


async def test_a_batch_yields_each_customer_message_once_and_skips_the_rest(
    hubspot: tuple[HubSpotFake, str],
) -> None:
    fake, base = hubspot
    thread = fake.add_thread()
    first = fake.add_message(thread, "Where is order 1042?")
    second = fake.add_message(thread, "It was due on Monday.", email=None)
    ours = fake.add_message(thread, "Looking into it.", actor=AGENT, direction="OUTGOING")
    body = batch(
        new_message_event(thread, first["id"], event_id=1),
        new_message_event(thread, first["id"], event_id=2),  # HubSpot's own redelivery
        new_message_event(thread, "note123", message_type="COMMENT", event_id=3),
        {"eventId": 4, "subscriptionType": "ticket.creation", "objectId": 99, "portalId": 1},
        new_message_event(thread, ours["id"], event_id=5),
        new_message_event(thread, second["id"], event_id=6),
    )
    messages = await _deliver(_conn(base), body)
    assert [m.external_id for m in messages] == [first["id"], second["id"]]
    one = messages[0]
    assert one.thread_key == thread and one.text == "Where is order 1042?"
    assert (one.sender.external_id, one.sender.email) == (VISITOR, "casey@example.com")
    assert one.html == "<p>Where is order 1042?</p>" and one.channel == "hubspot"
    assert one.metadata["channel_account_id"] == CHANNEL_ACCOUNT_ID
    assert messages[1].sender.email is None and messages[1].sender.external_id == VISITOR
    fetched = [path for _, path in fake.requests]
    assert len(fetched) == 3 and not any("note123" in p for p in fetched)


async def test_events_of_another_portal_are_ignored(hubspot: tuple[HubSpotFake, str]) -> None:
    fake, base = hubspot
    thread = fake.add_thread()
    message = fake.add_message(thread, "Hello")
    body = batch(new_message_event(thread, message["id"], portal_id=999))
    assert await _deliver(_conn(base, portal_id=PORTAL_ID), body) == []
    assert fake.requests == []


def test_a_stale_timestamp_is_refused_and_a_recent_one_accepted() -> None:
    conn, connector = _conn("http://127.0.0.1:9"), SPEC.connector()
    body = batch()
    now_ms = int(time.time() * 1000)
    stale = signed_headers(CLIENT_SECRET, URL, body, at_ms=now_ms - 301_000)
    with pytest.raises(Unauthorized, match="outside"):
        connector.verify(conn, _request(body, stale))
    recent = signed_headers(CLIENT_SECRET, URL, body, at_ms=now_ms - 240_000)
    connector.verify(conn, _request(body, recent))


def test_a_signature_for_another_uri_method_or_secret_is_refused() -> None:
    conn, connector = _conn("http://127.0.0.1:9"), SPEC.connector()
    body = batch()
    other_url = URL.replace("0001", "0002")
    for headers in (
        signed_headers(CLIENT_SECRET, other_url, body),
        signed_headers(CLIENT_SECRET, URL, body, method="PUT"),
        signed_headers("another-secret", URL, body),
    ):
        with pytest.raises(Unauthorized, match="does not match"):
            connector.verify(conn, _request(body, headers))
    with pytest.raises(Unauthorized, match="missing"):
        connector.verify(conn, _request(body, {"content-type": "application/json"}))


def test_the_uri_is_signed_with_hubspots_listed_escapes_decoded() -> None:
    conn, connector = _conn("http://127.0.0.1:9"), SPEC.connector()
    body = batch()
    called = URL + "?source=hub%3Aspot%2Fv3&name=a%20b"
    decoded = URL + "?source=hub:spot/v3&name=a%20b"  # %20 is not in HubSpot's list
    connector.verify(conn, _request(body, signed_headers(CLIENT_SECRET, decoded, body), called))
    with pytest.raises(Unauthorized):
        connector.verify(conn, _request(body, signed_headers(CLIENT_SECRET, called, body), called))


def test_webhook_url_names_the_signed_uri_behind_a_proxy() -> None:
    public = "https://public.example/api/v1/webhooks/hubspot/abc"
    conn, connector = _conn("http://127.0.0.1:9", webhook_url=public), SPEC.connector()
    body = batch()
    seen_by_us = "http://10.0.0.5:8000/api/v1/webhooks/hubspot/abc"
    request = _request(body, signed_headers(CLIENT_SECRET, public, body), seen_by_us)
    assert connector.verify(conn, request) is None  # checked against the configured URL
    with pytest.raises(Unauthorized):  # without it, the URL we saw is not the one HubSpot signed
        connector.verify(_conn("http://127.0.0.1:9"), request)


async def test_a_reply_goes_to_the_thread_channel_and_its_echo_is_ignored(
    hubspot: tuple[HubSpotFake, str],
) -> None:
    fake, base = hubspot
    thread = fake.add_thread()
    conn = _conn(base)
    [inbound] = await _deliver(conn, batch(new_message_event(thread, fake.add_message(
        thread, "Can I change my address?")["id"])))  # fmt: skip
    reply = OutboundMessage(
        message_id=uuid.uuid4(),
        conversation_id=uuid.uuid4(),
        text="Yes: reply with the new address.",
        thread_key=inbound.thread_key,
        customer=inbound.sender.model_dump(exclude_none=True),
    )
    result = await SPEC.connector().send(conn, reply)
    [sent] = fake.sent
    assert (sent["type"], sent["senderActorId"]) == ("MESSAGE", AGENT)
    assert (sent["channelId"], sent["channelAccountId"]) == (CHANNEL_ID, CHANNEL_ACCOUNT_ID)
    assert sent["recipients"] == [
        {
            "actorId": VISITOR,
            "name": "Casey Customer",
            "recipientField": "TO",
            "deliveryIdentifiers": [{"type": "HS_EMAIL_ADDRESS", "value": "casey@example.com"}],
        }
    ]
    assert result.external_id == fake.threads[thread]["messages"][-1]["id"]
    echo = batch(new_message_event(thread, result.external_id))
    assert await _deliver(conn, echo) == []


async def test_a_reply_without_a_known_customer_is_refused() -> None:
    conn = _conn("http://127.0.0.1:9")
    reply = OutboundMessage(
        message_id=uuid.uuid4(), conversation_id=uuid.uuid4(), text="Hi", thread_key="123"
    )
    with pytest.raises(BadInput):
        await SPEC.connector().send(conn, reply)


async def test_the_health_check_reads_the_inbox_with_the_token(
    hubspot: tuple[HubSpotFake, str],
) -> None:
    _, base = hubspot
    assert "1 inboxes" in await SPEC.connector().check(_conn(base))
    with pytest.raises(Unauthorized):
        await SPEC.connector().check(_conn(base, access_token="pat-na1-revoked"))


def test_config_needs_the_signing_secret_and_an_agent_actor() -> None:
    with pytest.raises(ValidationError, match="client_secret"):
        HubSpotConfig(access_token=PRIVATE_TOKEN, sender_actor_id=AGENT)
    with pytest.raises(ValidationError):
        HubSpotConfig(access_token=PRIVATE_TOKEN, client_secret="s", sender_actor_id="V-1")
    schema = SPEC.config_schema()["properties"]
    assert schema["client_secret"]["writeOnly"] and schema["access_token"]["writeOnly"]


async def _inbound(js: JetStreamContext, tenant: Tenant) -> list[dict[str, Any]]:
    return await published(js, tenant.org_id, "hubspot")


async def test_the_webhook_route_publishes_a_signed_batch_once_and_refuses_a_forged_one(
    client: httpx.AsyncClient,
    tenant: Tenant,
    js: JetStreamContext,
    hubspot: tuple[HubSpotFake, str],
) -> None:
    fake, base = hubspot
    created = await client.post(
        "/api/v1/integrations",
        headers=tenant.headers,
        json={
            "name": "HubSpot",
            "type": "hubspot",
            "config": {
                "access_token": PRIVATE_TOKEN,
                "client_secret": CLIENT_SECRET,
                "sender_actor_id": AGENT,
                "api_base_url": base,
            },
        },
    )
    assert created.status_code == 201, created.text
    assert "client_secret" in created.json()["secrets_set"]
    thread = fake.add_thread()
    message = fake.add_message(thread, "My parcel never arrived.")
    body = batch(new_message_event(thread, message["id"]))
    path = f"/api/v1/webhooks/hubspot/{created.json()['id']}"
    url = f"http://testserver{path}"  # the URL this route sees, as HubSpot would have called it
    forged = signed_headers("not-the-secret", url, body)
    assert (await client.post(path, content=body, headers=forged)).status_code == 401
    assert (await client.post(path, content=body)).status_code == 401
    assert await _inbound(js, tenant) == []
    for _ in range(2):  # HubSpot retries a delivery it thinks failed
        r = await client.post(path, content=body, headers=signed_headers(CLIENT_SECRET, url, body))
        assert r.status_code == 200 and r.json() == {"accepted": 1}
    (published,) = await _inbound(js, tenant)
    assert published["external_id"] == message["id"] and published["thread_key"] == thread
    assert published["text"] == "My parcel never arrived."
