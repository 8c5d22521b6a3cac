"""Ticket helpdesks beyond the documented-examples table (Freshdesk, Help Scout, Front, Gorgias,
Jira Service Management, ServiceNow, Zoho Desk): shared-secret checks, echoes and notes ignored,
conversation lookups, token caching, against a recording fake on loopback."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from store.errors import BadInput, Unauthorized
from tests.fakes.http_server import serve_app
from tests.fakes.recorder import Answer, Recorder
from tests.ingestion.connectors.examples import freshdesk as fd
from tests.ingestion.connectors.examples import front as fr
from tests.ingestion.connectors.examples import gorgias as gg
from tests.ingestion.connectors.examples import helpscout as hs
from tests.ingestion.connectors.examples import jira_service_management as jsm
from tests.ingestion.connectors.examples import servicenow as sn
from tests.ingestion.connectors.examples import zoho_desk as zd
from tests.ingestion.connectors.helpdesk_support import conn, connector, outbound, webhook


@pytest.fixture(scope="module")
def fake() -> Iterator[tuple[Recorder, str]]:
    recorder = Recorder()
    with serve_app(recorder.app()) as base:
        yield recorder, base


# --- Freshdesk -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"x-switchboard-token": "wrong-secret-0123456789"},
        {"x-switchboard-token": ""},
        {"authorization": "Basic " + base64.b64encode(f"intruder:{fd.SECRET}".encode()).decode()},
        {"authorization": "Basic " + base64.b64encode(b"switchboard:nope").decode()},
        {"authorization": "Bearer " + fd.SECRET},
    ],
    ids=["wrong-token", "empty-token", "wrong-basic-user", "wrong-basic-password", "bearer"],
)
def test_freshdesk_refuses_calls_without_the_shared_secret(headers: dict[str, str]) -> None:
    with pytest.raises(Unauthorized):
        connector("freshdesk").verify(
            conn("freshdesk", fd.CASES[0].config), webhook(fd.ADVANCED_BODY, headers)
        )


async def test_freshdesk_ignores_a_ticket_whose_only_public_replies_are_ours(
    fake: tuple[Recorder, str],
) -> None:
    recorder, base = fake
    recorder.reset(Answer(200, fd.CONVERSATIONS[1:]))
    connection = conn("freshdesk", fd.CASES[0].config, base)
    found = await connector("freshdesk").parse(connection, webhook(fd.ADVANCED_BODY, {}))
    assert found == []
    assert recorder.requests[0].query == {"per_page": "100", "page": "1"}


async def test_freshdesk_reads_every_page_of_conversations_for_the_newest_reply(
    fake: tuple[Recorder, str],
) -> None:
    recorder, base = fake
    first_page = [{**fd.CONVERSATIONS[0], "id": n} for n in range(100, 200)]
    recorder.reset(Answer(200, []))
    recorder.queue.extend([Answer(200, first_page), Answer(200, fd.CONVERSATIONS)])
    connection = conn("freshdesk", fd.CASES[0].config, base)
    found = await connector("freshdesk").parse(connection, webhook(fd.ADVANCED_BODY, {}))
    assert [m.external_id for m in found] == ["3"]
    assert [r.query["page"] for r in recorder.requests] == ["1", "2"]


async def test_freshdesk_refuses_a_body_without_a_ticket_id() -> None:
    connection = conn("freshdesk", fd.CASES[0].config)
    body = json.dumps({"freshdesk_webhook": {"ticket_id": "{{ticket.id}}"}}).encode()
    with pytest.raises(BadInput):
        await connector("freshdesk").parse(connection, webhook(body, {}))


async def test_freshdesk_sends_html_escaped_text(fake: tuple[Recorder, str]) -> None:
    recorder, base = fake
    recorder.reset(Answer(201, fd.REPLY))
    connection = conn("freshdesk", fd.CASES[0].config, base)
    await connector("freshdesk").send(connection, outbound("a < b\nthanks", "20"))
    assert json.loads(recorder.requests[0].body)["body"] == "a &lt; b<br>thanks"


# --- Help Scout ------------------------------------------------------------------------------

HS_TOKEN = {"token_type": "bearer", "access_token": "tok-1", "expires_in": 172800}


def _hs_customer() -> dict[str, Any]:
    return {"external_id": "15", "email": "vbear@mywork.com"}


async def test_helpscout_reply_id_comes_from_the_resource_id_header_and_the_token_is_kept(
    fake: tuple[Recorder, str],
) -> None:
    recorder, base = fake
    recorder.reset(
        Answer(201, "", {"Resource-ID": "2198262399"}),
        {"/v2/oauth2/token": Answer(200, HS_TOKEN)},
    )
    saved: dict[str, str] = {}

    async def save(updates: dict[str, str]) -> None:
        saved.update(updates)

    connection = conn("helpscout", hs.CASES[0].config, base)
    connection.save_secrets = save
    for _ in range(2):
        result = await connector("helpscout").send(
            connection, outbound("hi", "10", customer=_hs_customer())
        )
        assert result.external_id == "2198262399"
    paths = [r.path for r in recorder.requests]
    assert paths.count("/v2/oauth2/token") == 1 and paths.count("/v2/conversations/10/reply") == 2
    assert saved["access_token"] == "tok-1" and int(saved["token_expires_at"]) > 0
    assert recorder.requests[0].form()["grant_type"] == "client_credentials"


async def test_helpscout_renews_a_revoked_token_once(fake: tuple[Recorder, str]) -> None:
    recorder, base = fake
    config = {**hs.CASES[0].config, "access_token": "old", "token_expires_at": 4102444800}
    recorder.reset(
        Answer(201, "", {"Resource-ID": "7"}), {"/v2/oauth2/token": Answer(200, HS_TOKEN)}
    )
    recorder.queue.append(Answer(401, {"error": "invalid_token"}))
    connection = conn("helpscout", config, base)
    result = await connector("helpscout").send(
        connection, outbound("hi", "10", customer=_hs_customer())
    )
    assert result.external_id == "7"
    auth = [r.headers.get("authorization") for r in recorder.requests if "reply" in r.path]
    assert auth == ["Bearer old", "Bearer tok-1"]


async def test_helpscout_reply_without_a_customer_is_bad_input() -> None:
    connection = conn("helpscout", hs.CASES[0].config)
    with pytest.raises(BadInput):
        await connector("helpscout").send(connection, outbound("hi", "10"))


@pytest.mark.parametrize(
    "event", ["convo.note.created", "convo.assigned", "customer.created", None]
)
async def test_helpscout_events_without_customer_messages_are_ignored(event: str | None) -> None:
    headers = hs.signer(event or "")(hs.REPLIED, "", 0)
    if event is None:
        headers.pop("x-helpscout-event")
    request = webhook(hs.REPLIED, headers)
    connection = conn("helpscout", hs.CASES[0].config)
    connector("helpscout").verify(connection, request)
    assert await connector("helpscout").parse(connection, request) == []


def test_helpscout_signature_is_sha1_not_sha256() -> None:
    import hashlib
    import hmac

    mac = hmac.new(hs.SECRET.encode(), hs.REPLIED, hashlib.sha256).digest()
    request = webhook(hs.REPLIED, {"x-helpscout-signature": base64.b64encode(mac).decode()})
    with pytest.raises(Unauthorized):
        connector("helpscout").verify(conn("helpscout", hs.CASES[0].config), request)


# --- Front -----------------------------------------------------------------------------------


def test_front_answers_its_signed_challenge_and_refuses_an_unsigned_one() -> None:
    connection = conn("front", fr.CASES[0].config)
    headers = {**fr.sign(fr.SYNC, "", time.time()), "x-front-challenge": "abc123"}
    reply = connector("front").handshake(connection, webhook(fr.SYNC, headers))
    assert reply is not None and reply.status == 200 and reply.body == {"challenge": "abc123"}
    assert connector("front").handshake(connection, webhook(fr.SYNC, {})) is None
    with pytest.raises(Unauthorized):
        connector("front").handshake(connection, webhook(fr.SYNC, {"x-front-challenge": "abc"}))


@pytest.mark.parametrize("age_s", [301, -301])
def test_front_refuses_timestamps_outside_five_minutes(age_s: int) -> None:
    body = fr.CASES[0].inbound[0].body
    request = webhook(body, fr.sign(body, "", time.time() - age_s))
    with pytest.raises(Unauthorized):
        connector("front").verify(conn("front", fr.CASES[0].config), request)


def test_front_timestamp_is_milliseconds_and_part_of_the_signature() -> None:
    body = fr.CASES[0].inbound[0].body
    headers = fr.sign(body, "", time.time())
    seconds = {**headers, "x-front-request-timestamp": str(int(time.time()))}
    with pytest.raises(Unauthorized):
        connector("front").verify(conn("front", fr.CASES[0].config), webhook(body, seconds))
    connector("front").verify(conn("front", fr.CASES[0].config), webhook(body, headers))


async def test_front_ignores_an_outbound_message_even_under_an_inbound_event(
    fake: tuple[Recorder, str],
) -> None:
    recorder, base = fake
    recorder.reset(Answer(200, fr.OUR_REPLY))
    body = fr.event("inbound", "inbound_received", {"id": "msg_1q15qmtr"})
    found = await connector("front").parse(
        conn("front", fr.CASES[0].config, base), webhook(body, {})
    )
    assert found == [] and recorder.requests[0].path == "/messages/msg_1q15qmtr"


# --- Gorgias ---------------------------------------------------------------------------------


def test_gorgias_refuses_a_wrong_or_missing_token() -> None:
    connection = conn("gorgias", gg.CASES[0].config)
    for headers in ({"x-switchboard-token": "x" * 32}, {"authorization": f"Bearer {gg.SECRET}"}):
        with pytest.raises(Unauthorized):
            connector("gorgias").verify(connection, webhook(gg.TICKET_ONLY, headers))


async def test_gorgias_follows_the_cursor_and_ignores_agents_and_notes(
    fake: tuple[Recorder, str],
) -> None:
    recorder, base = fake
    later = {**gg.CUSTOMER, "id": 12399, "created_datetime": "2019-07-06T09:00:00"}
    recorder.reset(Answer(404, {}))
    recorder.queue.extend(
        [
            Answer(200, {"data": [gg.CUSTOMER, gg.AGENT], "meta": {"next_cursor": "c2"}}),
            Answer(200, {"data": [later, gg.NOTE], "meta": {"next_cursor": None}}),
        ]
    )
    connection = conn("gorgias", gg.CASES[0].config, base)
    found = await connector("gorgias").parse(connection, webhook(gg.TICKET_ONLY, {}))
    assert [m.external_id for m in found] == ["12399"]
    assert recorder.requests[1].query.get("cursor") == "c2"


async def test_gorgias_email_reply_without_a_customer_address_is_bad_input() -> None:
    connection = conn("gorgias", gg.CASES[0].config)
    with pytest.raises(BadInput):
        await connector("gorgias").send(
            connection, outbound("hi", "123", customer={"external_id": "93"})
        )


# --- Jira Service Management -----------------------------------------------------------------


async def test_jira_reads_an_atlassian_document_format_comment() -> None:
    adf = {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "Line one"}]},
            {"type": "paragraph", "content": [{"type": "text", "text": "Line two"}]},
        ],
    }
    raw = json.loads(jsm.comment_event("10270", jsm.CUSTOMER, "", True))
    raw["comment"]["body"] = adf
    body = json.dumps(raw).encode()
    connection = conn("jira_service_management", jsm.CASES[0].config)
    request = webhook(body, jsm.sign(body, "", 0))
    connector("jira_service_management").verify(connection, request)
    [found] = await connector("jira_service_management").parse(connection, request)
    assert found.text == "Line one\nLine two"


def test_jira_refuses_an_unprefixed_or_sha1_signature() -> None:
    import hashlib
    import hmac

    body = jsm.ISSUE_CREATED
    connection = conn("jira_service_management", jsm.CASES[0].config)
    bare = jsm.sign(body, "", 0)["x-hub-signature"].removeprefix("sha256=")
    sha1 = "sha1=" + hmac.new(jsm.SECRET.encode(), body, hashlib.sha1).hexdigest()
    for given in (bare, sha1):
        with pytest.raises(Unauthorized):
            connector("jira_service_management").verify(
                connection, webhook(body, {"x-hub-signature": given})
            )


# --- ServiceNow ------------------------------------------------------------------------------


@pytest.mark.parametrize("secret", ["not base64!", base64.b64encode(b"short").decode()])
def test_servicenow_refuses_a_key_that_is_not_base64_of_32_bytes(secret: str) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        conn("servicenow", {**sn.CASES[0].config, "webhook_secret": secret})


async def test_servicenow_reply_patches_the_configured_table(fake: tuple[Recorder, str]) -> None:
    recorder, base = fake
    recorder.reset(Answer(200, {"result": {"sys_id": sn.INCIDENT}}))
    config = {**sn.CASES[0].config, "table": "sn_customerservice_case"}
    result = await connector("servicenow").send(
        conn("servicenow", config, base), outbound("ok", sn.INCIDENT)
    )
    assert recorder.requests[0].path == f"/api/now/table/sn_customerservice_case/{sn.INCIDENT}"
    assert result.external_id.startswith(f"{sn.INCIDENT}:")


# --- Zoho Desk -------------------------------------------------------------------------------


def test_zoho_accepts_the_secret_as_a_url_token_and_refuses_a_wrong_one() -> None:
    connection = conn("zoho_desk", zd.CASES[0].config)
    body = zd.delivery(zd.IN_THREAD)
    connector("zoho_desk").verify(connection, webhook(body, {}, {"token": zd.SECRET}))
    for query in ({"token": "x" * 31}, {"token": ""}, {}):
        with pytest.raises(Unauthorized):
            connector("zoho_desk").verify(connection, webhook(body, {}, query))
    with pytest.raises(Unauthorized):  # a wrong header is not rescued by a right query token
        connector("zoho_desk").verify(
            connection, webhook(body, {"x-switchboard-token": "nope"}, {"token": zd.SECRET})
        )


async def test_zoho_brings_every_incoming_thread_of_a_batched_delivery() -> None:
    second = {**zd.IN_THREAD, "id": "1892000000143270", "ticketId": "1892000000143299"}
    body = zd.delivery(zd.IN_THREAD, zd.OUT_THREAD, second)
    found = await connector("zoho_desk").parse(
        conn("zoho_desk", zd.CASES[0].config), webhook(body, {})
    )
    assert [(m.external_id, m.thread_key) for m in found] == [
        ("1892000000143250", "1892000000143237"),
        ("1892000000143270", "1892000000143299"),
    ]


async def test_zoho_refreshes_the_access_token_and_keeps_it(fake: tuple[Recorder, str]) -> None:
    recorder, base = fake
    recorder.reset(Answer(200, zd.OUT_THREAD), {"/oauth/v2/token": Answer(200, zd.TOKEN)})
    connection = conn("zoho_desk", zd.CASES[0].config, base)
    customer = {"email": "lawrence@zylker.com"}
    for _ in range(2):
        await connector("zoho_desk").send(
            connection, outbound("ok", "1892000000143237", customer=customer)
        )
    token_calls = [r for r in recorder.requests if r.path == "/oauth/v2/token"]
    assert len(token_calls) == 1 and token_calls[0].form()["grant_type"] == "refresh_token"
