"""An authenticated IMAP session (aioimaplib) whose failures are named for the caller's action.

Transport trouble (refused connection, timeout, dropped socket, a server's BYE) is `Retriable`;
refused credentials are `Unauthorized`; a folder the server does not have is `BadInput`.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
import unicodedata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aioimaplib

from store.errors import BadInput, Retriable, SwitchboardError, Unauthorized

log = logging.getLogger(__name__)

TIMEOUT_S = 30.0
_UIDVALIDITY = re.compile(rb"\[UIDVALIDITY (\d+)\]")
_SEARCH = re.compile(rb"(?:SEARCH)?([\d ]*)")
_FETCH_UID = re.compile(rb"\bUID (\d+)")
_NOT_ATOM = re.compile(r"[^\x21-\x7e]|[(){%*\"\\\]]")
_NEW_MAIL = (b"EXISTS", b"RECENT")
_TRANSPORT_ERRORS = (aioimaplib.AioImapException, OSError, asyncio.TimeoutError, EOFError)


@dataclass(frozen=True)
class MailAccount:
    """Where and how to reach one mailbox, resolved from a connector's config for one call."""

    username: str
    from_address: str
    imap_host: str
    imap_port: int
    imap_ssl: bool
    smtp_host: str
    smtp_port: int
    smtp_ssl: bool
    smtp_starttls: bool
    folder: str = "INBOX"
    sent_folder: str | None = None
    from_name: str | None = None
    backfill_days: int | None = None
    batch_size: int = 50
    password: str | None = field(default=None, repr=False)
    oauth_token: str | None = field(default=None, repr=False)


@asynccontextmanager
async def imap_session(account: MailAccount) -> AsyncIterator[Any]:
    """Connected and logged in (password or SASL XOAUTH2); logged out afterwards."""
    where = f"imap {account.imap_host}:{account.imap_port}"
    try:
        client = _client(account)
        await client.wait_hello_from_server()
        await _authenticate(client, account)
        try:
            yield client
        finally:
            await _logout(client)
    except SwitchboardError:
        raise
    except _TRANSPORT_ERRORS as exc:
        raise Retriable(f"{where}: {type(exc).__name__} talking to the server") from exc


def _client(account: MailAccount) -> Any:
    if account.imap_ssl:
        return aioimaplib.IMAP4_SSL(
            host=account.imap_host, port=account.imap_port, timeout=TIMEOUT_S
        )
    return aioimaplib.IMAP4(host=account.imap_host, port=account.imap_port, timeout=TIMEOUT_S)


async def _authenticate(client: Any, account: MailAccount) -> None:
    if account.oauth_token is not None:
        if not client.has_capability("AUTH=XOAUTH2"):
            raise BadInput("the IMAP server does not offer XOAUTH2", code="imap_no_xoauth2")
        response = await _xoauth2(client.protocol, account.username, account.oauth_token)
    else:
        response = await client.login(account.username, account.password or "")
    if response.result != "OK":
        raise Unauthorized(f"imap {account.imap_host}: the server refused the login")


class _XOAuth2Command(aioimaplib.Command):  # type: ignore[misc]
    """AUTHENTICATE XOAUTH2 with its initial response (SASL-IR).

    A refused token gets an error challenge (`+ <base64 JSON>`) that wants an empty reply before
    the tagged NO; aioimaplib's own xoauth2 never sends it and hangs, so this command does."""

    def __init__(self, protocol: Any, sasl: str) -> None:
        super().__init__("AUTHENTICATE", protocol.new_tag(), "XOAUTH2", sasl, loop=protocol.loop)
        self._transport = protocol.transport

    def flush(self) -> None:
        self._transport.write(b"\r\n")


async def _xoauth2(protocol: Any, user: str, token: str) -> Any:
    sasl = base64.b64encode(f"user={user}\x01auth=Bearer {token}\x01\x01".encode()).decode()
    command = _XOAuth2Command(protocol, sasl)
    response = await asyncio.wait_for(protocol.execute(command, scrub=sasl), TIMEOUT_S)
    if response.result == "OK":
        protocol.state = aioimaplib.AUTH
        await asyncio.wait_for(protocol.capability(), TIMEOUT_S)  # IDLE may appear only now
    return response


async def _logout(client: Any) -> None:
    try:
        await client.logout()
    except _TRANSPORT_ERRORS as exc:
        # The work is done; a server that drops the socket on LOGOUT changes nothing.
        log.debug("imap logout failed: %s", type(exc).__name__)


def check(response: Any, action: str) -> list[Any]:
    """The response lines of a command that answered OK; NO/BAD is named for the caller."""
    if response.result == "OK":
        return list(response.lines)
    if response.result == "NO":
        raise BadInput(f"imap: the server refused to {action}", code="imap_refused")
    raise Retriable(f"imap: {action} failed ({response.result})")


async def select(client: Any, folder: str) -> int:
    """Open the folder read-write and return its UIDVALIDITY."""
    lines = check(await client.select(mailbox_name(folder)), f"open folder {folder!r}")
    for line in lines:
        if isinstance(line, bytes | bytearray) and (found := _UIDVALIDITY.search(line)):
            return int(found.group(1))
    raise Retriable("imap: the server did not report UIDVALIDITY")


async def search_uids(client: Any, *criteria: str) -> list[int]:
    lines = check(await client.uid_search(*criteria, charset=None), "search")
    uids: list[int] = []
    for line in lines:
        # aioimaplib strips the `* SEARCH` prefix from the untagged result; accept either.
        found = _SEARCH.fullmatch(bytes(line)) if isinstance(line, bytes | bytearray) else None
        if found:
            uids.extend(int(value) for value in found.group(1).split())
    return sorted(set(uids))


async def fetch_raw(client: Any, uids: list[int]) -> list[tuple[int, bytes]]:
    """(uid, RFC 822 bytes) per message; BODY.PEEK leaves the \\Seen flag alone."""
    uid_set = ",".join(str(uid) for uid in uids)
    lines = check(await client.uid("fetch", uid_set, "(UID BODY.PEEK[])"), "fetch messages")
    found: list[tuple[int, bytes]] = []
    for index, line in enumerate(lines):
        # aioimaplib hands a literal as a bytearray right after its `N FETCH (... {size}` line.
        if not isinstance(line, bytearray) or index == 0:
            continue
        head = bytes(lines[index - 1])
        tail = bytes(lines[index + 1]) if index + 1 < len(lines) else b""
        uid = _FETCH_UID.search(head) or _FETCH_UID.search(tail)
        if uid:
            found.append((int(uid.group(1)), bytes(line)))
    return found


async def idle_until_push(client: Any, timeout_s: float) -> bool:
    """IDLE until the server reports new mail (EXISTS/RECENT: True) or the time is up (False)."""
    idle = await client.idle_start(timeout=timeout_s)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    try:
        while (left := deadline - loop.time()) > 0:
            try:
                pushed = await client.wait_server_push(timeout=left)
            except TimeoutError:
                return False
            if pushed == aioimaplib.STOP_WAIT_SERVER_PUSH:
                return False  # aioimaplib's own IDLE timer ended the wait
            if any(word in bytes(line) for line in pushed for word in _NEW_MAIL):
                return True  # other pushes (flag changes, expunges) are not new mail
        return False
    finally:
        client.idle_done()
        await asyncio.wait_for(idle, TIMEOUT_S)


async def add_keywords(client: Any, uid: int, keywords: list[str]) -> None:
    flags = "(" + " ".join(keywords) + ")"
    check(await client.uid("store", str(uid), "+FLAGS", flags), "set keywords")


async def append(client: Any, folder: str, raw: bytes, flags: str = "(\\Seen)") -> None:
    check(await client.append(raw, mailbox=mailbox_name(folder), flags=flags), "append")


def keyword(label: str) -> str | None:
    """A label as an IMAP keyword (an atom): accents folded, forbidden characters as `_`."""
    folded = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    atom = _NOT_ATOM.sub("_", folded.strip().replace(" ", "_")).lstrip("\\")[:64]
    return atom.strip("_") or None


def quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def mailbox_name(folder: str) -> str:
    """A folder name on the wire: modified UTF-7 (RFC 3501 §5.1.3), quoted."""
    out: list[str] = []
    pending: list[str] = []
    for char in folder + "\x00":
        if char != "\x00" and not 0x20 <= ord(char) <= 0x7E:
            pending.append(char)
            continue
        if pending:
            encoded = base64.b64encode("".join(pending).encode("utf-16-be")).rstrip(b"=")
            out.append("&" + encoded.decode().replace("/", ",") + "-")
            pending = []
        if char != "\x00":
            out.append("&-" if char == "&" else char)
    return quote("".join(out))
