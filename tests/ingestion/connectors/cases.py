"""The documented-examples table: each provider's documented payloads, as rows the suite runs.

A connector's rows live in `tests/ingestion/connectors/examples/<slug>.py` as `CASES: list[Case]`.
Each row holds the provider's documented example payload (verbatim where the docs give one, with
the doc link), a signer that implements the provider's documented signature algorithm *on the
test side* (through the provider's official SDK where one exists), the InboundMessage fields the
payload must produce, and the request the provider documents for a reply. The suite
(`test_documented_examples.py`) then checks, for every row:

* the signed documented payload is accepted and parses to the expected fields;
* a tampered body (or a missing / wrong signature) is refused with `Unauthorized`;
* a signature made `stale_s` seconds ago is refused where the provider signs a timestamp
  (`replay_window_s` set), and accepted (then de-duplicated by `external_id`) where it does not;
* a reply is sent as the documented request, and 429 / 401 / 5xx map to Retriable (with the
  provider's Retry-After) / Unauthorized / Retriable.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

# (body, url, now) -> headers (lower-case names), e.g. {"x-hub-signature-256": "sha256=..."}.
# A name starting with "?" is a query parameter instead (Salesforce's `?token=` in the endpoint
# URL): an unsigned request carries neither.
Signer = Callable[[bytes, str, float], dict[str, str]]


def split_signed(signed: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(headers, query parameters) of what a Signer returned."""
    headers = {k.lower(): v for k, v in signed.items() if not k.startswith("?")}
    return headers, {k[1:]: v for k, v in signed.items() if k.startswith("?")}


def json_body(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def form_body(fields: dict[str, str] | list[tuple[str, str]]) -> bytes:
    return urlencode(fields).encode()


def flip(body: bytes) -> bytes:
    """The default tamper: change one character of the payload's content, keep it parseable."""
    text = body.decode("utf-8", "replace")
    for old, new in (("e", "3"), ("a", "4"), ("o", "0"), ("1", "2")):
        at = text.rfind(old)
        if at > 0:
            return (text[:at] + new + text[at + 1 :]).encode()
    return body + b" "


@dataclass(frozen=True)
class Inbound:
    """One documented inbound call and what it must become."""

    name: str
    body: bytes
    sign: Signer
    # Dotted InboundMessage fields of the first message (`sender.external_id`, `text`, ...).
    expect: dict[str, Any]
    count: int = 1  # messages the call yields (0: an event we ignore)
    content_type: str = "application/json"
    method: str = "POST"
    query: dict[str, str] = field(default_factory=dict)
    tamper: Callable[[bytes], bytes] = flip
    source: str = ""  # the documentation page the payload comes from
    # For payloads that only name the message (HubSpot, Webex...): what parse() fetches, as
    # provider path -> documented JSON response, served by the suite's fake provider ({base}).
    replies: dict[str, Any] = field(default_factory=dict)
    # Providers that sign inside the body (Mailgun's timestamp/token/signature form fields):
    # (body, now) -> the body as the provider sends it, signature included. `body` stays the
    # unsigned payload (what an unsigned request carries).
    sign_body: Callable[[bytes, float], bytes] | None = None

    def signed(self, url: str, at: float) -> tuple[bytes, dict[str, str]]:
        """(body, headers) of this call as the provider makes it at time `at`."""
        body = self.sign_body(self.body, at) if self.sign_body else self.body
        return body, self.sign(body, url, at)


@dataclass(frozen=True)
class Send:
    """A reply and the request the provider documents for it (subsets are compared)."""

    message: dict[str, Any]  # OutboundMessage fields besides the ids: text, thread_key, to...
    method: str
    path: str  # the request path at the provider (query excluded)
    reply: Any = None  # the provider's documented success body (JSON), answered by the fake
    reply_status: int = 200
    json: dict[str, Any] | None = None  # expected subset of a JSON body
    form: dict[str, str] | None = None  # expected subset of a form body
    headers: dict[str, str] = field(default_factory=dict)  # expected subset, lower-case names
    external_id: str | None = None  # SendResult.external_id, when the reply determines it
    # Answers for other calls the send makes first (an OAuth token, a lookup): path -> JSON.
    other_replies: dict[str, Any] = field(default_factory=dict)
    source: str = ""


@dataclass(frozen=True)
class Lookup:
    """A context connector's customer lookup against the provider's documented responses."""

    customer: dict[str, Any]  # the Party looked up: email / phone / external_id / name
    replies: dict[str, Any]  # provider path -> the documented JSON response body
    expect: dict[str, Any]  # dotted keys of the returned facts, e.g. {"order_status": "shipped"}
    path: str = ""  # a path the lookup must call (e.g. the orders search)
    source: str = ""


@dataclass(frozen=True)
class Case:
    slug: str
    # Integration config; "{base}" inside a string becomes the fake provider's base URL.
    config: dict[str, Any]
    inbound: list[Inbound]
    send: Send | None
    lookup: Lookup | None = None
    # Seconds a signed timestamp stays valid; None when the provider signs none.
    replay_window_s: int | None = None
    # The URL the provider calls (schemes such as Twilio's sign it).
    url: str = "https://switchboard.example.com/api/v1/webhooks/{slug}/00000000-0000-4000-8000-000000000001"
    # What a forger without the secret sends, for schemes whose secret does not bind the body
    # (Telegram's secret_token header): the genuine body with these headers must be refused.
    # None: the genuine headers over a tampered body (every scheme that signs the body).
    forge: Signer | None = None
    # A Retry-After the provider sends with its 429, when it documents one.
    rate_limit_headers: dict[str, str] = field(default_factory=lambda: {"retry-after": "7"})
    expect_retry_after: int | None = 7

    def webhook_url(self) -> str:
        return self.url.format(slug=self.slug)


def now() -> float:
    return time.time()
