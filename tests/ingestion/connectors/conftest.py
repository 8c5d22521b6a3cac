"""Mail servers for the mail connectors' tests: one private Dovecot and one SMTP server per run."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Iterator

import pytest

from tests.fakes.mailserver import Dovecot, SmtpRecorder, run_dovecot, run_smtp


def pytest_configure(config: pytest.Config) -> None:
    # The loopback SMTP fake takes AUTH without TLS on purpose; aiosmtpd warns on each connection.
    config.addinivalue_line(
        "filterwarnings", "ignore:Requiring AUTH while not requiring TLS:UserWarning"
    )


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    with run_dovecot() as server:
        yield server


@pytest.fixture(scope="session")
def smtp_server(dovecot: Dovecot) -> Iterator[tuple[SmtpRecorder, int]]:
    with run_smtp(dovecot) as running:
        yield running


@pytest.fixture
def new_mail_user(
    dovecot: Dovecot, smtp_server: tuple[SmtpRecorder, int]
) -> Callable[[], tuple[str, str]]:
    """Make a fresh mailbox (user, password) known to both servers: tests never share mail."""

    def make() -> tuple[str, str]:
        user = f"u{uuid.uuid4().hex[:10]}@example.test"
        password = secrets.token_urlsafe(12)
        dovecot.set_user(user, password)
        smtp_server[0].passwords[user] = password
        return user, password

    return make


@pytest.fixture(scope="session")
def dovecot_without_idle() -> Iterator[Dovecot]:
    """A server that does not advertise IDLE, as some hosted IMAP servers do not."""
    with run_dovecot(extra_conf="imap_capability = IMAP4rev1 SASL-IR LITERAL+ UIDPLUS\n") as s:
        yield s
