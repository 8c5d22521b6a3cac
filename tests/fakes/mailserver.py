"""A private Dovecot IMAP server and an aiosmtpd SMTP server on loopback, for the mail tests.

Dovecot runs from its Debian binary with a generated config in a temp dir: passwd-file users,
maildirs under the same dir, plain auth without TLS. The users' passwd-file entries double as
XOAUTH2 tokens (Dovecot verifies an XOAUTH2 bearer token as the user's password). The SMTP
server delivers every accepted message into the recipient's Dovecot maildir, when it has one,
and records it, so a test can read what was sent both ways.
"""

from __future__ import annotations

import base64
import email
import email.policy
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.fakes.http_server import free_port

DOVECOT = "/usr/sbin/dovecot"
MAIL_USER = "nobody"

_CONF = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2
default_internal_user = dovecot
default_login_user = dovenull
mail_location = maildir:{root}/mail/%u
mailbox_idle_check_interval = 1 secs
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users/%u
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


@dataclass
class Dovecot:
    """One running Dovecot: each user has a passwd-file of their own, under `root/users`."""

    root: Path
    port: int
    owner: tuple[int, int]
    users: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    host = "127.0.0.1"

    def set_user(self, user: str, password: str) -> None:
        """One passwd-file per user: Dovecot checks a file for changes at most once a second,
        so a file per user makes a new user visible at once (a changed password waits)."""
        changed = user in self.users
        self.users[user] = password
        path = self.root / "users" / user
        tmp = path.with_suffix(".tmp")
        tmp.write_text(f"{user}:{{PLAIN}}{password}::::::\n")
        os.replace(tmp, path)
        if changed:
            time.sleep(1.1)

    @contextmanager
    def imap(self, user: str) -> Iterator[imaplib.IMAP4]:
        """A plain synchronous client, to act as another mail client on the same mailbox."""
        client = imaplib.IMAP4(self.host, self.port)
        client.login(user, self.users[user])
        try:
            yield client
        finally:
            client.logout()

    def append(self, user: str, raw: bytes, folder: str = "INBOX") -> None:
        with self.imap(user) as client:
            status, _ = client.append(folder, "", None, raw)
            assert status == "OK", status

    def keywords(self, user: str, message_id: str, folder: str = "INBOX") -> set[str]:
        """The IMAP flags of the message with this Message-ID, as another client sees them."""
        with self.imap(user) as client:
            client.select(folder)
            _, data = client.uid("SEARCH", None, "HEADER", "Message-ID", f'"{message_id}"')
            uids = data[0].split()
            assert uids, f"no message {message_id}"
            _, flags = client.uid("FETCH", uids[-1].decode(), "(FLAGS)")
            text = flags[0].decode() if isinstance(flags[0], bytes) else str(flags[0])
            inner = text.split("FLAGS (", 1)[1].split(")", 1)[0]
            return set(inner.split())

    def messages(self, user: str, folder: str = "INBOX") -> list[EmailMessage]:
        with self.imap(user) as client:
            client.select(folder)
            _, data = client.uid("SEARCH", None, "ALL")
            found: list[EmailMessage] = []
            for uid in data[0].split():
                _, parts = client.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
                raw = parts[0][1] if isinstance(parts[0], tuple) else b""
                parsed = email.message_from_bytes(raw, policy=email.policy.default)
                assert isinstance(parsed, EmailMessage)
                found.append(parsed)
            return found

    def recreate_folder(self, user: str, folder: str) -> None:
        """Delete and recreate a folder: the server gives it a new UIDVALIDITY."""
        with self.imap(user) as client:
            client.delete(folder)
            client.create(folder)

    def deliver(self, user: str, raw: bytes) -> None:
        """Drop a message into the user's maildir `new/`, as a local delivery agent does."""
        home = self.root / "mail" / user
        for sub in ("", "new", "cur", "tmp"):
            (home / sub).mkdir(exist_ok=True)
            os.chown(home / sub, *self.owner)
        name = f"{time.time():.6f}.{uuid.uuid4().hex}.sb"
        tmp = home / "tmp" / name
        tmp.write_bytes(raw)
        os.chown(tmp, *self.owner)
        os.replace(tmp, home / "new" / name)


@contextmanager
def run_dovecot(extra_conf: str = "") -> Iterator[Dovecot]:
    """Start a private Dovecot on a free loopback port; stop it and remove its files afterwards."""
    # Dovecot refuses root as the mail user, and its auth process runs as `dovecot`: the tree
    # must be traversable by both, so it lives in its own world-readable temp dir.
    root = Path(tempfile.mkdtemp(prefix="sb-dovecot-"))
    root.chmod(0o755)
    owner = pwd.getpwnam(MAIL_USER)
    for sub in ("run", "state", "mail", "home", "users"):
        (root / sub).mkdir()
    for sub in ("mail", "home"):
        os.chown(root / sub, owner.pw_uid, owner.pw_gid)
    server = Dovecot(root=root, port=free_port(), owner=(owner.pw_uid, owner.pw_gid))
    conf = root / "dovecot.conf"
    settings = _CONF.format(root=root, port=server.port, uid=owner.pw_uid, gid=owner.pw_gid)
    conf.write_text(settings + extra_conf)
    server.process = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], start_new_session=True)
    try:
        _wait_for_port(server.host, server.port, server.process, root / "dovecot.log")
        yield server
    finally:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=5)
        shutil.rmtree(root, ignore_errors=True)


def _wait_for_port(host: str, port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            detail = log.read_text() if log.exists() else ""
            raise RuntimeError(f"dovecot exited ({process.returncode}): {detail[-2000:]}")
        with socket.socket() as sock:
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("dovecot did not start listening")


@dataclass
class SmtpRecorder:
    """aiosmtpd handler: checks credentials, records messages, delivers into Dovecot maildirs."""

    dovecot: Dovecot
    passwords: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # user → accepted XOAUTH2 token
    received: list[tuple[Envelope, EmailMessage]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)  # (mechanism, user)

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        user, password = data.login.decode(), data.password.decode()
        ok = self.passwords.get(user) == password
        if ok:
            self.logins.append((mechanism, user))
        return AuthResult(success=ok, handled=False)

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        """RFC-less but documented (Google, Yahoo): base64('user=U^Aauth=Bearer T^A^A')."""
        if len(args) < 2:
            return AuthResult(success=False, handled=False)
        fields = base64.b64decode(args[1]).decode().split("\x01")
        pairs = dict(item.split("=", 1) for item in fields if "=" in item)
        user, auth = pairs.get("user", ""), pairs.get("auth", "")
        ok = bool(user) and auth == f"Bearer {self.tokens.get(user, object())}"
        if ok:
            self.logins.append(("XOAUTH2", user))
        return AuthResult(success=ok, handled=False, auth_data=user)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append((envelope, parsed))
        for rcpt in envelope.rcpt_tos:
            if rcpt in self.dovecot.users:
                self.dovecot.deliver(rcpt, raw)
        return "250 OK delivered"


@contextmanager
def run_smtp(dovecot: Dovecot) -> Iterator[tuple[SmtpRecorder, int]]:
    """An aiosmtpd server on a free loopback port that needs AUTH (PLAIN/LOGIN/XOAUTH2)."""
    handler = SmtpRecorder(dovecot=dovecot)
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=handler.authenticate,
        auth_require_tls=False,  # loopback only; aiosmtpd warns per connection (filtered)
        auth_required=True,
    )
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
