"""Zendesk comments, in each shape Zendesk hands them over, as InboundMessages.

Three shapes reach us: the REST comment (`GET /api/v2/tickets/{id}/comments.json`), the
incremental export's comment child event, and the event-subscription webhook's `event.comment`.
Each is first normalized to the REST shape; one function then builds the message.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ingestion.connectors.capabilities import Connection
from ingestion.contract import MAX_HTML_CHARS, MAX_TEXT_CHARS, Attachment, InboundMessage, Party


def from_event(comment: Mapping[str, Any]) -> dict[str, Any]:
    """An event-subscription `event.comment` (ids as strings, `is_public`) in REST shape."""
    author = comment.get("author") or {}
    return {
        "id": comment.get("id"),
        "body": comment.get("body"),
        "html_body": comment.get("html_body"),
        "public": comment.get("is_public"),
        "author_id": author.get("id"),
        "author_name": author.get("name"),
        "created_at": comment.get("created_at"),
    }


def is_customer_comment(comment: Mapping[str, Any], agent_user_id: int) -> bool:
    """Public comments not written by our own agent: private notes stay internal, and our
    replies coming back through a webhook must not loop into the inbox again."""
    if not comment.get("id") or comment.get("public") in (False, "false", "False"):
        return False
    return str(comment.get("author_id")) != str(agent_user_id)


def to_message(
    conn: Connection,
    ticket_id: str,
    comment: Mapping[str, Any],
    *,
    subject: str | None = None,
    author: Party | None = None,
) -> InboundMessage:
    author_id = comment.get("author_id")
    sender = author or Party(
        external_id=str(author_id) if author_id else None,
        name=str(comment.get("author_name") or "")[:200] or None,
    )
    return InboundMessage(
        organization_id=conn.organization_id,
        integration_id=conn.integration_id,
        channel=conn.channel,
        external_id=str(comment["id"]),
        thread_key=str(ticket_id),
        sender=sender,
        subject=(subject or "")[:1000] or None,
        # Provider limits can exceed ours: a clipped message beats a refused delivery.
        text=str(comment.get("plain_body") or comment.get("body") or "")[:MAX_TEXT_CHARS],
        html=str(comment.get("html_body") or "")[:MAX_HTML_CHARS] or None,
        attachments=[_attachment(a) for a in comment.get("attachments") or []][:100],
        received_at=_when(comment.get("created_at")),
        raw_ref=f"zendesk:ticket/{ticket_id}/comment/{comment['id']}",
    )


def users_by_id(users: list[Mapping[str, Any]]) -> dict[str, Party]:
    """Sideloaded users (`include=users`) as Parties, keyed by their id as a string."""
    return {
        str(user["id"]): Party(
            email=user.get("email") or None,
            name=str(user.get("name") or "")[:200] or None,
            external_id=str(user["id"]),
        )
        for user in users
        if user.get("id") is not None
    }


def requester_party(requester: Mapping[str, Any]) -> Party | None:
    email, name = requester.get("email") or None, str(requester.get("name") or "")[:200] or None
    rid = requester.get("id")
    if not (email or name or rid):
        return None
    return Party(email=email, name=name, external_id=str(rid) if rid else None)


def _attachment(item: Mapping[str, Any]) -> Attachment:
    return Attachment(
        filename=str(item.get("file_name") or "attachment")[:500],
        content_type=item.get("content_type"),
        size=item.get("size"),
        ref=item.get("content_url"),
    )


def _when(value: Any) -> datetime:
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return datetime.now(UTC)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return datetime.now(UTC)
