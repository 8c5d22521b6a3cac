"""What every IMAP/SMTP mailbox connector does, whatever its login: poll, IDLE, send, label.

A provider module (generic `imap`, `yahoo`) subclasses `MailboxConnector` and only says how to
reach and log in to the mailbox (`account`); the behaviour lives here once.
"""

from __future__ import annotations

import asyncio
import email.policy
import logging
from abc import ABC, abstractmethod
from datetime import UTC, datetime, timedelta
from typing import Any

import aiosmtplib
from pydantic import Field

from ingestion.connectors import imap_session as imap
from ingestion.connectors.base import ConnectorConfig
from ingestion.connectors.capabilities import Connection, OutboundMessage, PollBatch, SendResult
from ingestion.connectors.imap_session import MailAccount
from ingestion.connectors.mime import build_reply, message_ids, parse_mime
from ingestion.contract import InboundMessage
from store.errors import BadInput, Retriable, SwitchboardError, Unauthorized

log = logging.getLogger(__name__)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class MailboxOptions(ConnectorConfig):
    """Mailbox settings shared by every IMAP-based connector's config."""

    folder: str = Field(default="INBOX", min_length=1, max_length=255)
    sent_folder: str | None = Field(
        default=None, max_length=255, description="append a copy of each reply here (e.g. Sent)"
    )
    from_name: str | None = Field(default=None, max_length=200)
    backfill_days: int | None = Field(
        default=None, ge=1, le=3650, description="first poll imports this many days (all if unset)"
    )
    batch_size: int = Field(default=50, ge=1, le=500, description="messages fetched per poll")


class MailboxConnector(ABC):
    """Poller + Sender + Labeler over IMAP (aioimaplib) and SMTP (aiosmtplib)."""

    poll_interval_s: float = 60.0

    @abstractmethod
    async def account(self, conn: Connection) -> MailAccount:
        """Where the mailbox is and the credentials to open it, for this call."""

    async def poll(self, conn: Connection) -> PollBatch:
        """New mail since the cursor {uidvalidity, last_uid}; the caller persists `state`."""
        account = await self.account(conn)
        async with imap.imap_session(account) as client:
            validity = await imap.select(client, account.folder)
            floor = await _floor(client, conn.state, validity, account.backfill_days)
            found = await imap.search_uids(client, "UID", f"{floor + 1}:*")
            # `N:*` always matches the highest UID, even when it is below N: filter.
            uids = [uid for uid in found if uid > floor]
            batch = uids[: account.batch_size]
            fetched = await imap.fetch_raw(client, batch) if batch else []
        messages = [_message(conn, account.folder, validity, uid, raw) for uid, raw in fetched]
        state = {"uidvalidity": validity, "last_uid": max([floor, *batch])}
        return PollBatch(messages=messages, state=state, more=len(uids) > len(batch))

    async def wait_for_mail(self, conn: Connection, timeout_s: float) -> bool:
        """Block in IMAP IDLE until the server reports new mail (True) or timeout (False)."""
        account = await self.account(conn)
        async with imap.imap_session(account) as client:
            await imap.select(client, account.folder)
            if not client.has_capability("IDLE"):
                # No push from this server: wait one poll interval, then let the caller poll.
                await asyncio.sleep(min(timeout_s, self.poll_interval_s))
                return False
            return await imap.idle_until_push(client, timeout_s)

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        """SMTP the reply threaded under the original; copy it to the Sent folder when set."""
        account = await self.account(conn)
        reply = build_reply(message, from_address=account.from_address, from_name=account.from_name)
        await _smtp_send(account, reply)
        message_id = str(reply["Message-ID"])
        if account.sent_folder:
            await _copy_to_sent(account, reply.as_bytes(policy=email.policy.SMTP))
        return SendResult(
            external_id=message_id, message_id_header=message_id, sent_at=datetime.now(UTC)
        )

    async def apply_labels(self, conn: Connection, external_id: str, labels: list[str]) -> None:
        """Add the labels as IMAP keywords on the message (found by Message-ID or UID)."""
        keywords = sorted({k for label in labels if (k := imap.keyword(label))})
        if not keywords:
            return
        account = await self.account(conn)
        async with imap.imap_session(account) as client:
            validity = await imap.select(client, account.folder)
            uid = await _find_uid(client, validity, external_id)
            await imap.add_keywords(client, uid, keywords)


async def _floor(
    client: Any, state: dict[str, Any], validity: int, backfill_days: int | None
) -> int:
    """The highest UID already imported; a new UIDVALIDITY means the old UIDs mean nothing."""
    last = state.get("last_uid")
    if state.get("uidvalidity") == validity and isinstance(last, int):
        return last
    if not backfill_days:
        return 0
    day = datetime.now(UTC).date() - timedelta(days=backfill_days)
    since = f"{day.day}-{_MONTHS[day.month - 1]}-{day.year}"  # IMAP dates are never localised
    recent = await imap.search_uids(client, "SINCE", since)
    if recent:
        return recent[0] - 1
    return max(await imap.search_uids(client, "ALL"), default=0)


def _message(conn: Connection, folder: str, validity: int, uid: int, raw: bytes) -> InboundMessage:
    fallback = f"uid:{validity}:{uid}"
    parsed = parse_mime(raw, conn=conn, external_id=fallback)
    # UIDs change with UIDVALIDITY; a Message-ID survives that, so the pipeline dedupes on it.
    return parsed.model_copy(
        update={
            "external_id": parsed.message_id_header or fallback,
            "raw_ref": f"imap:{folder}:{validity}:{uid}"[:500],
            "metadata": {**parsed.metadata, "imap_uid": uid, "imap_uidvalidity": validity},
        }
    )


async def _find_uid(client: Any, validity: int, external_id: str) -> int:
    if external_id.startswith("uid:"):
        _, seen_validity, uid = external_id.split(":", 2)
        if seen_validity != str(validity) or not uid.isdigit():
            raise BadInput("imap: the message's folder was reset; it has a new id", code="stale")
        return int(uid)
    ids = message_ids(external_id)
    if not ids:
        raise BadInput("imap: the external id is not a Message-ID", code="bad_external_id")
    found = await imap.search_uids(client, "HEADER", "Message-ID", imap.quote(ids[0]))
    if not found:
        raise BadInput("imap: the message is not in the folder", code="message_not_found")
    return found[-1]


async def _smtp_send(account: MailAccount, reply: Any) -> None:
    where = f"smtp {account.smtp_host}:{account.smtp_port}"
    smtp = aiosmtplib.SMTP(
        hostname=account.smtp_host,
        port=account.smtp_port,
        use_tls=account.smtp_ssl,
        start_tls=account.smtp_starttls if not account.smtp_ssl else False,
        timeout=imap.TIMEOUT_S,
    )
    try:
        async with smtp:
            await _smtp_login(smtp, account)
            await smtp.send_message(reply)
    except SwitchboardError:
        raise
    except aiosmtplib.SMTPAuthenticationError as exc:
        raise Unauthorized(f"{where}: the server refused the login") from exc
    except aiosmtplib.SMTPRecipientsRefused as exc:
        raise BadInput(f"{where}: the server refused every recipient", code="smtp_rcpt") from exc
    except aiosmtplib.SMTPResponseException as exc:
        if 400 <= exc.code < 500:
            raise Retriable(f"{where}: temporary failure ({exc.code})") from exc
        raise BadInput(f"{where}: the server refused the message ({exc.code})") from exc
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise Retriable(f"{where}: {type(exc).__name__} talking to the server") from exc


async def _smtp_login(smtp: aiosmtplib.SMTP, account: MailAccount) -> None:
    if account.oauth_token is not None:
        await smtp.auth_xoauth2(account.username, account.oauth_token)
    elif account.password is not None:
        await smtp.login(account.username, account.password)


async def _copy_to_sent(account: MailAccount, raw: bytes) -> None:
    try:
        async with imap.imap_session(account) as client:
            await imap.append(client, account.sent_folder or "Sent", raw)
    except (Retriable, BadInput) as exc:
        # The reply is delivered; raising would make the caller send it twice.
        log.warning("reply sent but not copied to the Sent folder: %s", exc.message)
