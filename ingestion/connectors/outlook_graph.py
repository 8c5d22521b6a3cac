"""Microsoft Graph mail for the Outlook connector: calls, the inbox delta round, JSON → message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import httpx

from ingestion.connectors.base import ConnectorSpec
from ingestion.connectors.capabilities import Connection
from ingestion.connectors.mime import html_to_text, message_ids
from ingestion.connectors.oauth import endpoint
from ingestion.connectors.oauth_api import authorized_request
from ingestion.connectors.provider_http import raise_for_provider
from ingestion.connectors.timestamps import iso_time
from ingestion.contract import MAX_HTML_CHARS, MAX_TEXT_CHARS, InboundMessage, Party
from store.errors import BadInput, Retriable

GRAPH_ROOT = "https://graph.microsoft.com/v1.0/"
SELECT = ",".join(
    (
        "id", "conversationId", "internetMessageId", "internetMessageHeaders", "subject",
        "body", "from", "toRecipients", "ccRecipients", "receivedDateTime", "parentFolderId",
        "categories", "hasAttachments",
    )
)  # fmt: skip
PAGE_SIZE = 50
# Graph's answers when a delta token is too old or unknown: start the round again.
RESYNC_CODES = frozenset({"syncstatenotfound", "syncstateinvalid", "resyncrequired"})


def graph_url(conn: Connection, path: str) -> str:
    return endpoint(GRAPH_ROOT + path, getattr(conn.config, "api_base_url", None))


async def graph(
    spec: ConnectorSpec, conn: Connection, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    return await authorized_request(spec, conn, method, graph_url(conn, path), **kwargs)


class Delta(NamedTuple):
    items: list[dict[str, Any]]
    link: str  # the round's final deltaLink, to resume from
    from_scratch: bool  # a new round: the items are the whole inbox


async def delta(spec: ConnectorSpec, conn: Connection, link: str | None) -> Delta:
    """Every message the inbox gained since `link` (a new round when None or forgotten)."""
    url = _trusted(conn, link) if link else _first_url(conn)
    items: list[dict[str, Any]] = []
    while True:
        page = await _delta_page(spec, conn, url)
        if page is None:  # Graph forgot this round: start a new one from scratch
            if link is None:
                raise Retriable(f"{spec.slug}: a fresh delta round was refused; retry later")
            return await delta(spec, conn, None)
        items += [item for item in page.get("value", []) if "@removed" not in item]
        if "@odata.deltaLink" in page:
            return Delta(items, _trusted(conn, page["@odata.deltaLink"]), link is None)
        url = _trusted(conn, page["@odata.nextLink"])


async def _delta_page(spec: ConnectorSpec, conn: Connection, url: str) -> dict[str, Any] | None:
    """One page of a delta round, or None when its sync state is gone."""
    prefer = {"Prefer": f"odata.maxpagesize={PAGE_SIZE}"}
    response = await authorized_request(
        spec, conn, "GET", url, headers=prefer, allow={400, 404, 410}
    )
    if response.is_success:
        page: dict[str, Any] = response.json()
        return page
    if _needs_resync(response):
        return None
    raise_for_provider(response, spec.slug)
    return None  # unreachable: raise_for_provider raised for this status


def _first_url(conn: Connection) -> str:
    base = graph_url(conn, "me/mailFolders('inbox')/messages/delta")
    return str(httpx.URL(base, params={"changeType": "created", "$select": SELECT}))


def _trusted(conn: Connection, link: str) -> str:
    # Only ever send our token to the Graph host we are configured for, whatever a cursor says.
    if httpx.URL(link).host != httpx.URL(graph_url(conn, "")).host:
        raise BadInput("outlook: a delta link points outside Microsoft Graph", code="delta_link")
    return link


def _needs_resync(response: httpx.Response) -> bool:
    if response.status_code == 410:
        return True
    try:
        code = str(response.json()["error"]["code"]).lower()
    except (ValueError, KeyError, TypeError):
        return False
    return code in RESYNC_CODES


def recent(item: dict[str, Any], days: int) -> bool:
    """Whether a backfilled item is within the first sync's reach."""
    return iso_time(item.get("receivedDateTime")) >= datetime.now(UTC) - timedelta(days=days)


def to_inbound(conn: Connection, item: dict[str, Any]) -> InboundMessage:
    """One Graph message resource as the contract's InboundMessage."""
    body = item.get("body") or {}
    content = str(body.get("content") or "")
    is_html = str(body.get("contentType", "")).lower() == "html"
    headers = {
        str(h.get("name", "")).lower(): str(h.get("value", ""))
        for h in item.get("internetMessageHeaders") or []
    }
    return InboundMessage(
        organization_id=conn.organization_id,
        integration_id=conn.integration_id,
        channel=conn.channel,
        external_id=item["id"],
        thread_key=item.get("conversationId"),
        message_id_header=item.get("internetMessageId"),
        in_reply_to=next(iter(message_ids(headers.get("in-reply-to"))), None),
        references=message_ids(headers.get("references"))[-200:],
        sender=_party(item.get("from")),
        recipients=[
            _party(r) for r in (item.get("toRecipients") or []) + (item.get("ccRecipients") or [])
        ][:500],
        subject=(item.get("subject") or None) and str(item["subject"])[:1000],
        text=(html_to_text(content) if is_html else content)[:MAX_TEXT_CHARS],
        html=content[:MAX_HTML_CHARS] if is_html else None,
        received_at=iso_time(item.get("receivedDateTime")),
        metadata={"categories": item.get("categories") or []},
    )


def sender_address(item: dict[str, Any]) -> str:
    return (_party(item.get("from")).email or "").lower()


def _party(recipient: Any) -> Party:
    address = (recipient or {}).get("emailAddress") or {}
    email = address.get("address")
    return Party(
        email=str(email)[:320] if email and "@" in str(email) else None,
        name=str(address["name"])[:200] if address.get("name") else None,
    )
