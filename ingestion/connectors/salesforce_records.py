"""Salesforce case records as InboundMessages, and the poller's SOQL cursor.

Three shapes carry a comment: an Outbound Message's `sObject` fields, the REST record
(`GET /sobjects/CaseComment/{id}`) and a SOQL row with its `Parent` case; all use Salesforce's
field names, so one function builds the message and the sender is always the case's contact.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ingestion.connectors.capabilities import Connection
from ingestion.contract import MAX_TEXT_CHARS, InboundMessage, Party

PAGE = 200
ID = r"[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?"
SOQL_TIME = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"


def comment_message(conn: Connection, comment: Mapping[str, Any], case: Mapping[str, Any],
                    metadata: dict[str, Any]) -> InboundMessage:  # fmt: skip
    """A CaseComment (webhook fields or SOQL record) with its case, as the customer's message."""
    parent = str(comment["ParentId"])
    return InboundMessage(
        organization_id=conn.organization_id,
        integration_id=conn.integration_id,
        channel=conn.channel,
        external_id=str(comment["Id"]),
        thread_key=parent,
        sender=case_contact(case),
        subject=str(case.get("Subject") or "")[:1000] or None,
        # Provider limits can exceed ours: a clipped message beats a refused delivery.
        text=str(comment.get("CommentBody") or "")[:MAX_TEXT_CHARS],
        received_at=when(comment.get("CreatedDate")),
        raw_ref=f"salesforce:case/{parent}/comment/{comment['Id']}",
        metadata={**metadata, "case_number": case.get("CaseNumber")},
    )


def case_contact(case: Mapping[str, Any]) -> Party:
    """The customer a case names: its contact, else what web-to-case / email-to-case supplied."""
    return Party(
        external_id=str(case.get("ContactId") or "") or None,
        email=case.get("ContactEmail") or case.get("SuppliedEmail") or None,
        phone=str(case.get("ContactPhone") or case.get("SuppliedPhone") or "")[:40] or None,
        name=str(case.get("SuppliedName") or "")[:200] or None,
    )


def comments_query(since: str, seen: list[str], agent: str | None) -> str:
    """SOQL for the next page of customer comments. Only ids and a time literal are spliced in,
    each checked against its pattern first, so nothing can be injected."""
    if not re.fullmatch(SOQL_TIME, since):
        raise ValueError(f"not a SOQL datetime: {since!r}")
    seen = [i for i in seen if re.fullmatch(ID, i)]
    agent = agent if agent and re.fullmatch(ID, agent) else None
    where = [
        "IsPublished = true",
        f"CreatedDate >= {since}",
        "CreatedBy.UserType != 'Standard'",  # internal users' comments are the org speaking
    ]
    if seen:
        where.append("Id NOT IN (" + ", ".join(f"'{i}'" for i in seen) + ")")
    if agent:
        where.append(f"CreatedById != '{agent}'")
    # S608: only the pattern-checked ids and datetime above are spliced into the query.
    return (
        "SELECT Id, ParentId, CommentBody, CreatedById, CreatedDate, Parent.Subject, "  # noqa: S608
        "Parent.CaseNumber, Parent.ContactId, Parent.ContactEmail, Parent.ContactPhone, "
        "Parent.SuppliedEmail, Parent.SuppliedName, Parent.SuppliedPhone FROM CaseComment "
        f"WHERE {' AND '.join(where)} ORDER BY CreatedDate ASC, Id ASC LIMIT {PAGE}"
    )


def advance(since: str, seen: list[str], records: list[dict[str, Any]]) -> dict[str, Any]:
    """The cursor after `records`: their newest second, and the ids already read at it (the
    next query says `>=` so a comment landing in that same second is still found)."""
    if not records:
        return {"since": since, "seen": seen}
    newest = max(soql_time(when(r.get("CreatedDate"))) for r in records)
    at_newest = [str(r["Id"]) for r in records if soql_time(when(r.get("CreatedDate"))) == newest]
    return {"since": newest, "seen": (seen if newest == since else []) + at_newest}


def soql_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def when(value: Any) -> datetime:
    """Salesforce writes `2024-05-01T12:00:00.000+0000` (REST) or `...000Z` (SOAP)."""
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return datetime.now(UTC)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return datetime.now(UTC)
