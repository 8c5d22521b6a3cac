"""Postmark inbound and Amazon SES through SNS beyond the documented-examples table: Basic
credentials, threading headers, SNS certificate signatures (v1 and v2), topic checks,
subscription confirmation and SigV4 sends."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from ingestion.connectors import aws_sigv4
from ingestion.connectors.capabilities import Connection, OutboundMessage
from ingestion.connectors.registry import REGISTRY
from store.errors import BadInput, Unauthorized
from tests.fakes.http_server import serve_app
from tests.fakes.inbound_sns import SnsFake
from tests.fakes.recorder import Answer, Recorder
from tests.ingestion.connectors.cases import Inbound, json_body
from tests.ingestion.connectors.email_inbound_support import SG_BASIC, connect, post
from tests.ingestion.connectors.examples import amazon_ses as ses
from tests.ingestion.connectors.examples import postmark as pmk
from tests.ingestion.connectors.examples import sendgrid as sg

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


# --- Amazon SES through SNS ------------------------------------------------------------------


@pytest.fixture(scope="module")
def sns() -> Iterator[SnsFake]:
    fake = SnsFake()
    with serve_app(fake.app()) as base:
        fake.base = base
        yield fake


def ses_conn(sns: SnsFake, **overrides: Any) -> Connection:
    return connect("amazon_ses", {**ses.CONFIG, **overrides}, sns.base)


@pytest.mark.parametrize("version", ["1", "2"])
async def test_ses_documented_notification_is_verified_and_parsed(
    sns: SnsFake, version: str
) -> None:
    connector, conn = REGISTRY["amazon_ses"].connector(), ses_conn(sns)
    body = sns.sign(ses.notification(ses.ses_notification(encoding="BASE64"), time.time()), version)
    request = post("amazon_ses", body, "text/plain; charset=UTF-8")
    connector.verify(conn, request)
    [message] = await connector.parse(conn, request)
    assert message.external_id == "<61967230-7A45-4A9D-BEC9-87CBCF2211C9@example.com>"
    assert message.thread_key == message.external_id
    assert (message.sender.email, message.subject) == ("sender@example.com", "Example subject")
    assert message.text.strip() == "Example content"
    assert message.metadata["ses_message_id"] == "d6iitobk75ur44p8kdnnp7g2n800"
    assert message.metadata["verdicts"]["spam"] == "PASS"


async def test_ses_utf8_content_and_non_mail_notifications(sns: SnsFake) -> None:
    connector, conn = REGISTRY["amazon_ses"].connector(), ses_conn(sns)
    now = time.time()
    utf8 = post("amazon_ses", sns.sign(ses.notification(ses.ses_notification(), now)))
    connector.verify(conn, utf8)
    [message] = await connector.parse(conn, utf8)
    assert message.sender.email == "sender@example.com"
    for other in (
        "Successfully validated SNS topic for Amazon SES event publishing.",
        {"notificationType": "Bounce"},
    ):
        request = post("amazon_ses", sns.sign(ses.notification(other, now)))
        connector.verify(conn, request)
        assert await connector.parse(conn, request) == []
    ours = ses.CONTENT.replace("From: sender@example.com", "From: Support@example.com")
    echo = post("amazon_ses", sns.sign(ses.notification(ses.ses_notification(ours), now)))
    assert await connector.parse(conn, echo) == []


def test_ses_forged_stale_or_foreign_messages_are_refused(sns: SnsFake) -> None:
    connector, conn = REGISTRY["amazon_ses"].connector(), ses_conn(sns)
    now, mail = time.time(), ses.ses_notification()
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tampered = json.loads(sns.sign(ses.notification(mail, now)))
    tampered["Message"] = tampered["Message"].replace("Example content", "Wire the money")
    foreign_cert = json.loads(sns.sign(ses.notification(mail, now)))
    foreign_cert["SigningCertURL"] = "https://evil.example.com/SimpleNotificationService-x.pem"
    cases = {
        "other key": sns.sign(ses.notification(mail, now), key=other_key),
        "tampered": json.dumps(tampered).encode(),
        "foreign certificate host": json.dumps(foreign_cert).encode(),
        "other topic": sns.sign(ses.notification(mail, now, topic=ses.TOPIC + "-other")),
        "stale": sns.sign(ses.notification(mail, now - 3901)),
        "unknown version": sns.sign(ses.notification(mail, now), version="3"),
        "not sns": b'{"hello": "world"}',
    }
    for name, body in cases.items():
        with pytest.raises(Unauthorized):
            connector.verify(conn, post("amazon_ses", body))
        assert name


def test_ses_certificate_is_only_fetched_from_the_topics_sns_host(sns: SnsFake) -> None:
    connector = REGISTRY["amazon_ses"].connector()
    conn = connect("amazon_ses", {**ses.CONFIG, "cert_url_base": None}, sns.base)
    assert conn.config.sns_base() == "https://sns.us-east-1.amazonaws.com/"  # type: ignore[attr-defined]
    fetched = sns.cert_fetches
    with pytest.raises(Unauthorized, match="not served by SNS"):
        connector.verify(
            conn,
            post("amazon_ses", sns.sign(ses.notification(ses.ses_notification(), time.time()))),
        )
    assert sns.cert_fetches == fetched


async def test_ses_subscription_is_confirmed_only_once_verified(sns: SnsFake) -> None:
    connector, conn = REGISTRY["amazon_ses"].connector(), ses_conn(sns)
    now = time.time()
    forged = ses.subscription_confirmation(sns.base, now)
    forged_body = sns.sign(
        forged, key=rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    with pytest.raises(Unauthorized):
        connector.verify(conn, post("amazon_ses", forged_body))
    other_topic = sns.sign(ses.subscription_confirmation(sns.base, now, topic=ses.TOPIC + "-x"))
    with pytest.raises(Unauthorized):
        connector.verify(conn, post("amazon_ses", other_topic))
    assert sns.confirmed == []
    genuine = post("amazon_ses", sns.sign(ses.subscription_confirmation(sns.base, now)))
    connector.verify(conn, genuine)
    assert await connector.parse(conn, genuine) == []
    assert conn.http is not None
    await conn.http.aclose()
    [url] = sns.confirmed
    assert "Action=ConfirmSubscription" in url and "Token=2336412f37" in url


def test_sigv4_matches_aws_documented_example() -> None:
    """AWS's worked example (IAM ListUsers, 2015-08-30T12:36:00Z) and its published signature."""
    headers = aws_sigv4.sign(
        "GET",
        "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08",
        {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        b"",
        access_key="AKIDEXAMPLE",
        secret_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        region="us-east-1",
        service="iam",
        now=datetime(2015, 8, 30, 12, 36, tzinfo=UTC),
    )
    assert headers["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, "
        "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
    )


async def test_ses_send_is_a_sigv4_signed_raw_reply(sns: SnsFake) -> None:
    recorder = Recorder()
    recorder.reset(Answer(200, {"MessageId": "0100018c-ses"}))
    connector = REGISTRY["amazon_ses"].connector()
    with serve_app(recorder.app()) as base:
        conn = connect("amazon_ses", ses.CONFIG, base)
        message = OutboundMessage(
            message_id=uuid.uuid4(),
            conversation_id=uuid.uuid4(),
            text="Thanks for writing.",
            subject="Example subject",
            customer={"email": "sender@example.com"},
            in_reply_to_header="<61967230-7A45-4A9D-BEC9-87CBCF2211C9@example.com>",
        )
        result = await connector.send(conn, message)
        assert conn.http is not None
        await conn.http.aclose()
    sent = recorder.requests[-1]
    auth = sent.headers["authorization"]
    assert auth.startswith("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/")
    assert (
        "/us-east-1/ses/aws4_request" in auth
        and "SignedHeaders=content-type;host;x-amz-date" in auth
    )
    raw = base64.b64decode(json.loads(sent.body)["Content"]["Raw"]["Data"]).decode()
    assert "In-Reply-To: <61967230-7A45-4A9D-BEC9-87CBCF2211C9@example.com>" in raw
    assert f"Message-ID: <sb.{message.message_id.hex}@example.com>" in raw
    assert result.external_id == "0100018c-ses"
    assert result.message_id_header == f"<sb.{message.message_id.hex}@example.com>"


async def test_ses_without_access_keys_is_inbound_only(sns: SnsFake) -> None:
    config = {
        k: v for k, v in ses.CONFIG.items() if k not in {"access_key_id", "secret_access_key"}
    }
    conn = connect("amazon_ses", config, sns.base)
    message = OutboundMessage(message_id=uuid.uuid4(), conversation_id=uuid.uuid4(), text="x")
    with pytest.raises(BadInput, match="access keys"):
        await REGISTRY["amazon_ses"].connector().send(conn, message)
    with pytest.raises(ValueError, match="both"):
        REGISTRY["amazon_ses"].config_model.model_validate(
            {**config, "access_key_id": "AKIAIOSFODNN7EXAMPLE"}
        )
