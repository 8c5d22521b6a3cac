"""Salesforce connector against a fake org on loopback: Outbound Messages (SOAP) in, the SOAP Ack,
case comments out, OAuth refresh after a 401, and the SOQL poller's cursor."""

from __future__ import annotations

import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from nats.js import JetStreamContext
from pydantic import ValidationError

from ingestion.connectors import salesforce_soap
from ingestion.connectors.capabilities import Connection, OutboundMessage, WebhookRequest
from ingestion.connectors.salesforce import SPEC, SalesforceConfig
from store.errors import BadInput, Retriable, Unauthorized
from tests.conftest import Tenant
from tests.fakes.http_server import serve_app
from tests.fakes.salesforce import (
    AGENT_ID,
    CONTACT_ID,
    ORG_ID,
    PORTAL_ID,
    STAFF_ID,
    SalesforceFake,
    outbound_message,
)
from tests.ingestion.connectors.examples import salesforce as documented
from tests.jetstream import published

TOKEN = "a-shared-token-0123456789"


@pytest.fixture
def org() -> Iterator[tuple[SalesforceFake, str]]:
    fake = SalesforceFake()
    with serve_app(fake.app()) as base:
        yield fake, base


def _conn(fake: SalesforceFake, base: str, **config: Any) -> Connection:
    values: dict[str, Any] = {
        "instance_url": "https://acme.my.salesforce.com",
        "organization_id": ORG_ID,
        "outbound_token": TOKEN,
        "agent_user_id": AGENT_ID,
        "client_id": fake.oauth.client_id,
        "client_secret": fake.oauth.client_secret,
        "access_token": fake.oauth.issue_access_token(),
        "token_expires_at": int(time.time()) + 3600,
        "api_base_url": base,
        "oauth_base_url": base,
    }
    values.update(config)
    return Connection(
        integration_id=uuid.uuid4(),
        organization_id=uuid.uuid4(),
        channel="salesforce",
        config=SalesforceConfig(**values),
    )


def _request(body: bytes, token: str | None = TOKEN) -> WebhookRequest:
    query = {"token": token} if token is not None else {}
    return WebhookRequest(
        method="POST",
        url="https://sb.example/api/v1/webhooks/salesforce/x",
        headers={"content-type": "text/xml; charset=utf-8", "soapaction": '""'},
        query=query,
        body=body,
    )


async def _deliver(conn: Connection, body: bytes) -> list[Any]:
    request, connector = _request(body), SPEC.connector()
    connector.verify(conn, request)
    return list(await connector.parse(conn, request))


def _reply(thread_key: str, text: str = "We have issued the refund.") -> OutboundMessage:
    return OutboundMessage(
        message_id=uuid.uuid4(), conversation_id=uuid.uuid4(), text=text, thread_key=thread_key
    )


async def test_the_documented_case_comment_message_becomes_one_message_from_the_case_contact(
    org: tuple[SalesforceFake, str],
) -> None:
    fake, base = org
    fake.add_case("Broken replacement", "It arrived broken.", case_id=documented.CASE_ID)
    [message] = await _deliver(_conn(fake, base), documented.OUTBOUND_MESSAGE)
    assert message.external_id == documented.COMMENT_ID
    assert message.thread_key == documented.CASE_ID
    assert message.text == "The replacement arrived broken too. Can you refund me?"
    assert (message.sender.external_id, message.sender.email) == (CONTACT_ID, "casey@example.com")
    assert message.subject == "Broken replacement"
    assert message.metadata["notification_id"] == documented.NOTIFICATION_ID
    assert message.received_at.isoformat() == "2024-05-14T09:21:07+00:00"
    assert [(m, p) for m, p, _ in fake.requests] == [
        ("GET", f"/services/data/v61.0/sobjects/Case/{documented.CASE_ID}")
    ]


async def test_a_batch_skips_private_notes_our_replies_and_retried_duplicates(
    org: tuple[SalesforceFake, str],
) -> None:
    fake, base = org
    case = fake.add_case("Refund", "Where is my refund?")
    customer = fake.add_comment(case, "Any news?")
    note = fake.add_comment(case, "internal: check with finance", by=STAFF_ID, published=False)
    ours = fake.add_comment(case, "Refund issued.", by=AGENT_ID)
    body = outbound_message(
        ORG_ID,
        [
            ("04l000000000001AAA", "CaseComment", customer),
            ("04l000000000002AAA", "CaseComment", note),
            ("04l000000000003AAA", "CaseComment", ours),
            ("04l000000000004AAA", "CaseComment", customer),
            ("04l000000000005AAA", "Account", {"Id": "0015e00000ZkM3hAAF", "Name": "Acme"}),
        ],
    )
    messages = await _deliver(_conn(fake, base), body)
    assert [m.external_id for m in messages] == [customer["Id"]]


async def test_a_new_case_with_its_supplied_email_needs_no_api_call(
    org: tuple[SalesforceFake, str],
) -> None:
    fake, base = org
    fields = {"Id": "5005e00000Zz9YyAAB", "Subject": "Login fails", "SuppliedName": "Dana",
              "Description": "I cannot log in since Monday.", "SuppliedEmail": "Dana@Example.com",
              "ContactId": None, "CreatedDate": "2024-05-14T09:00:00.000Z"}  # fmt: skip
    body = outbound_message(ORG_ID, [("04l000000000009AAA", "Case", fields)])
    [message] = await _deliver(_conn(fake, base), body)
    assert (message.external_id, message.thread_key) == (fields["Id"], fields["Id"])
    assert message.text == "I cannot log in since Monday." and message.subject == "Login fails"
    assert (message.sender.email, message.sender.name) == ("dana@example.com", "Dana")
    assert fake.requests == []


def test_another_orgs_message_or_a_missing_token_is_refused() -> None:
    fake = SalesforceFake()
    conn, connector = _conn(fake, "http://127.0.0.1:9"), SPEC.connector()
    other_org = documented.OUTBOUND_MESSAGE.replace(ORG_ID.encode(), b"00D5e000000ZZ9zEAG")
    with pytest.raises(Unauthorized, match="OrganizationId"):
        connector.verify(conn, _request(other_org))
    for token in (None, "a-wrong-token-0123456789"):
        with pytest.raises(Unauthorized, match="token"):
            connector.verify(conn, _request(documented.OUTBOUND_MESSAGE, token))
    with pytest.raises(Unauthorized):
        connector.verify(conn, _request(b"<html>not soap</html>"))


def test_a_15_character_org_id_accepts_the_18_character_one_salesforce_sends() -> None:
    conn = _conn(SalesforceFake(), "http://127.0.0.1:9", organization_id=ORG_ID[:15])
    assert SPEC.connector().verify(conn, _request(documented.OUTBOUND_MESSAGE)) is None
    other = _conn(SalesforceFake(), "http://127.0.0.1:9", organization_id="00D5e000000ZZ9z")
    with pytest.raises(Unauthorized, match="OrganizationId"):  # the 15 characters still count
        SPEC.connector().verify(other, _request(documented.OUTBOUND_MESSAGE))


def test_dtds_and_entities_are_refused_before_anything_expands() -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<lolz>&lol2;</lolz>"
    )
    external = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    )
    for body in (laughs, external):
        with pytest.raises(BadInput, match="DTD"):
            salesforce_soap.read(body)
        conn = _conn(SalesforceFake(), "http://127.0.0.1:9")
        with pytest.raises(Unauthorized):
            SPEC.connector().verify(conn, _request(body))


def test_the_ack_is_the_soap_notifications_response_salesforce_requires() -> None:
    conn = _conn(SalesforceFake(), "http://127.0.0.1:9")
    reply = SPEC.connector().ack(conn, _request(documented.OUTBOUND_MESSAGE), 1)
    assert (reply.status, reply.media_type) == (200, "text/xml")
    assert isinstance(reply.body, str)
    root = ET.fromstring(reply.body)
    assert root.tag == "{http://schemas.xmlsoap.org/soap/envelope/}Envelope"
    ack = root.find(
        "{http://schemas.xmlsoap.org/soap/envelope/}Body/"
        "{http://soap.sforce.com/2005/09/outbound}notificationsResponse/"
        "{http://soap.sforce.com/2005/09/outbound}Ack"
    )
    assert ack is not None and ack.text == "true"


async def test_a_reply_is_a_public_case_comment_by_the_agent(
    org: tuple[SalesforceFake, str],
) -> None:
    fake, base = org
    case = fake.add_case("Refund", "Where is my refund?")
    result = await SPEC.connector().send(_conn(fake, base), _reply(case))
    comment = fake.comments[result.external_id]
    assert (comment["ParentId"], comment["IsPublished"]) == (case, True)
    assert comment["CommentBody"] == "We have issued the refund." and result.thread_key == case
    with pytest.raises(BadInput, match="4000"):
        await SPEC.connector().send(_conn(fake, base), _reply(case, "é" * 2001))


async def test_an_ended_session_is_refreshed_once_and_the_new_token_persisted(
    org: tuple[SalesforceFake, str],
) -> None:
    fake, base = org
    case = fake.add_case("Refund", "Where is my refund?")
    saved: list[dict[str, str]] = []

    async def save(updates: dict[str, str]) -> None:
        saved.append(updates)

    conn = _conn(fake, base, access_token="00Dended-session-token",
                 refresh_token=fake.oauth.issue_refresh_token())  # fmt: skip
    conn.save_secrets = save
    result = await SPEC.connector().send(conn, _reply(case))
    assert result.external_id in fake.comments
    assert [g["grant_type"] for g in fake.oauth.grants] == ["refresh_token"]
    assert [s for s, _, _ in fake.requests] == ["POST", "POST"]  # 401, then the retry
    [update] = saved
    assert update["access_token"] in fake.oauth.access_tokens


async def test_a_401_without_a_refresh_token_is_unauthorized(
    org: tuple[SalesforceFake, str],
) -> None:
    fake, base = org
    case = fake.add_case("Refund", "Where is my refund?")
    conn = _conn(fake, base, access_token="00Drevoked-token")
    with pytest.raises(Unauthorized):
        await SPEC.connector().send(conn, _reply(case))


async def test_the_daily_api_limit_is_retriable_not_fatal(org: tuple[SalesforceFake, str]) -> None:
    fake, base = org
    fake.fail_next.append((403, "REQUEST_LIMIT_EXCEEDED"))
    with pytest.raises(Retriable):
        await SPEC.connector().send(_conn(fake, base), _reply(fake.add_case("a", "b")))


async def test_the_poller_reads_customer_comments_once_each(
    org: tuple[SalesforceFake, str],
) -> None:
    fake, base = org
    case = fake.add_case("Refund", "Where is my refund?")
    at = time.time() - 600
    first = fake.add_comment(case, "Any news?", at=at)
    fake.add_comment(case, "Checking.", by=STAFF_ID, at=at)  # an internal user
    fake.add_comment(case, "Refund issued.", by=AGENT_ID, at=at + 1)
    fake.add_comment(case, "private", by=PORTAL_ID, published=False, at=at + 1)
    conn, connector = _conn(fake, base), SPEC.connector()
    batch = await connector.poll(conn)
    assert [m.external_id for m in batch.messages] == [first["Id"]]
    assert batch.messages[0].sender.email == "casey@example.com" and not batch.more
    conn.state = batch.state
    same_second = fake.add_comment(case, "Hello?", at=at)  # committed late, same second
    later = fake.add_comment(case, "Still waiting.", at=at + 5)
    batch = await connector.poll(conn)
    assert [m.external_id for m in batch.messages] == [same_second["Id"], later["Id"]]
    conn.state = batch.state
    assert (await connector.poll(conn)).messages == []


async def test_the_health_check_names_the_connected_org(org: tuple[SalesforceFake, str]) -> None:
    fake, base = org
    assert "Acme" in await SPEC.connector().check(_conn(fake, base))
    with pytest.raises(BadInput):
        await SPEC.connector().check(_conn(fake, base, organization_id="00D5e000000ZZ9zEAG"))


def test_config_is_validated_when_the_integration_is_created() -> None:
    good = {"instance_url": "https://acme.my.salesforce.com", "organization_id": ORG_ID,
            "client_id": "c", "client_secret": "s", "outbound_token": TOKEN}  # fmt: skip
    assert SalesforceConfig(**good).api_version == "v61.0"
    for bad in (
        {"instance_url": "https://evil.example.com"},
        {"organization_id": "001000000000001"},
        {"outbound_token": None},
        {"outbound_token": "short"},
        {"outbound_token": "has spaces and & in it!!"},
        {"client_secret": None},
    ):
        with pytest.raises(ValidationError):
            SalesforceConfig(**{**good, **bad})
    props = SPEC.config_schema()["properties"]
    assert props["outbound_token"]["writeOnly"] and props["client_secret"]["writeOnly"]


async def _inbound(js: JetStreamContext, tenant: Tenant) -> list[dict[str, Any]]:
    return await published(js, tenant.org_id, "salesforce")


async def test_the_webhook_route_answers_the_soap_ack_and_publishes_once(
    client: httpx.AsyncClient,
    tenant: Tenant,
    js: JetStreamContext,
    org: tuple[SalesforceFake, str],
) -> None:
    fake, base = org
    fake.add_case("Broken replacement", "It arrived broken.", case_id=documented.CASE_ID)
    created = await client.post(
        "/api/v1/integrations",
        headers=tenant.headers,
        json={"name": "Salesforce", "type": "salesforce", "config": {
            "instance_url": "https://acme.my.salesforce.com", "organization_id": ORG_ID,
            "outbound_token": TOKEN, "client_id": fake.oauth.client_id,
            "client_secret": fake.oauth.client_secret,
            "access_token": fake.oauth.issue_access_token(),
            "token_expires_at": int(time.time()) + 3600, "api_base_url": base}},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    path = f"/api/v1/webhooks/salesforce/{created.json()['id']}"
    headers = {"content-type": "text/xml; charset=utf-8", "soapaction": '""'}
    body = documented.OUTBOUND_MESSAGE
    other_org = body.replace(ORG_ID.encode(), b"00D5e000000ZZ9zEAG")
    refused = [
        await client.post(f"{path}?token={TOKEN}", content=other_org, headers=headers),
        await client.post(path, content=body, headers=headers),
    ]
    assert [r.status_code for r in refused] == [401, 401]
    assert await _inbound(js, tenant) == []
    for _ in range(2):  # Salesforce resends until it reads the Ack
        r = await client.post(f"{path}?token={TOKEN}", content=body, headers=headers)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/xml")
        assert b"<Ack>true</Ack>" in r.content and b"notificationsResponse" in r.content
    (published,) = await _inbound(js, tenant)
    assert published["external_id"] == documented.COMMENT_ID
    assert published["thread_key"] == documented.CASE_ID
