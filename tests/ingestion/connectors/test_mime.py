"""MIME in (provider mail → InboundMessage) and out (reply threaded under the original)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from ingestion.connectors.base import ConnectorConfig
from ingestion.connectors.capabilities import Connection, OutboundMessage
from ingestion.connectors.mime import build_reply, html_to_text, parse_mime, reply_subject
from store.errors import BadInput

CONN = Connection(
    integration_id=uuid.uuid4(),
    organization_id=uuid.uuid4(),
    channel="email",
    config=ConnectorConfig(),
)

MULTIPART = b"""\
From: =?UTF-8?Q?Ren=C3=A9e_Dupr=C3=A9?= <Renee@Customer.TEST>
To: "Support, Team" <support@example.test>, other@example.test
Cc: =?ISO-8859-1?Q?J=F6rg?= <jorg@example.test>
Reply-To: replies@customer.test
Subject: =?UTF-8?B?Q29tbWFuZGUgbsKwNDIgcmV0YXJkw6ll?=
Date: Tue, 05 Mar 2024 10:15:00 +0100
Message-ID: <m42@customer.test>
In-Reply-To: <s41@example.test>
References: <root@customer.test>
 <s41@example.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="inner"

--inner
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Ma commande est en retard, merci de v=E9rifier.
--inner
Content-Type: text/html; charset=utf-8

<p>Ma commande est <b>en retard</b></p>
--inner--
--outer
Content-Type: application/pdf; name="facture.pdf"
Content-Disposition: attachment; filename="facture.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--outer--
"""


def test_a_multipart_mail_becomes_one_inbound_message() -> None:
    msg = parse_mime(MULTIPART, conn=CONN, external_id="<m42@customer.test>")
    assert msg.subject == "Commande n°42 retardée"
    assert msg.sender.email == "renee@customer.test" and msg.sender.name == "Renée Dupré"
    assert [(p.email, p.name) for p in msg.recipients] == [
        ("support@example.test", "Support, Team"),
        ("other@example.test", None),
        ("jorg@example.test", "Jörg"),
    ]
    assert msg.text.strip() == "Ma commande est en retard, merci de vérifier."
    assert msg.html is not None and "<b>en retard</b>" in msg.html
    assert msg.message_id_header == "<m42@customer.test>"
    assert msg.in_reply_to == "<s41@example.test>"
    assert msg.references == ["<root@customer.test>", "<s41@example.test>"]
    assert msg.received_at == datetime(2024, 3, 5, 9, 15, tzinfo=UTC)
    [pdf] = msg.attachments
    assert (pdf.filename, pdf.content_type, pdf.size) == ("facture.pdf", "application/pdf", 9)
    assert msg.metadata == {"reply_to": "replies@customer.test"}
    assert (msg.organization_id, msg.channel) == (CONN.organization_id, "email")


def test_an_html_only_mail_gets_its_visible_text() -> None:
    raw = (
        b"From: a@b.test\r\nSubject: Hi\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><head><style>p{}</style></head><body><p>Hello&nbsp;there</p>"
        b"<script>alert(1)</script><div>Line &amp; two</div></body></html>"
    )
    msg = parse_mime(raw, conn=CONN, external_id="x")
    assert msg.text == "Hello there\n\nLine & two"
    assert html_to_text("<p>a</p><p>b</p>") == "a\n\nb"


def test_malformed_mail_never_fails() -> None:
    raw = (
        b"From: not an address\r\nDate: yesterday-ish\r\nSubject: =?bogus?Q?x?=\r\n"
        b"Content-Type: text/plain; charset=x-unknown-charset\r\n\r\ncaf\xc3\xa9 \xff\r\n"
    )
    before = datetime.now(UTC)
    msg = parse_mime(raw, conn=CONN, external_id="x")
    assert msg.text.startswith("café")
    assert msg.sender.email is None
    assert msg.received_at >= before
    assert msg.message_id_header is None and msg.references == []


def outbound(**overrides: object) -> OutboundMessage:
    values: dict[str, object] = {
        "message_id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "conversation_id": uuid.uuid4(),
        "text": "It ships today.",
        "html": "<p>It ships today.</p>",
        "subject": "Order 42",
        "to": [{"email": "renee@customer.test", "name": "Renée Dupré"}],
        "in_reply_to_header": "<m42@customer.test>",
        "references": ["<root@customer.test>", "<s41@example.test>"],
    }
    values.update(overrides)
    return OutboundMessage(**values)  # type: ignore[arg-type]


def test_a_reply_is_threaded_under_the_message_it_answers() -> None:
    reply = build_reply(outbound(), from_address="support@example.test", from_name="Support")
    assert reply["Message-ID"] == "<sb.12345678123456781234567812345678@example.test>"
    assert reply["In-Reply-To"] == "<m42@customer.test>"
    assert reply["References"] == "<root@customer.test> <s41@example.test> <m42@customer.test>"
    assert reply["Subject"] == "Re: Order 42"
    assert reply["From"] == "Support <support@example.test>"
    assert reply["To"].addresses[0].display_name == "Renée Dupré"
    assert reply.get_body(("plain",)).get_content().strip() == "It ships today."  # type: ignore[union-attr]
    assert reply.get_body(("html",)) is not None


def test_the_message_id_is_the_same_on_a_retry_and_the_domain_can_be_set() -> None:
    first = build_reply(outbound(), from_address="s@example.test", domain="mail.example.test")
    again = build_reply(outbound(), from_address="s@example.test", domain="mail.example.test")
    assert first["Message-ID"] == again["Message-ID"]
    assert str(first["Message-ID"]).endswith("@mail.example.test>")


def test_subjects_are_prefixed_once_and_never_carry_line_breaks() -> None:
    assert reply_subject("RE: Order") == "RE: Order"
    assert reply_subject("Aw: Bestellung") == "Aw: Bestellung"
    assert reply_subject(None) == "Re:"
    reply = build_reply(outbound(subject="Hi\r\nBcc: evil@x.test"), from_address="s@example.test")
    assert reply["Subject"] == "Re: Hi Bcc: evil@x.test" and reply["Bcc"] is None


def test_a_reply_without_recipient_or_with_a_forged_address_is_refused() -> None:
    with pytest.raises(BadInput):
        build_reply(outbound(to=[]), from_address="s@example.test")
    with pytest.raises(BadInput):
        build_reply(outbound(to=[{"email": "a@b.test>\r\nBcc: c@d"}]), from_address="s@e.test")


def test_a_built_reply_parses_back_with_its_threading_headers() -> None:
    reply = build_reply(outbound(), from_address="support@example.test")
    msg = parse_mime(reply.as_bytes(), conn=CONN, external_id="x")
    assert msg.in_reply_to == "<m42@customer.test>"
    assert msg.references[-1] == "<m42@customer.test>"
    assert msg.recipients[0].email == "renee@customer.test"
