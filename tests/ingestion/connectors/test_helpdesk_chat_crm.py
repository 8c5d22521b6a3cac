"""Chat-first helpdesks and CRM beyond the documented-examples table (Kustomer, Gladly, Pipedrive,
Freshchat, Crisp): scheduling, limits, record threading, key formats and stale timestamps,
against a recording fake on loopback."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator

import pytest

from store.errors import BadInput, Unauthorized
from tests.fakes.http_server import serve_app
from tests.fakes.recorder import Answer, Recorder
from tests.ingestion.connectors.examples import crisp as cr
from tests.ingestion.connectors.examples import freshchat as fc
from tests.ingestion.connectors.examples import gladly as gl
from tests.ingestion.connectors.examples import kustomer as ku
from tests.ingestion.connectors.examples import pipedrive as pd
from tests.ingestion.connectors.helpdesk_support import conn, connector, outbound, webhook


@pytest.fixture(scope="module")
def fake() -> Iterator[tuple[Recorder, str]]:
    recorder = Recorder()
    with serve_app(recorder.app()) as base:
        yield recorder, base


# --- Kustomer --------------------------------------------------------------------------------


async def test_kustomer_schedules_the_draft_in_the_near_future(fake: tuple[Recorder, str]) -> None:
    from datetime import UTC, datetime

    recorder, base = fake
    recorder.reset(Answer(201, {"data": {"type": "draft", "id": "d1"}}))
    customer = {"external_id": ku.CUSTOMER, "email": "maria@example.com"}
    await connector("kustomer").send(
        conn("kustomer", ku.CASES[0].config, base),
        outbound("ok", ku.CONVERSATION, customer=customer),
    )
    send_at = datetime.fromisoformat(
        json.loads(recorder.requests[0].body)["sendAt"].replace("Z", "+00:00")
    )
    assert 0 < (send_at - datetime.now(UTC)).total_seconds() <= 6


async def test_kustomer_chat_reply_needs_no_addresses(fake: tuple[Recorder, str]) -> None:
    recorder, base = fake
    recorder.reset(Answer(201, {"data": {"type": "draft", "id": "d2"}}))
    config = {**ku.CASES[0].config, "reply_channel": "chat"}
    await connector("kustomer").send(
        conn("kustomer", config, base),
        outbound("ok", ku.CONVERSATION, customer={"external_id": ku.CUSTOMER}),
    )
    body = json.loads(recorder.requests[0].body)
    assert body["channel"] == "chat" and "to" not in body and "from" not in body


def test_kustomer_signature_is_hex_of_the_body_only() -> None:
    body = ku.CASES[0].inbound[0].body
    headers = ku.signer("kustomer.message.create")(body, "", 0)
    upper = {
        **headers,
        "x-kustomer-webhook-signature": headers["x-kustomer-webhook-signature"].upper(),
    }
    connector("kustomer").verify(conn("kustomer", ku.CASES[0].config), webhook(body, upper))
    with pytest.raises(Unauthorized):
        connector("kustomer").verify(
            conn("kustomer", {**ku.CASES[0].config, "webhook_token": "other-token"}),
            webhook(body, headers),
        )


# --- Gladly ----------------------------------------------------------------------------------


async def test_gladly_replies_to_the_newest_customer_item_and_reads_the_location(
    fake: tuple[Recorder, str],
) -> None:
    recorder, base = fake
    later = {
        **gl.CUSTOMER_ITEM,
        "id": "S6pMkJ78QMmkVf9qPP_SeQ",
        "content": {"type": "SMS", "from": "+14153335555", "to": "+12149897676", "content": "hi"},
    }
    recorder.reset(
        Answer(201, "", {"Location": "/api/v1/conversation-items/HVFDjpu1SCKJlDR7rRKkCQ"}),
        {
            f"/api/v1/conversations/{gl.CONVERSATION}/items": Answer(
                200, [gl.CUSTOMER_ITEM, later, gl.BOT_ITEM]
            )
        },
    )
    result = await connector("gladly").send(
        conn("gladly", gl.CASES[0].config, base), outbound("ok", gl.CONVERSATION)
    )
    assert result.external_id == "HVFDjpu1SCKJlDR7rRKkCQ"
    sent = recorder.requests[-1]
    assert sent.path == "/api/v1/conversation-items/S6pMkJ78QMmkVf9qPP_SeQ/reply"
    assert json.loads(sent.body) == {"content": {"type": "SMS", "body": "ok"}}


async def test_gladly_refuses_a_chat_reply_over_its_limit(fake: tuple[Recorder, str]) -> None:
    recorder, base = fake
    recorder.reset(
        Answer(404, {}),
        {"/api/v1/conversation-items/ybP4szYCSy6LdV4DNwEd6g": Answer(200, gl.CUSTOMER_ITEM)},
    )
    message = outbound(
        "x" * 2049, gl.CONVERSATION, in_reply_to_external_id="ybP4szYCSy6LdV4DNwEd6g"
    )
    with pytest.raises(BadInput):
        await connector("gladly").send(conn("gladly", gl.CASES[0].config, base), message)
    assert not [r for r in recorder.requests if r.method == "POST"]


def test_gladly_accepts_the_secret_as_a_custom_header_and_refuses_the_api_token() -> None:
    connection = conn("gladly", gl.CASES[0].config)
    body = gl.event("PING", "x")
    connector("gladly").verify(connection, webhook(body, {"x-switchboard-token": gl.PASSWORD}))
    api = base64.b64encode(b"api-user@acme.com:gladly-api-token").decode()
    with pytest.raises(Unauthorized):
        connector("gladly").verify(connection, webhook(body, {"authorization": f"Basic {api}"}))


# --- Pipedrive -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("thread", "field", "value"),
    [
        ("person:7", "person_id", 7),
        (
            "lead:adf21080-0e10-11eb-879b-05d71fb426ec",
            "lead_id",
            "adf21080-0e10-11eb-879b-05d71fb426ec",
        ),
        ("org:3", "org_id", 3),
    ],
)
async def test_pipedrive_reply_note_hangs_on_the_same_record(
    fake: tuple[Recorder, str], thread: str, field: str, value: object
) -> None:
    recorder, base = fake
    recorder.reset(Answer(201, {"success": True, "data": {"id": 5}}))
    await connector("pipedrive").send(
        conn("pipedrive", pd.CASES[0].config, base), outbound("ok", thread)
    )
    assert json.loads(recorder.requests[0].body)[field] == value


async def test_pipedrive_refuses_a_thread_that_names_no_record() -> None:
    with pytest.raises(BadInput):
        await connector("pipedrive").send(
            conn("pipedrive", pd.CASES[0].config), outbound("ok", "note:9")
        )


async def test_pipedrive_person_note_threads_on_the_person() -> None:
    person_note = {**pd.CUSTOMER_NOTE, "deal_id": None, "deal": None}
    body = pd.v1("added.note", "added", "note", person_note)
    [found] = await connector("pipedrive").parse(
        conn("pipedrive", pd.CASES[0].config), webhook(body, {})
    )
    assert found.thread_key == "person:7" and found.subject is None


# --- Freshchat -------------------------------------------------------------------------------


def test_freshchat_refuses_a_signature_from_another_key() -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = other.sign(fc.USER_MESSAGE, padding.PKCS1v15(), hashes.SHA256())
    connection = conn("freshchat", fc.CASES[0].config)
    for given in (base64.b64encode(forged).decode(), "not base64!", ""):
        with pytest.raises(Unauthorized):
            connector("freshchat").verify(
                connection, webhook(fc.USER_MESSAGE, {"x-freshchat-signature": given})
            )


def test_freshchat_reads_a_subject_public_key_info_pem_and_refuses_garbage() -> None:
    from cryptography.hazmat.primitives import serialization
    from pydantic import ValidationError

    spki = (
        fc.PRIVATE_KEY.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    bare = "".join(spki.strip().splitlines()[1:-1])
    for key in (spki, bare):
        connection = conn("freshchat", {**fc.CASES[0].config, "webhook_public_key": key})
        connector("freshchat").verify(
            connection, webhook(fc.USER_MESSAGE, fc.sign(fc.USER_MESSAGE, "", 0))
        )
    with pytest.raises(ValidationError):
        conn("freshchat", {**fc.CASES[0].config, "webhook_public_key": "x" * 80})


async def test_freshchat_ignores_private_notes_from_users() -> None:
    body = json.loads(fc.USER_MESSAGE)
    body["data"]["message"]["message_type"] = "private"
    raw = json.dumps(body).encode()
    assert (
        await connector("freshchat").parse(conn("freshchat", fc.CASES[0].config), webhook(raw, {}))
        == []
    )


# --- Crisp -----------------------------------------------------------------------------------


def test_crisp_accepts_seconds_or_milliseconds_and_refuses_either_when_stale() -> None:
    body = cr.message("user", "hi")
    connection = conn("crisp", cr.CASES[0].config)
    for now in (time.time(), time.time() - 400):
        headers = cr.sign(body, "", now)
        stamp = str(int(now))
        trace = b"[" + stamp.encode() + b";" + body + b"]"
        import hashlib
        import hmac

        seconds = {
            "x-crisp-request-timestamp": stamp,
            "x-crisp-signature": hmac.new(cr.SECRET.encode(), trace, hashlib.sha256).hexdigest(),
        }
        for signed in (headers, seconds):
            if now < time.time() - 300:
                with pytest.raises(Unauthorized):
                    connector("crisp").verify(connection, webhook(body, signed))
            else:
                connector("crisp").verify(connection, webhook(body, signed))


async def test_crisp_ignores_messages_for_another_website() -> None:
    raw = json.loads(cr.message("user", "hi"))
    raw["data"]["website_id"] = "00000000-0000-4000-8000-000000000000"
    found = await connector("crisp").parse(
        conn("crisp", cr.CASES[0].config), webhook(json.dumps(raw).encode(), {})
    )
    assert found == []
