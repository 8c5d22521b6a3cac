"""Mailgun: inbound mail through a route's `forward()` to our webhook, replies through the
Messages API.

Mailgun posts the parsed message as a form (urlencoded, or multipart with attachments): `sender`,
`from`, `recipient`, `subject`, `body-plain`, `stripped-text`, `body-html`, `attachment-count`,
every MIME header (`Message-Id`, `In-Reply-To`, `References`...) and `message-headers` (JSON);
a route forwarding to a URL ending in `mime` posts `body-mime` (the raw message) instead. Every
post carries `timestamp`, `token` and `signature = hex HMAC-SHA256(webhook signing key,
timestamp + token)`. That signature covers only the timestamp and token, not the message, so:
the timestamp must be within 5 minutes, and a token seen twice is refused (Mailgun's advice);
the token cache is per process, and across processes the dedupe on `Message-Id` (the
`external_id`) absorbs what a replay could repeat.

Replies: `POST /v3/{domain}/messages` (Basic `api:<key>`) with In-Reply-To / References.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field, SecretStr

from ingestion.connectors import parsed_mail as pm
from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    SendResult,
    WebhookRequest,
)
from ingestion.connectors.provider_http import call_json
from ingestion.connectors.signing import check_fresh, check_hmac, secret_bytes
from ingestion.contract import InboundMessage, Party
from store.errors import Fatal, Unauthorized

P = "mailgun"
REPLAY_WINDOW_S = 300
API_HOSTS = {"us": "https://api.mailgun.net", "eu": "https://api.eu.mailgun.net"}


class MailgunConfig(ConnectorConfig):
    """One Mailgun sending domain: its API key, the webhook signing key and the reply address."""

    domain: str = Field(
        pattern=pm.HOSTNAME, max_length=253, description="the Mailgun domain, e.g. mg.example.com"
    )
    api_key: SecretStr = Secret("Mailgun API key (sends replies)", min_length=8, max_length=200)
    webhook_signing_key: SecretStr = Secret(
        "HTTP webhook signing key (Mailgun > Sending > Webhooks)", min_length=8, max_length=200
    )
    from_address: str = Field(pattern=pm.ADDRESS, max_length=320, description="replies come from")
    from_name: str | None = Field(default=None, max_length=200)
    region: Literal["us", "eu"] = Field(default="us", description="where the domain is hosted")
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")


class _SeenTokens:
    """Tokens of accepted posts, kept for the replay window (Mailgun: "cache the token")."""

    def __init__(self, window_s: int, limit: int = 100_000) -> None:
        self.window_s, self.limit = window_s, limit
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()  # verify() runs in worker threads

    def claim(self, token: str, now: float) -> bool:
        with self._lock:
            if len(self._until) >= self.limit:
                self._until = {t: u for t, u in self._until.items() if u > now}
            if self._until.get(token, 0.0) > now:
                return False
            self._until[token] = now + self.window_s
            return True


SEEN_TOKENS = _SeenTokens(REPLAY_WINDOW_S)


class MailgunConnector:
    """Stateless but for the process's token cache; every call names its domain."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        key = secret_bytes(_config(conn).webhook_signing_key, P)
        form = pm.read_form(request)
        stamp, token = form.get("timestamp"), form.get("token")
        if not stamp or not token:
            raise Unauthorized("mailgun: the signature fields are missing")
        check_hmac(P, key=key, message=(stamp + token).encode(), given=form.get("signature"))
        check_fresh(P, stamp, REPLAY_WINDOW_S)
        if not SEEN_TOKENS.claim(token, time.time()):
            raise Unauthorized("mailgun: this token was already used (replay)")

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        form, config = pm.read_form(request), _config(conn)
        if form.get("body-mime"):
            fallback = pm.stable_id(form.get("body-mime"))
            message = pm.from_mime(
                conn, form.raw["body-mime"], fallback_id=fallback, raw_ref=f"mailgun:{fallback}"
            )
        else:
            message = pm.to_message(conn, _parsed(form))
        return [] if pm.is_echo(message.sender, config.from_address) else [message]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        config = _config(conn)
        reply = pm.reply_to(message, config.from_address)
        data = {
            "from": pm.sender_header(config.from_address, config.from_name),
            "to": reply.to_header(),
            "subject": reply.subject,
            "text": message.text,
            "h:Message-Id": reply.message_id,
        }
        if message.html:
            data["html"] = message.html
        if reply.in_reply_to:
            data["h:In-Reply-To"] = reply.in_reply_to
        if reply.references:
            data["h:References"] = " ".join(reply.references)
        answer = await _call(conn, "POST", f"/v3/{config.domain}/messages", data=data)
        sent_id = str(answer.get("id") or reply.message_id)
        return SendResult(
            external_id=sent_id,
            thread_key=message.thread_key,
            message_id_header=sent_id if sent_id.startswith("<") else reply.message_id,
            sent_at=datetime.now(UTC),
        )

    async def check(self, conn: Connection) -> str:
        """`GET /v3/domains/{domain}`: the key works and the domain exists."""
        config = _config(conn)
        answer = await _call(conn, "GET", f"/v3/domains/{config.domain}")
        state = (answer.get("domain") or {}).get("state") or "unknown"
        return f"mailgun domain {config.domain} is {state}"


def _parsed(form: pm.Form) -> pm.ParsedMail:
    fields = {k.lower(): v for k, v in form.fields.items()}
    headers = _message_headers(fields.get("message-headers", ""))
    message_id = fields.get("message-id") or headers.get("message-id")
    sender = next(iter(pm.parties(fields.get("from") or fields.get("sender"))), None)
    text = fields.get("stripped-text") or fields.get("body-plain", "")
    return pm.ParsedMail(
        external_id=message_id
        or pm.stable_id(fields.get("from", ""), fields.get("subject", ""), text),
        sender=sender or Party(email=fields.get("sender") or None),
        recipients=pm.parties(fields.get("to") or fields.get("recipient")),
        subject=fields.get("subject") or None,
        text=text,
        html=fields.get("stripped-html") or fields.get("body-html") or None,
        message_id=message_id,
        in_reply_to=fields.get("in-reply-to") or headers.get("in-reply-to"),
        references=[fields.get("references") or headers.get("references") or ""],
        attachments=form.files,
        date=fields.get("date") or headers.get("date"),
        raw_ref=f"mailgun:{message_id}" if message_id else None,
        metadata={"recipient": fields.get("recipient", "")[:320]},
    )


def _message_headers(value: str) -> dict[str, str]:
    """`message-headers`: a JSON list of [name, value] pairs, first occurrence wins."""
    try:
        pairs = json.loads(value) if value else []
    except ValueError:
        return {}
    found: dict[str, str] = {}
    for pair in pairs if isinstance(pairs, list) else []:
        if isinstance(pair, list) and len(pair) == 2:
            found.setdefault(str(pair[0]).lower(), str(pair[1]))
    return found


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    config = _config(conn)
    base = (config.api_base_url or API_HOSTS[config.region]).rstrip("/")
    auth = ("api", config.api_key.get_secret_value())
    answer = await call_json(conn.client(), P, method, base + path, auth=auth, **kwargs)
    return answer if isinstance(answer, dict) else {}


def _config(conn: Connection) -> MailgunConfig:
    if not isinstance(conn.config, MailgunConfig):
        raise Fatal("mailgun: connection carries another connector's config")
    return conn.config


SPEC = ConnectorSpec(
    slug="mailgun",
    name="Mailgun",
    kind="email",
    auth_type="api_key",
    config_model=MailgunConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description=(
        "Mailgun inbound routes (forward() to our webhook, signed timestamp + token) in, "
        "replies through the Messages API with In-Reply-To / References."
    ),
    factory=MailgunConnector,
)
