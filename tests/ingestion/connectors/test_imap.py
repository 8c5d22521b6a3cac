"""The generic IMAP/SMTP connector against a real Dovecot and a real SMTP server on loopback."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import pytest

from ingestion.connectors.capabilities import Connection, OutboundMessage
from ingestion.connectors.imap import SPEC, ImapConfig, ImapConnector
from store.errors import BadInput, Retriable, Unauthorized
from tests.fakes.http_server import free_port
from tests.fakes.mailserver import Dovecot, SmtpRecorder

NewUser = Callable[[], tuple[str, str]]


def connection(dovecot: Dovecot, user: str, password: str, **extra: object) -> Connection:
    config = ImapConfig(
        host=dovecot.host,
        port=dovecot.port,
        use_ssl=False,
        username=user,
        password=password,
        smtp_starttls=False,
        **extra,
    )
    return Connection(
        integration_id=uuid.uuid4(), organization_id=uuid.uuid4(), channel="email", config=config
    )


def mail(subject: str, *, message_id: str | None = None, when: datetime | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Ada Customer <ada@customer.test>"
    msg["To"] = "support@example.test"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when or datetime.now(UTC))
    if message_id:
        msg["Message-ID"] = message_id
    msg.set_content(f"Hello, about {subject}.")
    return msg.as_bytes()


async def test_first_poll_backfills_and_leaves_messages_unseen(
    dovecot: Dovecot, new_mail_user: NewUser
) -> None:
    user, password = new_mail_user()
    dovecot.append(user, mail("Order 1", message_id="<o1@customer.test>"))
    dovecot.append(user, mail("Order 2", message_id="<o2@customer.test>"))
    batch = await ImapConnector().poll(connection(dovecot, user, password))
    assert [m.external_id for m in batch.messages] == ["<o1@customer.test>", "<o2@customer.test>"]
    first = batch.messages[0]
    assert first.subject == "Order 1" and first.sender.email == "ada@customer.test"
    assert first.text.strip() == "Hello, about Order 1."
    assert batch.state["last_uid"] == 2 and batch.state["uidvalidity"] > 0 and not batch.more
    assert "\\Seen" not in dovecot.keywords(user, "<o1@customer.test>")


async def test_cursor_returns_only_new_mail_and_survives_a_restart(
    dovecot: Dovecot, new_mail_user: NewUser
) -> None:
    user, password = new_mail_user()
    dovecot.append(user, mail("First", message_id="<first@customer.test>"))
    conn = connection(dovecot, user, password)
    first = await ImapConnector().poll(conn)
    await conn.persist_state(first.state)
    assert (await ImapConnector().poll(conn)).messages == []
    dovecot.append(user, mail("Second", message_id="<second@customer.test>"))
    restarted = connection(dovecot, user, password)
    restarted.state = dict(conn.state)
    second = await ImapConnector().poll(restarted)
    assert [m.external_id for m in second.messages] == ["<second@customer.test>"]
    assert second.state["last_uid"] == first.state["last_uid"] + 1


async def test_a_poll_stops_at_the_batch_size_and_says_more(
    dovecot: Dovecot, new_mail_user: NewUser
) -> None:
    user, password = new_mail_user()
    for n in range(3):
        dovecot.append(user, mail(f"Bulk {n}", message_id=f"<bulk{n}@customer.test>"))
    conn = connection(dovecot, user, password, batch_size=2)
    first = await ImapConnector().poll(conn)
    assert len(first.messages) == 2 and first.more
    await conn.persist_state(first.state)
    rest = await ImapConnector().poll(conn)
    assert [m.subject for m in rest.messages] == ["Bulk 2"] and not rest.more


async def test_mail_without_message_id_is_keyed_by_uidvalidity_and_uid(
    dovecot: Dovecot, new_mail_user: NewUser
) -> None:
    user, password = new_mail_user()
    dovecot.append(user, mail("No id"))
    batch = await ImapConnector().poll(connection(dovecot, user, password))
    validity = batch.state["uidvalidity"]
    assert batch.messages[0].external_id == f"uid:{validity}:1"
    assert batch.messages[0].message_id_header is None


async def test_backfill_days_skips_older_mail_on_the_first_poll(
    dovecot: Dovecot, new_mail_user: NewUser
) -> None:
    user, password = new_mail_user()
    old = datetime.now(UTC) - timedelta(days=30)
    with dovecot.imap(user) as client:  # INTERNALDATE is what SINCE compares
        raw = mail("Old", message_id="<old@customer.test>", when=old)
        client.append("INBOX", "", old.timestamp(), raw)
    dovecot.append(user, mail("Recent", message_id="<recent@customer.test>"))
    conn = connection(dovecot, user, password, backfill_days=7)
    first = await ImapConnector().poll(conn)
    assert [m.subject for m in first.messages] == ["Recent"]
    await conn.persist_state(first.state)
    assert (await ImapConnector().poll(conn)).messages == []


async def test_backfill_window_with_no_mail_starts_after_the_newest(
    dovecot: Dovecot, new_mail_user: NewUser
) -> None:
    user, password = new_mail_user()
    old = datetime.now(UTC) - timedelta(days=30)
    with dovecot.imap(user) as client:
        client.append("INBOX", "", old.timestamp(), mail("Old", message_id="<old2@c.test>"))
    conn = connection(dovecot, user, password, backfill_days=7)
    first = await ImapConnector().poll(conn)
    assert first.messages == [] and first.state["last_uid"] == 1
    await conn.persist_state(first.state)
    assert (await ImapConnector().poll(conn)).messages == []


async def test_a_new_uidvalidity_resets_the_cursor_and_reimports(
    dovecot: Dovecot, new_mail_user: NewUser
) -> None:
    user, password = new_mail_user()
    with dovecot.imap(user) as client:
        client.create("Support")
    dovecot.append(user, mail("Before", message_id="<before@c.test>"), folder="Support")
    conn = connection(dovecot, user, password, folder="Support")
    first = await ImapConnector().poll(conn)
    await conn.persist_state(first.state)
    await asyncio.sleep(1.1)  # Dovecot derives UIDVALIDITY from the clock
    dovecot.recreate_folder(user, "Support")
    dovecot.append(user, mail("After", message_id="<after@c.test>"), folder="Support")
    second = await ImapConnector().poll(conn)
    assert second.state["uidvalidity"] != first.state["uidvalidity"]
    assert [m.external_id for m in second.messages] == ["<after@c.test>"]


async def test_idle_wakes_when_new_mail_arrives(dovecot: Dovecot, new_mail_user: NewUser) -> None:
    user, password = new_mail_user()
    conn = connection(dovecot, user, password)
    timer = threading.Timer(0.5, dovecot.append, (user, mail("Wake up", message_id="<w@c.test>")))
    timer.start()
    started = time.monotonic()
    assert await ImapConnector().wait_for_mail(conn, timeout_s=10) is True
    assert time.monotonic() - started < 8
    timer.join()


async def test_idle_times_out_without_new_mail(dovecot: Dovecot, new_mail_user: NewUser) -> None:
    user, password = new_mail_user()
    started = time.monotonic()
    woke = await ImapConnector().wait_for_mail(connection(dovecot, user, password), timeout_s=1)
    assert woke is False and 0.9 < time.monotonic() - started < 5


def reply_to(original: str, to: str, subject: str = "Order 7") -> OutboundMessage:
    return OutboundMessage(
        message_id=uuid.uuid4(),
        conversation_id=uuid.uuid4(),
        text="Your order ships today.",
        html="<p>Your order <b>ships</b> today.</p>",
        subject=subject,
        to=[{"email": to, "name": "Ada Customer"}],
        in_reply_to_header=original,
        references=["<root@customer.test>"],
    )


async def test_send_lands_in_the_customers_thread_and_in_sent(
    dovecot: Dovecot, smtp_server: tuple[SmtpRecorder, int], new_mail_user: NewUser
) -> None:
    agent, agent_password = new_mail_user()
    customer, _ = new_mail_user()
    with dovecot.imap(agent) as client:
        client.create("Sent")
    conn = connection(dovecot, agent, agent_password, smtp_port=smtp_server[1], sent_folder="Sent")
    result = await ImapConnector().send(conn, reply_to("<o7@customer.test>", customer))
    [delivered] = dovecot.messages(customer)
    assert delivered["Message-ID"] == result.external_id == result.message_id_header
    assert delivered["In-Reply-To"] == "<o7@customer.test>"
    assert delivered["References"] == "<root@customer.test> <o7@customer.test>"
    assert delivered["Subject"] == "Re: Order 7" and delivered["From"] == agent
    [copy] = dovecot.messages(agent, folder="Sent")
    assert copy["Message-ID"] == result.external_id
    assert ("LOGIN", agent) in smtp_server[0].logins or ("PLAIN", agent) in smtp_server[0].logins


async def test_a_retried_send_carries_the_same_message_id(
    dovecot: Dovecot, smtp_server: tuple[SmtpRecorder, int], new_mail_user: NewUser
) -> None:
    agent, password = new_mail_user()
    conn = connection(dovecot, agent, password, smtp_port=smtp_server[1])
    message = reply_to("<o8@customer.test>", "someone@elsewhere.test")
    first = await ImapConnector().send(conn, message)
    again = await ImapConnector().send(conn, message)
    assert first.external_id == again.external_id == f"<sb.{message.message_id.hex}@example.test>"


async def test_labels_become_keywords_other_clients_see(
    dovecot: Dovecot, new_mail_user: NewUser
) -> None:
    user, password = new_mail_user()
    dovecot.append(user, mail("Refund", message_id="<refund@customer.test>"))
    dovecot.append(user, mail("No id"))
    conn = connection(dovecot, user, password)
    batch = await ImapConnector().poll(conn)
    await ImapConnector().apply_labels(conn, "<refund@customer.test>", ["billing", "Café (VIP)"])
    assert {"billing", "Cafe__VIP"} <= dovecot.keywords(user, "<refund@customer.test>")
    by_uid = batch.messages[1].external_id
    await ImapConnector().apply_labels(conn, by_uid, ["urgent"])
    with dovecot.imap(user) as client:
        client.select("INBOX")
        _, data = client.uid("SEARCH", "KEYWORD", "urgent")
    assert data[0].split() == [b"2"]


async def test_labels_for_an_unknown_message_are_bad_input(
    dovecot: Dovecot, new_mail_user: NewUser
) -> None:
    user, password = new_mail_user()
    with pytest.raises(BadInput):
        await ImapConnector().apply_labels(
            connection(dovecot, user, password), "<missing@c.test>", ["x"]
        )


async def test_a_wrong_password_is_unauthorized(
    dovecot: Dovecot, smtp_server: tuple[SmtpRecorder, int], new_mail_user: NewUser
) -> None:
    user, _ = new_mail_user()
    conn = connection(dovecot, user, "not-the-password", smtp_port=smtp_server[1])
    with pytest.raises(Unauthorized):
        await ImapConnector().poll(conn)
    with pytest.raises(Unauthorized):
        await ImapConnector().send(conn, reply_to("<o9@c.test>", "x@elsewhere.test"))


async def test_an_unreachable_server_is_retriable(new_mail_user: NewUser, dovecot: Dovecot) -> None:
    user, password = new_mail_user()
    closed = free_port()
    conn = connection(dovecot, user, password, smtp_port=closed)
    conn.config.port = closed  # type: ignore[attr-defined]
    with pytest.raises(Retriable):
        await ImapConnector().poll(conn)
    with pytest.raises(Retriable):
        await ImapConnector().send(conn, reply_to("<o10@c.test>", "x@elsewhere.test"))


async def test_a_missing_folder_is_bad_input(dovecot: Dovecot, new_mail_user: NewUser) -> None:
    user, password = new_mail_user()
    with pytest.raises(BadInput):
        await ImapConnector().poll(connection(dovecot, user, password, folder="Nope"))


def test_spec_builds_the_connector_and_hides_the_password() -> None:
    assert isinstance(SPEC.connector(), ImapConnector)
    assert SPEC.config_schema()["properties"]["password"]["writeOnly"] is True
    assert asyncio.iscoroutinefunction(ImapConnector().wait_for_mail)


async def test_without_idle_the_wait_is_one_poll_interval(dovecot_without_idle: Dovecot) -> None:
    dovecot_without_idle.set_user("plain@example.test", "pw-plain")
    connector = ImapConnector()
    connector.poll_interval_s = 0.5
    conn = connection(dovecot_without_idle, "plain@example.test", "pw-plain")
    started = time.monotonic()
    assert await connector.wait_for_mail(conn, timeout_s=30) is False
    assert 0.4 < time.monotonic() - started < 5
