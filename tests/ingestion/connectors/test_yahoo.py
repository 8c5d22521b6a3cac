"""Yahoo Mail: IMAP and SMTP over SASL XOAUTH2, against the private Dovecot and SMTP server.

Dovecot checks the XOAUTH2 bearer token against the user's passdb entry, so a mailbox whose
passwd-file password is the token accepts exactly that token; the SMTP fake checks the exact
`user=...^Aauth=Bearer ...^A^A` string. Token refresh goes to a fake OAuth token endpoint.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from email.message import EmailMessage

import pytest
from fastapi import FastAPI

from ingestion.connectors.capabilities import Connection, OutboundMessage
from ingestion.connectors.yahoo import SPEC, YahooConfig, YahooConnector
from store.errors import Retriable, Unauthorized
from tests.fakes.http_server import free_port, serve_app
from tests.fakes.mailserver import Dovecot, SmtpRecorder
from tests.fakes.oauth_server import OAuthServer

NewUser = Callable[[], tuple[str, str]]
FRESH = "at-fresh-token"


class FixedTokenServer(OAuthServer):
    """Issues a known access token, so the mail servers can be told to accept it."""

    def issue_access_token(self) -> str:
        self.access_tokens.add(FRESH)
        return FRESH


@pytest.fixture
def oauth() -> Iterator[tuple[FixedTokenServer, str]]:
    server = FixedTokenServer()
    app = FastAPI()
    app.include_router(server.router("/oauth2/get_token"))
    with serve_app(app) as base:
        yield server, base


def yahoo_connection(
    dovecot: Dovecot, smtp_port: int, user: str, oauth_base: str, **tokens: object
) -> tuple[Connection, list[dict[str, str]]]:
    config = YahooConfig(
        email_address=user,
        client_id="client-1",
        client_secret="client-secret-1",
        oauth_base_url=oauth_base,
        imap_host=dovecot.host,
        imap_port=dovecot.port,
        imap_ssl=False,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_ssl=False,
        **tokens,
    )
    saved: list[dict[str, str]] = []

    async def save(secrets: dict[str, str]) -> None:
        saved.append(secrets)

    conn = Connection(
        integration_id=uuid.uuid4(),
        organization_id=uuid.uuid4(),
        channel="email",
        config=config,
        save_secrets=save,
    )
    return conn, saved


def inbound(subject: str, message_id: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "ada@customer.test"
    msg["To"] = "support@yahoo.test"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg.set_content("Where is my parcel?")
    return msg.as_bytes()


async def test_an_expired_token_is_refreshed_persisted_and_used_for_imap(
    dovecot: Dovecot,
    smtp_server: tuple[SmtpRecorder, int],
    new_mail_user: NewUser,
    oauth: tuple[FixedTokenServer, str],
) -> None:
    server, base = oauth
    user, _ = new_mail_user()
    dovecot.set_user(user, FRESH)  # the mailbox accepts only the token the refresh will issue
    dovecot.append(user, inbound("Parcel", "<parcel@customer.test>"))
    refresh = server.issue_refresh_token()
    conn, saved = yahoo_connection(
        dovecot, smtp_server[1], user, base,
        access_token="at-expired", refresh_token=refresh, token_expires_at=int(time.time()) - 10,
    )  # fmt: skip
    batch = await YahooConnector().poll(conn)
    assert [m.external_id for m in batch.messages] == ["<parcel@customer.test>"]
    assert saved and saved[0]["access_token"] == FRESH and saved[0]["refresh_token"] == refresh
    assert int(saved[0]["token_expires_at"]) > time.time() + 3000
    assert [g["grant_type"] for g in server.grants] == ["refresh_token"]


async def test_a_valid_token_sends_over_smtp_xoauth2_in_the_thread(
    dovecot: Dovecot,
    smtp_server: tuple[SmtpRecorder, int],
    new_mail_user: NewUser,
    oauth: tuple[FixedTokenServer, str],
) -> None:
    server, base = oauth
    recorder, port = smtp_server
    user, _ = new_mail_user()
    customer, _ = new_mail_user()
    recorder.tokens[user] = FRESH
    conn, saved = yahoo_connection(
        dovecot, port, user, base, access_token=FRESH, token_expires_at=int(time.time()) + 3600
    )
    reply = OutboundMessage(
        message_id=uuid.uuid4(),
        conversation_id=uuid.uuid4(),
        text="It left the depot this morning.",
        subject="Parcel",
        to=[{"email": customer}],
        in_reply_to_header="<parcel@customer.test>",
    )
    result = await YahooConnector().send(conn, reply)
    [delivered] = dovecot.messages(customer)
    assert delivered["Message-ID"] == result.external_id
    assert delivered["In-Reply-To"] == "<parcel@customer.test>"
    assert delivered["References"] == "<parcel@customer.test>"
    assert ("XOAUTH2", user) in recorder.logins
    assert server.grants == [] and saved == []  # no refresh while the token is valid


async def test_labels_are_applied_over_an_xoauth2_session(
    dovecot: Dovecot,
    smtp_server: tuple[SmtpRecorder, int],
    new_mail_user: NewUser,
    oauth: tuple[FixedTokenServer, str],
) -> None:
    user, _ = new_mail_user()
    dovecot.set_user(user, FRESH)
    dovecot.append(user, inbound("Label me", "<label@customer.test>"))
    conn, _ = yahoo_connection(
        dovecot, smtp_server[1], user, oauth[1],
        access_token=FRESH, token_expires_at=int(time.time()) + 3600,
    )  # fmt: skip
    await YahooConnector().apply_labels(conn, "<label@customer.test>", ["shipping"])
    assert "shipping" in dovecot.keywords(user, "<label@customer.test>")


async def test_a_token_the_servers_refuse_is_unauthorized(
    dovecot: Dovecot,
    smtp_server: tuple[SmtpRecorder, int],
    new_mail_user: NewUser,
    oauth: tuple[FixedTokenServer, str],
) -> None:
    user, _ = new_mail_user()
    conn, _ = yahoo_connection(
        dovecot, smtp_server[1], user, oauth[1],
        access_token="at-revoked", token_expires_at=int(time.time()) + 3600,
    )  # fmt: skip
    with pytest.raises(Unauthorized):
        await YahooConnector().poll(conn)
    message = OutboundMessage(
        message_id=uuid.uuid4(), conversation_id=uuid.uuid4(), text="x", to=[{"email": "a@b.test"}]
    )
    with pytest.raises(Unauthorized):
        await YahooConnector().send(conn, message)


async def test_no_refresh_token_is_unauthorized_and_a_down_token_endpoint_retriable(
    dovecot: Dovecot, smtp_server: tuple[SmtpRecorder, int], new_mail_user: NewUser
) -> None:
    user, _ = new_mail_user()
    closed = f"http://127.0.0.1:{free_port()}"
    conn, _ = yahoo_connection(dovecot, smtp_server[1], user, closed)
    with pytest.raises(Unauthorized):
        await YahooConnector().poll(conn)
    conn, _ = yahoo_connection(dovecot, smtp_server[1], user, closed, refresh_token="rt-x")
    with pytest.raises(Retriable):
        await YahooConnector().poll(conn)


def test_spec_declares_yahoo_oauth_and_its_mail_hosts() -> None:
    assert SPEC.oauth is not None and SPEC.oauth.scopes == ("mail-w",)
    assert SPEC.oauth.token_url == "https://api.login.yahoo.com/oauth2/get_token"
    assert SPEC.oauth.authorize_url == "https://api.login.yahoo.com/oauth2/request_auth"
    config = YahooConfig(email_address="me@yahoo.com")
    assert (config.imap_host, config.imap_port, config.imap_ssl) == (
        "imap.mail.yahoo.com", 993, True,
    )  # fmt: skip
    assert (config.smtp_host, config.smtp_port, config.smtp_ssl) == (
        "smtp.mail.yahoo.com", 465, True,
    )  # fmt: skip
    props = SPEC.config_schema()["properties"]
    assert props["access_token"]["writeOnly"] and props["client_secret"]["writeOnly"]
    assert isinstance(SPEC.connector(), YahooConnector)
