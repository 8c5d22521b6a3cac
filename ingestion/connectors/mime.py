"""RFC 5322/MIME in and out for the mail connectors: raw bytes → InboundMessage, reply → MIME.

Parsing never fails on a provider's malformed mail: headers that do not decode fall back to their
raw text, unknown charsets to UTF-8 with replacement, a bad date to the time of receipt.
"""

from __future__ import annotations

import email
import email.policy
import re
import uuid
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.utils import format_datetime, getaddresses, parsedate_to_datetime
from html import unescape
from html.parser import HTMLParser
from typing import Any

from ingestion.connectors.capabilities import Connection, OutboundMessage
from ingestion.contract import MAX_HTML_CHARS, MAX_TEXT_CHARS, Attachment, InboundMessage, Party
from store.errors import BadInput

_MSG_ID = re.compile(r"<[^<>\s]+>")
_BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}
_MAX_REFERENCES = 200


def parse_mime(
    raw: bytes, *, conn: Connection, external_id: str, thread_key: str | None = None
) -> InboundMessage:
    """One RFC 5322 message as the contract's InboundMessage (attachments as metadata only)."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    html = _body(msg, "html")
    text = _body(msg, "plain")
    if text is None and html is not None:
        text = html_to_text(html)
    references = message_ids(_header(msg, "References"))[-_MAX_REFERENCES:]
    reply_to = _parties(msg, "Reply-To")
    return InboundMessage(
        organization_id=conn.organization_id,
        integration_id=conn.integration_id,
        channel=conn.channel,
        external_id=external_id,
        thread_key=thread_key,
        message_id_header=next(iter(message_ids(_header(msg, "Message-ID"))), None),
        in_reply_to=next(iter(message_ids(_header(msg, "In-Reply-To"))), None),
        references=references,
        sender=next(iter(_parties(msg, "From")), Party()),
        recipients=(_parties(msg, "To") + _parties(msg, "Cc"))[:500],
        subject=_clip(_header(msg, "Subject"), 1000),
        text=(text or "")[:MAX_TEXT_CHARS],
        html=html[:MAX_HTML_CHARS] if html is not None else None,
        attachments=_attachments(msg)[:100],
        received_at=_date(_header(msg, "Date")),
        metadata={"reply_to": reply_to[0].email} if reply_to and reply_to[0].email else {},
    )


def message_ids(value: str | None) -> list[str]:
    """The `<id@host>` tokens of a Message-ID, In-Reply-To or References header, in order."""
    return [m for m in _MSG_ID.findall(value or "") if len(m) <= 998]


def _header(msg: Message, name: str) -> str | None:
    try:
        value = msg.get(name)
    except (ValueError, TypeError, IndexError, LookupError):
        # The structured parser gave up: fall back to the undecoded text of the header.
        value = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), None)
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _parties(msg: Message, name: str) -> list[Party]:
    parties = []
    for display, address in _addresses(msg, name):
        if not address and not display:
            continue
        email_ = address if "@" in address else None
        parties.append(Party(email=_clip(email_, 320), name=_clip(display or None, 200)))
    return parties


def _addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    try:
        header = msg.get(name)
        # The structured header decoded RFC 2047 names without losing quoting around commas.
        return [(a.display_name, a.addr_spec) for a in getattr(header, "addresses", ())]
    except (ValueError, TypeError, IndexError, LookupError, AttributeError):
        value = _header(msg, name)
        return getaddresses([value]) if value else []


def _clip(value: str | None, limit: int) -> str | None:
    return value[:limit] if value else None


def _body(msg: EmailMessage | Message, subtype: str) -> str | None:
    if not isinstance(msg, EmailMessage):
        return None
    part = msg.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return None
    return _decoded_text(part)


def _decoded_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload())
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # a charset Python does not know: most such mail is UTF-8 or Latin-1
        return payload.decode("utf-8", errors="replace")


def _attachments(msg: Message) -> list[Attachment]:
    found = []
    for index, part in enumerate(msg.walk()):
        if part.is_multipart():
            continue
        filename = part.get_filename()
        if not filename and part.get_content_disposition() != "attachment":
            continue
        payload = part.get_payload(decode=True)
        found.append(
            Attachment(
                filename=(filename or f"attachment-{index}")[:500],
                content_type=part.get_content_type()[:200],
                size=len(payload) if isinstance(payload, bytes) else None,
                ref=f"mime-part:{index}",
            )
        )
    return found


def _date(value: str | None) -> datetime:
    try:
        parsed = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is None:
        return datetime.now(UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class _TextExtractor(HTMLParser):
    """Visible text of an HTML body: scripts and styles dropped, blocks on their own lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "head"}:
            self._skip += 1
        elif tag in _BLOCKS:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "head"}:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCKS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.chunks.append(data)


def html_to_text(html: str) -> str:
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in unescape("".join(parser.chunks)).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def build_reply(
    message: OutboundMessage,
    *,
    from_address: str,
    from_name: str | None = None,
    domain: str | None = None,
) -> EmailMessage:
    """The reply as MIME, threaded under the message it answers; the same id on every retry."""
    if not message.to:
        raise BadInput("a reply needs at least one recipient", code="no_recipient")
    reply = EmailMessage()
    reply["From"] = _address(from_address, from_name)
    reply["To"] = [_address(str(r.get("email", "")), r.get("name")) for r in message.to]
    reply["Subject"] = reply_subject(message.subject)
    reply["Date"] = format_datetime(datetime.now(UTC))
    reply["Message-ID"] = reply_message_id(message.message_id, domain or _domain(from_address))
    parent = next(iter(message_ids(message.in_reply_to_header)), None)
    references = _dedupe([*message_ids(" ".join(message.references)), parent])
    if parent:
        reply["In-Reply-To"] = parent
    if references:
        reply["References"] = " ".join(references[-_MAX_REFERENCES:])
    reply.set_content(message.text)
    if message.html:
        reply.add_alternative(message.html, subtype="html")
    return reply


def reply_message_id(message_id: uuid.UUID, domain: str) -> str:
    """Derived from our row id, so a retried delivery carries the same Message-ID."""
    return f"<sb.{message_id.hex}@{domain}>"


def reply_subject(subject: str | None) -> str:
    clean = " ".join((subject or "").split())
    if re.match(r"(?i)^(re|aw|sv|antw)\s*:", clean):
        return clean
    return f"Re: {clean}" if clean else "Re:"


def _address(address: str, name: Any) -> Address:
    if "@" not in address or any(c in address for c in "\r\n<>, "):
        raise BadInput("a recipient or sender address is not valid", code="bad_address")
    user, _, host = address.rpartition("@")
    display = " ".join(str(name).split()) if name else ""
    return Address(display_name=display, username=user, domain=host)


def _domain(address: str) -> str:
    return address.rpartition("@")[2] or "switchboard.invalid"


def _dedupe(values: list[str | None]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.pop(value, None)
            seen[value] = None  # the last occurrence wins: the parent stays last
    return list(seen)
