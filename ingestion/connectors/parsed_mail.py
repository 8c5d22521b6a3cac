"""What the email-parse webhooks share (Mailgun routes, SendGrid Inbound Parse, Postmark inbound):
their posted fields as one `ParsedMail`, threaded by RFC 5322 ids, and a reply's addressing.

Each provider module only maps its own field names onto `ParsedMail`. The thread key is the root
of the RFC 5322 thread (the first References id, else In-Reply-To, else the message's own id): a
customer's later reply carries the same root, so it lands in the same conversation, and our reply
threads under the message it answers through In-Reply-To / References.
"""

from __future__ import annotations

import email
import email.message
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl

from ingestion.connectors.capabilities import Connection, OutboundMessage, WebhookRequest
from ingestion.connectors.mime import (
    html_to_text,
    message_ids,
    parse_mime,
    reply_message_id,
    reply_subject,
)
from ingestion.contract import MAX_HTML_CHARS, MAX_TEXT_CHARS, Attachment, InboundMessage, Party
from store.errors import BadInput

MAX_REFERENCES = 200
# Config patterns: a mail domain, and a plain address (no display name, no list).
HOSTNAME = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
ADDRESS = r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$"


@dataclass(frozen=True)
class Form:
    """A posted form: the first value of each text field (decoded as UTF-8, raw bytes kept for
    providers that name another charset) and the uploaded files as attachment metadata."""

    fields: dict[str, str]
    raw: dict[str, bytes] = field(default_factory=dict)
    files: list[Attachment] = field(default_factory=list)

    def get(self, name: str) -> str:
        return self.fields.get(name, "")


@dataclass(frozen=True)
class ParsedMail:
    """One inbound email as a parse webhook describes it."""

    external_id: str
    sender: Party
    recipients: list[Party] = field(default_factory=list)
    subject: str | None = None
    text: str = ""
    html: str | None = None
    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    date: str | None = None
    raw_ref: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def read_form(request: WebhookRequest) -> Form:
    """`application/x-www-form-urlencoded` or `multipart/form-data`, as parse webhooks post."""
    content_type = request.header("content-type") or ""
    if content_type.lower().startswith("multipart/form-data"):
        return _multipart(content_type, request.body)
    text = request.body.decode("utf-8", "replace")
    fields: dict[str, str] = {}
    for name, value in parse_qsl(text, keep_blank_values=True):
        fields.setdefault(name, value)
    return Form(fields=fields, raw={k: v.encode() for k, v in fields.items()})


def _multipart(content_type: str, body: bytes) -> Form:
    # The stdlib MIME parser reads multipart/form-data once given the Content-Type line.
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    msg = email.message_from_bytes(head + body)
    if not msg.is_multipart():
        raise BadInput("the multipart form could not be read", code="bad_form")
    fields: dict[str, str] = {}
    raw: dict[str, bytes] = {}
    files: list[Attachment] = []
    for index, part in enumerate(
        p for p in msg.get_payload() if isinstance(p, email.message.Message)
    ):
        name = str(part.get_param("name", header="content-disposition") or "")
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename:
            files.append(_file(filename, part.get_content_type(), len(data), name or str(index)))
        elif name and name not in fields:
            raw[name] = data
            fields[name] = data.decode(part.get_content_charset() or "utf-8", "replace")
    return Form(fields=fields, raw=raw, files=files[:100])


def _file(filename: str, content_type: str, size: int, name: str) -> Attachment:
    return Attachment(
        filename=filename[:500],
        content_type=content_type[:200],
        size=size,
        ref=f"form:{name}"[:1000],
    )


def parties(value: str | None) -> list[Party]:
    """`"Bob" <bob@example.com>, carol@example.com` as Parties (addresses without @ dropped)."""
    found = []
    for name, address in getaddresses([value or ""]):
        if "@" in address:
            found.append(Party(email=address[:320], name=(name or None) and name[:200]))
    return found


def stable_id(*parts: str) -> str:
    """An id derived from the content, for mail that names no Message-ID: a provider's retry of
    the same post yields the same id, so the pipeline's dedupe absorbs it."""
    return "sha256:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def header_value(headers: email.message.Message, name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        return None
    return " ".join(str(value).split()) or None


def parse_header_block(block: str) -> email.message.Message:
    """A raw header block (SendGrid's `headers` field) as a readable Message."""
    return email.message_from_string(block.replace("\r\n", "\n").rstrip("\n") + "\n\n")


def to_message(conn: Connection, mail: ParsedMail) -> InboundMessage:
    references = message_ids(" ".join(mail.references))[-MAX_REFERENCES:]
    own = next(iter(message_ids(mail.message_id)), None)
    parent = next(iter(message_ids(mail.in_reply_to)), None)
    text = mail.text or (html_to_text(mail.html) if mail.html else "")
    return InboundMessage(
        organization_id=conn.organization_id,
        integration_id=conn.integration_id,
        channel=conn.channel,
        external_id=mail.external_id[:500],
        thread_key=(references[0] if references else parent or own),
        message_id_header=own,
        in_reply_to=parent,
        references=references,
        sender=mail.sender,
        recipients=mail.recipients[:500],
        subject=(mail.subject or "")[:1000] or None,
        # Provider limits can exceed ours: a clipped message beats a refused delivery.
        text=text[:MAX_TEXT_CHARS],
        html=mail.html[:MAX_HTML_CHARS] if mail.html else None,
        attachments=mail.attachments[:100],
        received_at=_date(mail.date),
        raw_ref=(mail.raw_ref or "")[:500] or None,
        metadata=mail.metadata,
    )


def from_mime(conn: Connection, raw: bytes, *, fallback_id: str, raw_ref: str) -> InboundMessage:
    """A raw RFC 5322 message (Mailgun's `body-mime`, SES's SNS content), threaded as above."""
    parsed = parse_mime(raw, conn=conn, external_id=fallback_id)
    root = parsed.references[0] if parsed.references else None
    return parsed.model_copy(
        update={
            "external_id": parsed.message_id_header or fallback_id,
            "thread_key": root or parsed.in_reply_to or parsed.message_id_header,
            "raw_ref": raw_ref[:500],
        }
    )


def is_echo(sender: Party, from_address: str) -> bool:
    """Our own reply coming back (the mailbox was copied, or a loop through a forward)."""
    return bool(sender.email) and sender.email == from_address.strip().lower()


def _date(value: str | None) -> datetime:
    try:
        parsed = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is None:
        return datetime.now(UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Reply:
    """A reply's envelope: who it goes to, its subject and its threading headers."""

    to: list[tuple[str, str | None]]  # (address, display name)
    subject: str
    message_id: str
    in_reply_to: str | None
    references: list[str]

    def to_header(self) -> str:
        return ", ".join(_display(address, name) for address, name in self.to)


def reply_to(message: OutboundMessage, from_address: str) -> Reply:
    """Address the reply to the conversation's contact (else the last sender), in its thread."""
    targets = [(str(r["email"]), r.get("name")) for r in message.to if r.get("email")]
    if not targets and message.customer.get("email"):
        targets = [(str(message.customer["email"]), message.customer.get("name"))]
    if not targets or any("@" not in a or any(c in a for c in "\r\n<>,; ") for a, _ in targets):
        raise BadInput("a reply needs a valid recipient address", code="no_recipient")
    parent = next(iter(message_ids(message.in_reply_to_header)), None)
    chain = [*message_ids(" ".join(message.references)), parent]
    references = list(dict.fromkeys(r for r in chain if r))[-MAX_REFERENCES:]
    domain = from_address.rpartition("@")[2] or "switchboard.invalid"
    return Reply(
        to=targets,
        subject=reply_subject(message.subject),
        message_id=reply_message_id(message.message_id, domain),
        in_reply_to=parent,
        references=references,
    )


def _display(address: str, name: Any) -> str:
    clean = " ".join(str(name).replace('"', "").split()) if name else ""
    return f'"{clean}" <{address}>' if clean else address


def sender_header(address: str, name: str | None) -> str:
    return _display(address, name)
