"""A generic REST poller: any JSON list endpoint, read on a schedule, mapped with JMESPath.

Each poll GETs `url` with the configured query `params`, the auth header, and the newest cursor
seen so far as `cursor_param` (e.g. `?since=2024-11-20T10:00:00Z`); `messages` (JMESPath) picks
the items, json_mapping.py maps them. The cursor is the largest `cursor_field` value seen
(numbers compared as numbers, other values as text: use ISO 8601 or increasing ids). When
`next_page` (JMESPath on the response) finds a next page, the same sweep continues there (as a
URL on the same host, or as the `next_page_param` token) before the cursor moves. An endpoint
that includes the cursor's own item again is fine: the pipeline de-duplicates on `external_id`.

Replies (optional): POSTed as JSON to `reply_url` with the same auth header (the body is
json_mapping.outbound_payload's documented shape).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any, Self
from urllib.parse import urljoin, urlsplit

import jmespath
from pydantic import Field, HttpUrl, SecretStr, field_validator, model_validator

from ingestion.connectors import json_mapping
from ingestion.connectors.base import Capability, ConnectorSpec, Secret
from ingestion.connectors.capabilities import Connection, OutboundMessage, PollBatch, SendResult
from ingestion.connectors.provider_http import call_json
from store.errors import BadInput, Fatal

P = "rest_poller"
MAX_PAGES = 20  # per sweep: a runaway `next_page` stops here and resumes next poll
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


class RestPollerConfig(json_mapping.FieldMapping):
    """The endpoint, its credentials, the cursor and pagination, the mapping."""

    url: HttpUrl = Field(description="the JSON list endpoint (https)")
    params: dict[str, str] = Field(default_factory=dict, max_length=20, description="fixed query")
    auth_header: str = Field(default="Authorization", pattern=r"^[A-Za-z0-9-]{1,100}$")
    auth_value: SecretStr | None = Secret('e.g. "Bearer <token>"', default=None, max_length=2000)
    cursor_field: str | None = Field(default=None, max_length=500, description="JMESPath per item")
    cursor_param: str = Field(default="since", pattern=r"^[A-Za-z0-9_.\[\]-]{1,100}$")
    next_page: str | None = Field(default=None, max_length=500, description="JMESPath on the page")
    next_page_param: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.\[\]-]{1,100}$")
    poll_interval_s: int = Field(default=60, ge=15, le=86_400)
    reply_url: HttpUrl | None = Field(default=None, description="replies are POSTed here")
    allow_insecure: bool = Field(default=False, description="tests only: http:// on loopback")

    @field_validator("cursor_field", "next_page")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        return json_mapping.compiled(value)

    @model_validator(mode="after")
    def _https(self) -> Self:
        for url in (self.url, self.reply_url):
            if url is None or url.scheme == "https":
                continue
            if not (self.allow_insecure and url.scheme == "http" and url.host in LOOPBACK):
                raise ValueError("url and reply_url must be https")
        return self


class RestPoller:
    """Poller (+ Sender when `reply_url` is set). The runner wakes it every 15 s; each
    integration is read only once its own `poll_interval_s` has passed."""

    poll_interval_s: float = 15.0

    async def poll(self, conn: Connection) -> PollBatch:
        config, state = _config(conn), dict(conn.state)
        now = time.time()
        if (
            not state.get("next")
            and now - float(state.get("polled_at") or 0) < config.poll_interval_s
        ):
            return PollBatch(messages=[], state=state)
        page = await _get(conn, config, state)
        found = json_mapping.items(config, page)
        messages = json_mapping.to_messages(conn, config, page, P)
        pending = _newest([state.get("pending"), state.get("cursor"), *_cursors(config, found)])
        following = _next(config, page) if found else None
        pages = int(state.get("pages") or 0) + 1
        if following and pages < MAX_PAGES:
            update = {"next": following, "pending": pending, "pages": pages}
            return PollBatch(messages=messages, state={**state, **update}, more=True)
        done = {"cursor": pending, "next": None, "pending": None, "pages": 0, "polled_at": now}
        return PollBatch(messages=messages, state={**state, **done})

    def delivers(self, conn: Connection) -> bool:
        return _config(conn).reply_url is not None

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        config = _config(conn)
        if config.reply_url is None:
            raise BadInput("rest_poller: set reply_url to deliver replies", code="no_reply_url")
        sent_at = datetime.now(UTC)
        body = json_mapping.outbound_payload(message, sent_at)
        headers = {**_auth(config), "X-Switchboard-Delivery": str(message.message_id)}
        answer = await call_json(
            conn.client(), P, "POST", str(config.reply_url), json=body, headers=headers
        )
        given = answer.get("id") if isinstance(answer, dict) else None
        return SendResult(
            external_id=str(given)[:500]
            if isinstance(given, str | int) and str(given)
            else str(message.message_id),
            thread_key=message.thread_key,
            sent_at=sent_at,
        )

    async def check(self, conn: Connection) -> str:
        """One read of the first page with the current cursor."""
        config = _config(conn)
        page = await _get(conn, config, {**conn.state, "next": None})
        return f"{len(json_mapping.items(config, page))} items on the first page"


async def _get(conn: Connection, config: RestPollerConfig, state: dict[str, Any]) -> Any:
    url, params = str(config.url), dict(config.params)
    following = state.get("next")
    if following and not config.next_page_param:
        # A next-page link carries its own query (passing params would replace it).
        link = _same_host(url, str(following))
        return await call_json(conn.client(), P, "GET", link, headers=_auth(config))
    if following and config.next_page_param:
        params[config.next_page_param] = str(following)  # a page token, with the same filter
    if state.get("cursor") is not None:
        params[config.cursor_param] = str(state["cursor"])
    return await call_json(conn.client(), P, "GET", url, params=params, headers=_auth(config))


def _same_host(base: str, link: str) -> str:
    """A next-page link, kept on the configured host: the auth header must not leak elsewhere."""
    target = urljoin(base, link)
    if urlsplit(target)[:2] != urlsplit(base)[:2]:
        raise BadInput("rest_poller: the next page is on another host", code="foreign_next_page")
    return target


def _auth(config: RestPollerConfig) -> dict[str, str]:
    value = config.auth_value
    return {config.auth_header: value.get_secret_value()} if value is not None else {}


def _cursors(config: RestPollerConfig, found: list[Any]) -> list[Any]:
    if config.cursor_field is None:
        return []
    return [jmespath.search(config.cursor_field, item) for item in found]


def _newest(values: list[Any]) -> Any:
    """The largest cursor value: numerically when all are numbers, else as text."""
    present = [
        v for v in values if v is not None and v != "" and not isinstance(v, dict | list | bool)
    ]
    if not present:
        return None
    try:
        return max(present, key=float)
    except (TypeError, ValueError):
        return max(present, key=str)


def _next(config: RestPollerConfig, page: Any) -> str | None:
    value = jmespath.search(config.next_page, page) if config.next_page else None
    return (
        str(value)
        if value not in (None, "", False) and not isinstance(value, dict | list)
        else None
    )


def _config(conn: Connection) -> RestPollerConfig:
    if not isinstance(conn.config, RestPollerConfig):
        raise Fatal("rest_poller: connection carries another connector's config")
    return conn.config


SPEC = ConnectorSpec(
    slug="rest_poller",
    name="Generic REST poller",
    kind="api",
    auth_type="api_key",
    config_model=RestPollerConfig,
    capabilities=frozenset({Capability.POLLER, Capability.SENDER, Capability.THREADS}),
    description=(
        "Reads any JSON list endpoint on a schedule (auth header, cursor query parameter, "
        "pagination) and maps items with JMESPath; replies optionally POSTed to a reply URL."
    ),
    factory=RestPoller,
)
