"""Mailgun routes and SendGrid Inbound Parse beyond the documented-examples table: in-form
signatures and single-use tokens, multipart and raw MIME, echoes of our replies, Basic and ECDSA
modes, and sends."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import pytest

from ingestion.connectors.capabilities import OutboundMessage
from ingestion.connectors.registry import REGISTRY
from store.errors import BadInput, Unauthorized
from tests.fakes.http_server import serve_app
from tests.fakes.recorder import Answer, Recorder
from tests.ingestion.connectors.cases import Inbound, form_body, json_body
from tests.ingestion.connectors.email_inbound_support import SG_BASIC, connect, multipart, post
from tests.ingestion.connectors.examples import mailgun as mg
from tests.ingestion.connectors.examples import postmark as pmk
from tests.ingestion.connectors.examples import sendgrid as sg

# --- Mailgun ---------------------------------------------------------------------------------


async def test_mailgun_documented_route_post_is_verified_and_threaded() -> None:
    connector, conn = REGISTRY["mailgun"].connector(), connect("mailgun", mg.CONFIG)
    request = post("mailgun", mg.route_post(time.time()))
    connector.verify(conn, request)
    [message] = await connector.parse(conn, request)
    assert message.external_id == "<CAKH5j1vUjKP4Sd1XF2M0kPk@mail.example.com>"
    assert message.message_id_header == message.external_id
    assert message.thread_key == "<CAKH5j1root@mail.example.com>"  # the thread's root
    assert message.in_reply_to == "<sb.0f0e0d0c@mg.example.com>"
    assert message.text == "Any news on order 1042?"  # the reply without the quoted part
    assert (message.sender.email, message.sender.name) == ("bob@example.com", "Bob")
    assert message.subject == "Re: Where is my order?"
    assert message.received_at.year == 2024


@pytest.mark.parametrize("age_s", [305, -400])
def test_mailgun_timestamp_outside_five_minutes_is_refused(age_s: int) -> None:
    connector, conn = REGISTRY["mailgun"].connector(), connect("mailgun", mg.CONFIG)
    with pytest.raises(Unauthorized, match="outside"):
        connector.verify(conn, post("mailgun", mg.route_post(time.time() - age_s)))


def test_mailgun_token_seen_twice_is_a_replay() -> None:
    connector, conn = REGISTRY["mailgun"].connector(), connect("mailgun", mg.CONFIG)
    body = mg.route_post(time.time())
    connector.verify(conn, post("mailgun", body))
    with pytest.raises(Unauthorized, match="already used"):
        connector.verify(conn, post("mailgun", body))


def test_mailgun_forged_or_unsigned_posts_are_refused() -> None:
    connector, conn = REGISTRY["mailgun"].connector(), connect("mailgun", mg.CONFIG)
    now = time.time()
    other_key = form_body(
        [*mg.ROUTE_FIELDS, *mg.signature_fields(now, key="key-someone-else-0000")]
    )
    for body in (other_key, form_body(mg.ROUTE_FIELDS), b"not a form at all"):
        with pytest.raises(Unauthorized):
            connector.verify(conn, post("mailgun", body))
    # The token is part of what is signed: a fresh token under an old signature fails.
    signed = dict(mg.signature_fields(now))
    swapped = form_body([*mg.ROUTE_FIELDS, *{**signed, "token": "a" * 50}.items()])
    with pytest.raises(Unauthorized, match="does not match"):
        connector.verify(conn, post("mailgun", swapped))


async def test_mailgun_multipart_post_lists_its_attachments() -> None:
    connector, conn = REGISTRY["mailgun"].connector(), connect("mailgun", mg.CONFIG)
    fields = [*mg.ROUTE_FIELDS, ("attachment-count", "1"), *mg.signature_fields(time.time())]
    body, content_type = multipart(
        fields, [("attachment-1", "receipt.pdf", "application/pdf", b"%PDF-1.4 x")]
    )
    request = post("mailgun", body, content_type)
    connector.verify(conn, request)
    [message] = await connector.parse(conn, request)
    assert message.text == "Any news on order 1042?"
    [attachment] = message.attachments
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "receipt.pdf",
        "application/pdf",
        10,
    )


async def test_mailgun_raw_mime_route_is_parsed_from_body_mime() -> None:
    connector, conn = REGISTRY["mailgun"].connector(), connect("mailgun", mg.CONFIG)
    raw = (
        "From: Carol <carol@example.com>\r\nTo: support@mg.example.com\r\n"
        "Subject: Refund\r\nMessage-ID: <raw-1@example.com>\r\n"
        "Date: Tue, 19 Nov 2024 08:00:00 +0000\r\n\r\nPlease refund order 7.\r\n"
    )
    fields = [("recipient", "support@mg.example.com"), ("body-mime", raw)]
    request = post("mailgun", mg.route_post(time.time(), fields=fields))
    connector.verify(conn, request)
    [message] = await connector.parse(conn, request)
    assert (message.external_id, message.thread_key) == (
        "<raw-1@example.com>",
        "<raw-1@example.com>",
    )
    assert (
        message.sender.email == "carol@example.com"
        and message.text.strip() == "Please refund order 7."
    )


async def test_mailgun_echo_of_our_own_reply_is_ignored() -> None:
    connector, conn = REGISTRY["mailgun"].connector(), connect("mailgun", mg.CONFIG)
    ours = [
        (k, "Acme Support <support@mg.example.com>" if k == "from" else v)
        for k, v in mg.ROUTE_FIELDS
    ]
    request = post("mailgun", mg.route_post(time.time(), fields=ours))
    connector.verify(conn, request)
    assert await connector.parse(conn, request) == []


async def test_mailgun_reply_goes_to_the_customer_when_no_contact_address_is_known() -> None:
    recorder = Recorder()
    recorder.reset(Answer(200, {"id": "<new@mg.example.com>", "message": "Queued. Thank you."}))
    connector = REGISTRY["mailgun"].connector()
    with serve_app(recorder.app()) as base:
        conn = connect("mailgun", mg.CONFIG, base)
        message = OutboundMessage(
            message_id=uuid.uuid4(),
            conversation_id=uuid.uuid4(),
            text="On its way.",
            customer={"email": "bob@example.com", "name": "Bob"},
        )
        result = await connector.send(conn, message)
        nobody = OutboundMessage(message_id=uuid.uuid4(), conversation_id=uuid.uuid4(), text="x")
        with pytest.raises(BadInput):
            await connector.send(conn, nobody)
        assert conn.http is not None
        await conn.http.aclose()
    form = recorder.requests[-1].form()
    assert form["to"] == '"Bob" <bob@example.com>' and form["subject"] == "Re:"
    assert form["h:Message-Id"] == f"<sb.{message.message_id.hex}@mg.example.com>"
    assert "h:In-Reply-To" not in form
    assert result.external_id == "<new@mg.example.com>"


# --- SendGrid --------------------------------------------------------------------------------


async def test_sendgrid_basic_credentials_from_the_parse_url_are_required() -> None:
    connector, conn = REGISTRY["sendgrid"].connector(), connect("sendgrid", SG_BASIC)
    body, now = sg.DEFAULT_PAYLOAD, time.time()
    genuine = post("sendgrid", body, sg.CONTENT_TYPE, **sg.basic(body, "", now))
    connector.verify(conn, genuine)
    [message] = await connector.parse(conn, genuine)
    assert [r.email for r in message.recipients] == ["inbound@inbound.example.com"]
    assert message.external_id.startswith("sha256:")  # no Message-ID in the documented example
    assert message.thread_key is None
    wrong = "Basic " + base64.b64encode(b"switchboard:not-the-password").decode()
    for headers in ({}, {"authorization": wrong}, sg.sign(body, "", now)):
        with pytest.raises(Unauthorized):
            connector.verify(conn, post("sendgrid", body, sg.CONTENT_TYPE, **headers))


def test_sendgrid_with_both_modes_requires_both() -> None:
    config = {**SG_BASIC, "signature_public_key": sg.PUBLIC_KEY}
    connector, conn = REGISTRY["sendgrid"].connector(), connect("sendgrid", config)
    body, now = sg.DEFAULT_PAYLOAD, time.time()
    connector.verify(
        conn,
        post(
            "sendgrid", body, sg.CONTENT_TYPE, **sg.sign(body, "", now), **sg.basic(body, "", now)
        ),
    )
    for headers in (sg.sign(body, "", now), sg.basic(body, "", now)):
        with pytest.raises(Unauthorized):
            connector.verify(conn, post("sendgrid", body, sg.CONTENT_TYPE, **headers))


def test_sendgrid_config_needs_a_protection_and_a_real_public_key() -> None:
    model = REGISTRY["sendgrid"].config_model
    with pytest.raises(ValueError, match="webhook_password"):
        model.model_validate({k: v for k, v in sg.BASE_CONFIG.items()})
    with pytest.raises(ValueError, match="public key"):
        model.model_validate({**sg.BASE_CONFIG, "signature_public_key": "bm90IGEga2V5"})


async def test_sendgrid_fields_are_decoded_in_their_declared_charset_and_threaded() -> None:
    connector, conn = REGISTRY["sendgrid"].connector(), connect("sendgrid", SG_BASIC)
    headers_block = (
        "From: Zoë <zoe@example.com>\nSubject: Re: Lieferung\n"
        "Message-ID: <zoe-2@example.com>\nIn-Reply-To: <sb.1@inbound.example.com>\n"
        "References: <zoe-1@example.com> <sb.1@inbound.example.com>\n"
    )
    fields = [
        ("headers", headers_block),
        ("from", "Zoë <zoe@example.com>"),
        ("to", "support@inbound.example.com"),
        ("subject", "Re: Lieferung"),
        ("charsets", '{"text":"iso-8859-1","subject":"UTF-8","from":"UTF-8","to":"UTF-8"}'),
    ]
    body, content_type = multipart(fields, [])
    body = body.replace(
        b"--xYzZY--",
        b'--xYzZY\r\nContent-Disposition: form-data; name="text"\r\n\r\nGr\xfc\xdfe\r\n--xYzZY--',
    )
    request = post("sendgrid", body, content_type, **sg.basic(body, "", time.time()))
    [message] = await connector.parse(conn, request)
    assert message.text == "Grüße" and message.sender.name == "Zoë"
    assert (message.external_id, message.thread_key) == (
        "<zoe-2@example.com>",
        "<zoe-1@example.com>",
    )
    assert message.references == ["<zoe-1@example.com>", "<sb.1@inbound.example.com>"]


async def test_sendgrid_raw_mode_posts_the_whole_message_as_email() -> None:
    connector, conn = REGISTRY["sendgrid"].connector(), connect("sendgrid", SG_BASIC)
    raw = "From: dan@example.com\r\nSubject: Hi\r\nMessage-ID: <dan@example.com>\r\n\r\nHello.\r\n"
    body, content_type = multipart([("email", raw), ("to", "support@inbound.example.com")], [])
    [message] = await connector.parse(conn, post("sendgrid", body, content_type))
    assert message.external_id == "<dan@example.com>" and message.text.strip() == "Hello."


async def test_sendgrid_send_takes_the_id_from_x_message_id() -> None:
    recorder = Recorder()
    recorder.reset(Answer(202, "", {"X-Message-Id": "W86EgYT6SQKk0lRflfLRsA"}))
    connector = REGISTRY["sendgrid"].connector()
    with serve_app(recorder.app()) as base:
        conn = connect("sendgrid", SG_BASIC, base)
        message = OutboundMessage(
            message_id=uuid.uuid4(),
            conversation_id=uuid.uuid4(),
            text="Hi",
            html="<p>Hi</p>",
            to=[{"email": "test@example.com"}],
        )
        result = await connector.send(conn, message)
        assert conn.http is not None
        await conn.http.aclose()
    assert result.external_id == "W86EgYT6SQKk0lRflfLRsA"
    sent = json.loads(recorder.requests[-1].body)
    assert sent["content"][1] == {"type": "text/html", "value": "<p>Hi</p>"}
    assert sent["custom_args"] == {"switchboard_message_id": str(message.message_id)}
    assert "headers" not in sent


# --- Postmark (and SendGrid's Basic mode): the documented rows the table cannot hold yet ------


def _wrong_basic(body: bytes, url: str, now: float) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(b"switchboard:guessed-password!").decode()}


CREDENTIAL_ROWS = [
    *[("postmark", pmk.CONFIG, row) for row in pmk.BASIC_ROWS],
    (
        "sendgrid",
        SG_BASIC,
        Inbound(
            name="default_payload_basic",
            body=sg.DEFAULT_PAYLOAD,
            sign=sg.basic,
            expect=sg.EXPECT,
            content_type=sg.CONTENT_TYPE,
            source=sg.PARSE_DOC,
        ),
    ),
]


@pytest.mark.parametrize(
    ("slug", "config", "row"),
    CREDENTIAL_ROWS,
    ids=lambda v: getattr(v, "name", v if isinstance(v, str) else ""),
)
async def test_documented_post_with_url_credentials(
    slug: str, config: dict[str, Any], row: Inbound
) -> None:
    connector, conn = REGISTRY[slug].connector(), connect(slug, config)
    genuine = post(slug, row.body, row.content_type, **row.sign(row.body, "", time.time()))
    connector.verify(conn, genuine)
    [message] = await connector.parse(conn, genuine)
    for path, expected in row.expect.items():
        value: Any = message
        for part in path.split("."):
            value = getattr(value, part)
        assert value == expected, path
    for headers in ({}, _wrong_basic(row.body, "", time.time())):
        with pytest.raises(Unauthorized):
            connector.verify(conn, post(slug, row.body, row.content_type, **headers))
    # Nothing dates the call: a late repeat passes and the dedupe on external_id absorbs it.
    connector.verify(conn, post(slug, row.body, row.content_type, **row.sign(row.body, "", 0.0)))


async def test_postmark_documented_inbound_lists_recipients_and_attachments() -> None:
    connector, conn = REGISTRY["postmark"].connector(), connect("postmark", pmk.CONFIG)
    [message] = await connector.parse(
        conn, post("postmark", json_body(pmk.DOCUMENTED), "application/json")
    )
    assert [r.email for r in message.recipients] == [
        "yourhash+samplehash@inbound.postmarkapp.com",
        "firstcc@postmarkapp.com",
        "secondcc@postmarkapp.com",
    ]
    [attachment] = message.attachments
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "test.txt",
        "text/plain",
        45,
    )
    assert message.received_at.utcoffset() is not None and message.received_at.year == 2014


async def test_postmark_echo_and_non_inbound_bodies() -> None:
    connector, conn = REGISTRY["postmark"].connector(), connect("postmark", pmk.CONFIG)
    ours = {**pmk.DOCUMENTED, "FromFull": {"Email": "Support@Acme.example", "Name": "Acme"}}
    assert await connector.parse(conn, post("postmark", json_body(ours), "application/json")) == []
    with pytest.raises(BadInput):
        await connector.parse(
            conn, post("postmark", json_body({"RecordType": "Bounce"}), "application/json")
        )


async def test_postmark_error_code_in_a_success_answer_is_refused() -> None:
    recorder = Recorder()
    recorder.reset(Answer(200, {"ErrorCode": 300, "Message": "Invalid email request"}))
    connector = REGISTRY["postmark"].connector()
    with serve_app(recorder.app()) as base:
        conn = connect("postmark", pmk.CONFIG, base)
        message = OutboundMessage(
            message_id=uuid.uuid4(),
            conversation_id=uuid.uuid4(),
            text="x",
            to=[{"email": "a@b.example"}],
        )
        with pytest.raises(BadInput, match="300"):
            await connector.send(conn, message)
        assert conn.http is not None
        await conn.http.aclose()
