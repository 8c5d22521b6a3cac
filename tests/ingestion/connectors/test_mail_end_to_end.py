"""Mail end to end on real servers: a customer's email in an IMAP mailbox becomes a classified
conversation; the agent's reply goes out over SMTP in the thread; the customer's answer joins
the same conversation; a restart re-imports nothing."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage

from nats.js import JetStreamContext
from sqlalchemy import func, select

from api.runtime import Runtime
from ingestion.connections import Connections
from ingestion.connectors.imap import ImapConfig
from ingestion.outbound import OutboundDelivery
from ingestion.pipeline.processor import MessageProcessor
from ingestion.pipeline.worker import PipelineWorker
from ingestion.pollers import PollerRunner
from store.tables import Conversation, Integration, Message
from tests.fakes.mailserver import Dovecot, SmtpRecorder
from tests.ingestion.conftest import Org, make_org
from tests.ingestion.test_worker import running, wait_for


def customer_mail(subject: str, message_id: str, in_reply_to: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Ada Customer <ada@customer.test>"
    msg["To"] = "support@example.test"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(
        "Hi, I was charged twice for order 5521. Please refund the extra payment.\nThanks, Ada"
    )
    return msg.as_bytes()


async def mailbox_org(
    runtime: Runtime, dovecot: Dovecot, smtp_port: int, user: str, password: str
) -> Org:
    config = ImapConfig(
        host=dovecot.host,
        port=dovecot.port,
        use_ssl=False,
        username=user,
        password=password,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_starttls=False,
        from_address=user,
    )
    return await make_org(runtime, "imap", config)


async def test_an_email_becomes_a_conversation_and_the_reply_threads_both_ways(
    runtime: Runtime,
    js: JetStreamContext,
    dovecot: Dovecot,
    smtp_server: tuple[SmtpRecorder, int],
    new_mail_user: Callable[[], tuple[str, str]],
) -> None:
    recorder, smtp_port = smtp_server
    user, password = new_mail_user()
    org = await mailbox_org(runtime, dovecot, smtp_port, user, password)
    connections = Connections(runtime.sessions, runtime.secret_box)

    async def jetstream() -> JetStreamContext:
        return js

    pollers = PollerRunner(runtime.sessions, connections, jetstream)
    assert runtime.classifier is not None
    worker = PipelineWorker(
        js, MessageProcessor(runtime.sessions, runtime.classifier, js), org.worker_config()
    )

    async def messages() -> list[Message]:
        async with runtime.sessions() as s:
            return list(
                await s.scalars(
                    select(Message)
                    .where(Message.organization_id == org.id)
                    .order_by(Message.created_at)
                )
            )

    dovecot.append(user, customer_mail("Charged twice", "<first@customer.test>"))
    async with running(worker):
        assert await pollers.poll_once(org.integration_id) == 1
        await wait_for(lambda: _has(messages(), 1))
        (first,) = await messages()
        assert first.classification is not None and first.subject == "Charged twice"
        async with runtime.sessions() as s, s.begin():
            s.add(
                Message(
                    organization_id=org.id,
                    conversation_id=first.conversation_id,
                    integration_id=org.integration_id,
                    direction="outbound",
                    status="queued",
                    text="We refunded the duplicate charge.",
                    subject="Charged twice",
                )
            )
        assert await OutboundDelivery(runtime.sessions, connections).run_once(org.id) == 1
        envelope, sent = recorder.received[-1]
        assert envelope.rcpt_tos == ["ada@customer.test"]
        assert sent["In-Reply-To"] == "<first@customer.test>"
        assert sent["Subject"] == "Re: Charged twice"
        reply_id = sent["Message-ID"]
        dovecot.append(
            user, customer_mail("Re: Charged twice", "<second@customer.test>", in_reply_to=reply_id)
        )
        assert await pollers.poll_once(org.integration_id) == 1
        await wait_for(lambda: _has(messages(), 3))
    rows = await messages()
    assert len({m.conversation_id for m in rows}) == 1  # inbound, reply, answer: one thread
    outbound = [m for m in rows if m.direction == "outbound"]
    assert outbound[0].status == "sent" and outbound[0].message_id_header == reply_id
    # a restarted poller (fresh objects, persisted cursor) re-imports nothing
    again = PollerRunner(
        runtime.sessions, Connections(runtime.sessions, runtime.secret_box), jetstream
    )
    assert await again.poll_once(org.integration_id) == 0
    async with runtime.sessions() as s:
        assert (
            await s.scalar(
                select(func.count())
                .select_from(Conversation)
                .where(Conversation.organization_id == org.id)
            )
            == 1
        )
        health = (await s.get(Integration, org.integration_id)).health  # type: ignore[union-attr]
    assert health.get("last_success_at")


async def _has(rows, n: int) -> bool:  # type: ignore[no-untyped-def]
    return len(await rows) >= n
