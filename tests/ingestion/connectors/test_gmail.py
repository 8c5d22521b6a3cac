"""The Gmail connector against a fake Gmail API and token endpoint on loopback."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from ingestion.connectors import gmail_sync
from ingestion.connectors.capabilities import Connection, OutboundMessage, WebhookRequest
from ingestion.connectors.gmail import SPEC, GmailConfig, GmailConnector
from ingestion.connectors.oauth import authorization_url, exchange_code
from store.errors import BadInput, Retriable, Unauthorized
from tests.fakes.gmail import GmailFake
from tests.fakes.http_server import serve_app
from tests.fakes.oauth_server import OAuthServer

AUDIENCE = "https://switchboard.example/api/v1/webhooks/gmail/1"
PUSHER = "gmail-push@switchboard-prod.iam.gserviceaccount.com"
connector = GmailConnector()


@dataclass
class Mailbox:
    fake: GmailFake
    url: str
    http: httpx.AsyncClient
    saved_state: list[dict[str, Any]] = field(default_factory=list)
    saved_secrets: list[dict[str, str]] = field(default_factory=list)

    def connection(self, state: dict[str, Any] | None = None, **config: Any) -> Connection:
        values: dict[str, Any] = {
            "client_id": self.fake.oauth.client_id,
            "client_secret": SecretStr(self.fake.oauth.client_secret),
            "access_token": SecretStr(self.fake.oauth.issue_access_token()),
            "refresh_token": SecretStr(self.fake.oauth.issue_refresh_token()),
            "token_expires_at": int(time.time()) + 3600,
            "oauth_base_url": self.url,
            "api_base_url": self.url,
            "email_address": self.fake.address,
            "push_topic": "projects/switchboard-prod/topics/gmail",
            "push_audience": AUDIENCE,
            "push_service_account": PUSHER,
            "push_jwks_url": f"{self.url}/oauth2/v3/certs",
            **config,
        }

        async def save_state(state: dict[str, Any]) -> None:
            self.saved_state.append(state)

        async def save_secrets(secrets: dict[str, str]) -> None:
            self.saved_secrets.append(secrets)

        return Connection(
            integration_id=uuid.uuid4(),
            organization_id=uuid.uuid4(),
            channel="email",
            config=GmailConfig(**values),
            state=dict(state or {}),
            http=self.http,
            save_state=save_state,
            save_secrets=save_secrets,
        )


@pytest.fixture(scope="module")
def push_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def served(push_key: rsa.RSAPrivateKey) -> Iterator[tuple[GmailFake, str]]:
    fake = GmailFake(oauth=OAuthServer(), push_key=push_key)
    with serve_app(fake.app()) as url:
        yield fake, url


@pytest.fixture
async def box(served: tuple[GmailFake, str]) -> AsyncIterator[Mailbox]:
    async with httpx.AsyncClient(timeout=10) as http:
        yield Mailbox(fake=served[0], url=served[1], http=http)


def mail(subject: str, *, sender: str = "ana@customer.test", in_reply_to: str = "") -> bytes:
    message = EmailMessage()
    message["From"] = f"Ana Lima <{sender}>"
    message["To"] = "support@example.com"
    message["Subject"] = subject
    message["Message-ID"] = f"<{uuid.uuid4().hex}@customer.test>"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message.set_content(f"Hello, about {subject}.")
    return message.as_bytes()


def push_request(fake: GmailFake, history_id: int, token: str | None) -> WebhookRequest:
    """A Pub/Sub push as documented: the Gmail notice is base64 JSON in message.data."""
    notice = {"emailAddress": fake.address, "historyId": history_id}
    body = {
        "message": {
            "data": base64.b64encode(json.dumps(notice).encode()).decode(),
            "messageId": "2070443601311540",
            "message_id": "2070443601311540",
            "publishTime": "2021-02-26T19:13:55.749Z",
            "publish_time": "2021-02-26T19:13:55.749Z",
        },
        "subscription": "projects/switchboard-prod/subscriptions/gmail-push",
    }
    headers = {"content-type": "application/json"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    return WebhookRequest("POST", AUDIENCE, headers, {}, json.dumps(body).encode())


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    values = {
        "iss": "https://accounts.google.com",
        "aud": AUDIENCE,
        "azp": "113774264463038321964",
        "sub": "113774264463038321964",
        "email": PUSHER,
        "email_verified": True,
        "iat": now,
        "exp": now + 3600,
    }
    return {**values, **overrides}


async def test_first_poll_backfills_watched_labels_across_pages(
    box: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gmail_sync, "PAGE_SIZE", 2)
    first = box.fake.deliver(mail("Order 1"))
    box.fake.deliver(mail("Order 2"))
    box.fake.deliver(mail("Order 3"))
    box.fake.deliver(mail("Cheap pills"), labels=("SPAM",))
    conn = box.connection()
    batch = await connector.poll(conn)
    assert sorted(m.subject or "" for m in batch.messages) == ["Order 1", "Order 2", "Order 3"]
    got = next(m for m in batch.messages if m.external_id == first.id)
    assert got.thread_key == first.thread_id and got.sender.email == "ana@customer.test"
    assert got.message_id_header and got.organization_id == conn.organization_id
    assert batch.state == {"history_id": str(box.fake.history_id)}
    assert box.fake.calls.count("GET /messages") == 2  # two pages of two
    assert box.saved_state == []  # the poller's caller persists, not poll


async def test_history_sync_resumes_from_the_cursor_and_skips_our_own_mail(
    box: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gmail_sync, "HISTORY_PAGE_SIZE", 1)
    parent = box.fake.deliver(mail("Where is my order?"))
    conn = box.connection()
    conn.state = (await connector.poll(conn)).state
    assert (await connector.poll(conn)).messages == []
    header = "<first@customer.test>"
    reply = box.fake.deliver(mail("Re: order", in_reply_to=header), thread_id=parent.thread_id)
    box.fake.deliver(mail("our answer"), labels=("SENT",), thread_id=parent.thread_id)
    batch = await connector.poll(conn)
    assert [m.external_id for m in batch.messages] == [reply.id]
    assert batch.messages[0].in_reply_to == header and batch.messages[0].references == [header]
    assert batch.messages[0].thread_key == parent.thread_id
    assert batch.state["history_id"] == str(box.fake.history_id)
    assert box.fake.calls.count("GET /history") == 1 + 2  # the empty poll, then two pages


async def test_expired_history_falls_back_to_a_full_resync(box: Mailbox) -> None:
    box.fake.deliver(mail("old"))
    conn = box.connection()
    conn.state = (await connector.poll(conn)).state
    box.fake.expire_history()
    new = box.fake.deliver(mail("new"))
    batch = await connector.poll(conn)
    assert new.id in {m.external_id for m in batch.messages}
    assert box.fake.calls.count("GET /profile") == 2
    assert batch.state["history_id"] == str(box.fake.history_id)


async def test_signed_push_runs_the_sync_and_persists_the_cursor(box: Mailbox) -> None:
    conn = box.connection()
    conn.state = (await connector.poll(conn)).state
    new = box.fake.deliver(mail("pushed"))
    request = push_request(box.fake, box.fake.history_id, box.fake.sign_push_token(claims()))
    connector.verify(conn, request)
    messages = await connector.parse(conn, request)
    assert [m.external_id for m in messages] == [new.id]
    assert box.saved_state[-1]["history_id"] == str(box.fake.history_id)
    calls = len(box.fake.calls)
    assert await connector.parse(conn, request) == []  # a redelivered push reads nothing
    assert len(box.fake.calls) == calls


async def test_push_for_another_mailbox_is_ignored_and_garbage_is_bad_input(box: Mailbox) -> None:
    conn = box.connection(email_address="other@example.com")
    assert await connector.parse(conn, push_request(box.fake, 99_999, None)) == []
    assert box.fake.calls == []
    garbage = WebhookRequest("POST", AUDIENCE, {}, {}, b'{"message": {"data": "!!"}}')
    with pytest.raises(BadInput):
        await connector.parse(box.connection(), garbage)


@pytest.mark.parametrize(
    "case",
    ["missing", "other_key", "audience", "account", "issuer", "expired", "unverified"],
)
async def test_forged_or_absent_push_token_is_unauthorized(box: Mailbox, case: str) -> None:
    forged = {
        "audience": claims(aud="https://attacker.test/hook"),
        "account": claims(email="someone@evil-project.iam.gserviceaccount.com"),
        "issuer": claims(iss="https://evil.test"),
        "expired": claims(exp=int(time.time()) - 10),
        "unverified": claims(email_verified=False),
    }
    if case == "missing":
        token = None
    elif case == "other_key":
        other = GmailFake(oauth=box.fake.oauth, push_key=rsa.generate_private_key(65537, 2048))
        token = other.sign_push_token(claims())
    else:
        token = box.fake.sign_push_token(forged[case])
    with pytest.raises(Unauthorized):
        connector.verify(box.connection(), push_request(box.fake, 1, token))


async def test_watch_publishes_watched_labels_to_the_topic(box: Mailbox) -> None:
    conn = box.connection(label_ids=["INBOX", "Label_7"])
    expiration = await connector.watch(conn)
    assert box.fake.watches == [
        {
            "topicName": "projects/switchboard-prod/topics/gmail",
            "labelIds": ["INBOX", "Label_7"],
            "labelFilterBehavior": "include",
        }
    ]
    assert expiration > time.time() * 1000
    assert box.saved_state[-1]["watch_expiration"] == expiration


async def test_reply_is_sent_in_the_same_thread_and_not_ingested(box: Mailbox) -> None:
    inbound = box.fake.deliver(mail("Refund please"))
    conn = box.connection()
    parsed = (await connector.poll(conn)).messages[0]
    conn.state = {"history_id": str(box.fake.history_id)}
    outbound = OutboundMessage(
        message_id=uuid.uuid4(),
        conversation_id=uuid.uuid4(),
        text="Your refund is on its way.",
        subject=parsed.subject,
        to=[{"email": "ana@customer.test", "name": "Ana Lima"}],
        thread_key=parsed.thread_key,
        in_reply_to_external_id=parsed.external_id,
        in_reply_to_header=parsed.message_id_header,
    )
    result = await connector.send(conn, outbound)
    assert result.thread_key == inbound.thread_id
    assert box.fake.messages[result.external_id].label_ids == ["SENT"]
    sent = box.fake.sent[0]
    assert sent["threadId"] == inbound.thread_id
    assert sent["message"]["In-Reply-To"] == parsed.message_id_header
    assert sent["message"]["Subject"] == "Re: Refund please"
    assert sent["message"]["Message-ID"] == result.message_id_header
    assert (await connector.poll(conn)).messages == []


async def test_labels_are_created_once_and_added_by_id(box: Mailbox) -> None:
    message = box.fake.deliver(mail("Invoice"))
    with pytest.raises(BadInput, match=r"gmail\.modify"):  # the default scopes cannot label
        await connector.apply_labels(box.connection(), message.id, ["Billing"])
    conn = box.connection(label_messages=True)
    await connector.apply_labels(conn, message.id, ["Billing", "inbox"])
    await connector.apply_labels(conn, message.id, ["billing", "Urgent"])
    billing, urgent = box.fake.labels["Billing"], box.fake.labels["Urgent"]
    assert message.label_ids == ["INBOX", "UNREAD", billing, urgent]
    assert "billing" not in box.fake.labels  # matched case-insensitively, not duplicated
    assert box.fake.calls.count("POST /labels") == 2


async def test_expired_access_token_is_refreshed_and_persisted(box: Mailbox) -> None:
    box.fake.deliver(mail("after a long weekend"))
    conn = box.connection(access_token=SecretStr("stale"), token_expires_at=int(time.time()) - 5)
    batch = await connector.poll(conn)
    assert len(batch.messages) == 1
    assert [g["grant_type"] for g in box.fake.oauth.grants] == ["refresh_token"]
    fresh = box.saved_secrets[-1]["access_token"]
    assert fresh in box.fake.oauth.access_tokens and "refresh_token" in box.saved_secrets[-1]


async def test_revoked_access_token_is_refreshed_once(box: Mailbox) -> None:
    conn = box.connection(access_token=SecretStr("revoked-early"))
    await connector.poll(conn)
    assert [g["grant_type"] for g in box.fake.oauth.grants] == ["refresh_token"]


@pytest.mark.parametrize(
    ("statuses", "error"),
    [([429], Retriable), ([503], Retriable), ([500], Retriable), ([401, 401], Unauthorized)],
)
async def test_provider_errors_are_named_for_the_caller(
    box: Mailbox, statuses: list[int], error: type[Exception]
) -> None:
    box.fake.fail_next = list(statuses)
    with pytest.raises(error):
        await connector.poll(box.connection())


async def test_authorization_code_flow_against_the_token_endpoint(box: Mailbox) -> None:
    config = box.connection().config
    url = authorization_url(SPEC, config, redirect_uri="https://sb.test/cb", state="s1")
    assert url.startswith(f"{box.url}/o/oauth2/v2/auth?")
    assert "access_type=offline" in url and "prompt=consent" in url and "gmail.send" in url
    assert "gmail.readonly" in url and "gmail.labels" in url and "gmail.modify" not in url
    labelling = box.connection(label_messages=True).config
    assert "gmail.modify" in authorization_url(
        SPEC, labelling, redirect_uri="https://sb.test/cb", state="s1"
    )
    code = box.fake.oauth.issue_code("https://sb.test/cb")
    secrets = await exchange_code(SPEC, config, code=code, redirect_uri="https://sb.test/cb")
    assert secrets["access_token"] in box.fake.oauth.access_tokens
    assert secrets["refresh_token"] in box.fake.oauth.refresh_tokens


async def test_push_is_due_without_a_watch_or_within_a_day_of_its_expiry(box: Mailbox) -> None:
    assert not connector.push_due(box.connection(push_topic=None))  # push is not configured
    topic = {"push_topic": "projects/p/topics/gmail"}
    assert connector.push_due(box.connection(**topic))
    soon = int((time.time() + 3600) * 1000)
    later = int((time.time() + 3 * 86400) * 1000)
    assert connector.push_due(box.connection({"watch_expiration": soon}, **topic))
    assert not connector.push_due(box.connection({"watch_expiration": later}, **topic))
    await connector.renew_push(box.connection(**topic), "https://sb.example/hook")
    assert box.fake.watches[-1]["topicName"] == "projects/p/topics/gmail"
