"""Gmail's documented sync: a full backfill once, then `users.history.list` from a historyId.

Shared by the poller and the Pub/Sub push handler, which both advance the same cursor.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from typing import Any

from ingestion.connectors import mime
from ingestion.connectors.base import ConnectorSpec
from ingestion.connectors.capabilities import Connection
from ingestion.connectors.oauth import endpoint
from ingestion.connectors.oauth_api import authorized_request
from ingestion.contract import InboundMessage

log = logging.getLogger(__name__)

API_ROOT = "https://gmail.googleapis.com/gmail/v1/users/me/"
# Labels that mean "we wrote it", never mail to answer.
OWN_LABELS = frozenset({"SENT", "DRAFT"})
FETCH_CONCURRENCY = 8
PAGE_SIZE = 100
HISTORY_PAGE_SIZE = 500


def api_url(conn: Connection, path: str) -> str:
    return endpoint(API_ROOT + path, getattr(conn.config, "api_base_url", None))


async def get_json(
    spec: ConnectorSpec, conn: Connection, path: str, params: Any = None
) -> dict[str, Any]:
    response = await authorized_request(spec, conn, "GET", api_url(conn, path), params=params)
    body: dict[str, Any] = response.json()
    return body


async def sync(
    spec: ConnectorSpec, conn: Connection, cursor: str | None
) -> tuple[list[InboundMessage], str]:
    """The messages that arrived since `cursor` (everything recent when None) and the new cursor."""
    found = await _history(spec, conn, cursor) if cursor else None
    if found is None:
        found = await _full(spec, conn)
    ids, new_cursor = found
    return await _fetch_all(spec, conn, ids), new_cursor


async def _full(spec: ConnectorSpec, conn: Connection) -> tuple[list[str], str]:
    # The historyId is read before listing, so mail arriving meanwhile is seen again, not lost.
    profile = await get_json(spec, conn, "profile")
    days = getattr(conn.config, "backfill_days", 7)
    ids: list[str] = []
    for label in _watched(conn):
        params: dict[str, Any] = {"labelIds": label, "q": f"newer_than:{days}d"}
        async for page in _pages(spec, conn, "messages", params):
            ids += [m["id"] for m in page.get("messages", [])]
    return list(dict.fromkeys(ids)), str(profile["historyId"])


async def _history(
    spec: ConnectorSpec, conn: Connection, cursor: str
) -> tuple[list[str], str] | None:
    """New watched message ids since `cursor`, or None when Gmail no longer has that history."""
    ids: list[str] = []
    latest, token, url = cursor, None, api_url(conn, "history")
    while True:
        params = {
            "startHistoryId": cursor,
            "historyTypes": "messageAdded",
            "maxResults": HISTORY_PAGE_SIZE,
        }
        if token:
            params["pageToken"] = token
        response = await authorized_request(spec, conn, "GET", url, params=params, allow={404})
        if response.status_code == 404:
            log.info("gmail history expired for %s; resyncing", conn.integration_id)
            return None
        page = response.json()
        latest = str(page.get("historyId", latest))
        ids += _added_ids(page, set(_watched(conn)))
        token = page.get("nextPageToken")
        if not token:
            return list(dict.fromkeys(ids)), latest


def _added_ids(page: dict[str, Any], watched: set[str]) -> list[str]:
    ids = []
    for record in page.get("history", []):
        for added in record.get("messagesAdded", []):
            labels = set(added["message"].get("labelIds", []))
            if labels & watched and not labels & OWN_LABELS:
                ids.append(added["message"]["id"])
    return ids


async def _pages(spec: ConnectorSpec, conn: Connection, path: str, params: dict[str, Any]) -> Any:
    token: str | None = None
    while True:
        page_params = {**params, "maxResults": PAGE_SIZE, **({"pageToken": token} if token else {})}
        page = await get_json(spec, conn, path, page_params)
        yield page
        token = page.get("nextPageToken")
        if not token:
            return


async def _fetch_all(spec: ConnectorSpec, conn: Connection, ids: list[str]) -> list[InboundMessage]:
    gate = asyncio.Semaphore(FETCH_CONCURRENCY)

    async def one(message_id: str) -> InboundMessage | None:
        async with gate:
            return await fetch_message(spec, conn, message_id)

    fetched = await asyncio.gather(*(one(i) for i in ids))
    # A backfill lists by label only: mail we sent to ourselves is dropped here.
    return [m for m in fetched if m is not None and not OWN_LABELS & set(m.metadata["label_ids"])]


async def fetch_message(
    spec: ConnectorSpec, conn: Connection, message_id: str
) -> InboundMessage | None:
    """One message as an InboundMessage; None when it was deleted since it was listed."""
    url = api_url(conn, f"messages/{message_id}")
    response = await authorized_request(
        spec, conn, "GET", url, params={"format": "raw"}, allow={404}
    )
    if response.status_code == 404:
        return None
    body = response.json()
    raw = base64.urlsafe_b64decode(body["raw"] + "=" * (-len(body["raw"]) % 4))
    message = mime.parse_mime(raw, conn=conn, external_id=body["id"], thread_key=body["threadId"])
    metadata = {**message.metadata, "label_ids": body.get("labelIds", [])}
    return message.model_copy(update={"metadata": metadata})


def _watched(conn: Connection) -> list[str]:
    return list(getattr(conn.config, "label_ids", None) or ["INBOX"])
