"""Slack Events API: people's messages to the app in (signed events), threaded replies out.

A message is `external_id = "<channel>:<ts>"` (Slack's message identity), so the same message
delivered as both `message` and `app_mention`, or resent by Slack's retries (same body, with
`X-Slack-Retry-Num` / `X-Slack-Retry-Reason`), de-duplicates. `thread_key` is
`"<channel>:<thread_ts or ts>"`: every channel message opens a thread the reply goes into. In a
direct message (`channel_type: im`) outside a thread the conversation is the DM itself, so
`thread_key` is the bare channel and the reply is posted in the DM, not in a thread.

Requests are signed with Slack's v0 scheme:
`X-Slack-Signature = "v0=" + hex(HMAC-SHA256(signing_secret, "v0:<timestamp>:<raw body>"))`,
the timestamp in `X-Slack-Request-Timestamp`, refused more than five minutes from now. The
`url_verification` challenge is answered only once its signature has been verified.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import aiohttp
from pydantic import Field, SecretStr, field_validator
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from ingestion.connectors import signing
from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    SendResult,
    WebhookReply,
    WebhookRequest,
)
from ingestion.contract import MAX_TEXT_CHARS, Attachment, InboundMessage, Party
from store.errors import BadInput, Fatal, Retriable, SwitchboardError, Unauthorized

REPLAY_WINDOW_S = 300
MESSAGE_EVENTS = frozenset({"message", "app_mention"})
# Subtypes that are still a person's new message; edits, deletions, joins, bots are not.
PERSON_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})
BOT_TOKEN = re.compile(r"^xoxb-[A-Za-z0-9-]{1,250}$")
# Slack's `error` codes (HTTP 200, ok=false) by what the caller should do; others are BadInput.
UNAUTHORIZED = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)
FATAL = frozenset(
    {"missing_scope", "no_permission", "not_allowed_token_type", "ekm_access_denied",
     "access_denied", "team_access_not_granted"}
)  # fmt: skip
RETRIABLE = frozenset(
    {"ratelimited", "rate_limited", "fatal_error", "internal_error", "service_unavailable",
     "request_timeout", "team_added_to_org", "org_login_required"}
)  # fmt: skip


class SlackConfig(ConnectorConfig):
    """One Slack app installation: its signing secret, bot token and (optionally) bot user."""

    signing_secret: SecretStr = Secret("Basic Information → App Credentials → Signing Secret")
    bot_token: SecretStr = Secret("Bot User OAuth Token (xoxb-...)")
    bot_user_id: str | None = Field(
        default=None, pattern=r"^[UW][A-Z0-9]{2,30}$", description="the bot's user id (U...)"
    )
    api_base_url: str | None = Field(
        default=None, max_length=500, description="Slack's host (default https://slack.com)"
    )

    @field_validator("signing_secret")
    @classmethod
    def _signing_secret(cls, value: SecretStr) -> SecretStr:
        if not re.fullmatch(r"[A-Za-z0-9]{16,256}", value.get_secret_value()):
            raise ValueError("signing_secret must be the app's signing secret (hex characters)")
        return value

    @field_validator("bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr) -> SecretStr:
        if not BOT_TOKEN.match(value.get_secret_value()):
            raise ValueError("bot_token must be a bot token starting with xoxb-")
        return value


class SlackConnector:
    """Stateless: every call is told its installation through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        stamp = signing.require_header(
            request.header("x-slack-request-timestamp"), "slack", "X-Slack-Request-Timestamp"
        )
        signing.check_hmac(
            "slack",
            key=signing.secret_bytes(_config(conn).signing_secret, "slack"),
            message=b"v0:" + stamp.encode() + b":" + request.body,
            given=request.header("x-slack-signature"),
            prefix="v0=",
            header="X-Slack-Signature",
        )
        signing.check_fresh("slack", stamp, REPLAY_WINDOW_S)

    def handshake(self, conn: Connection, request: WebhookRequest) -> WebhookReply | None:
        """Echo a `url_verification` challenge, after its signature checks out (Slack signs it:
        answering an unsigned one would let anyone point our endpoint at their own app)."""
        if request.method != "POST" or b"url_verification" not in request.body:
            return None
        try:
            payload = json.loads(request.body)
        except ValueError:
            return None
        if not isinstance(payload, dict) or payload.get("type") != "url_verification":
            return None
        self.verify(conn, request)
        challenge = payload.get("challenge")
        if not isinstance(challenge, str) or not challenge or len(challenge) > 500:
            raise BadInput("slack: url_verification without a challenge", code="no_challenge")
        return WebhookReply(status=200, body=challenge, media_type="text/plain")

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        payload = request.json()
        if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
            raise BadInput("slack: not an Events API payload", code="unknown_payload")
        if payload["type"] != "event_callback":
            return []  # url_verification (answered by the handshake), app_rate_limited
        event = payload.get("event")
        if not isinstance(event, dict):
            raise BadInput("slack: event_callback without an event", code="no_event")
        if not _from_a_person(conn, payload, event):
            return []
        found = _message(conn, payload, event)
        return [found] if found is not None else []

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        channel, thread_ts = _address(message)
        text = _escape(message.text.strip())
        if not text:
            raise BadInput("slack: a reply needs text", code="empty_reply")
        try:
            response = await _client(conn).chat_postMessage(
                channel=channel, text=text, thread_ts=thread_ts
            )
        except SlackApiError as exc:
            raise from_slack_error(exc) from None
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            raise Retriable(f"slack: {type(exc).__name__} talking to Slack") from None
        sent_channel, ts = str(response.get("channel") or channel), response.get("ts")
        return SendResult(
            # Without a ts, a deterministic id still lets a retried delivery be recognised.
            external_id=f"{sent_channel}:{ts or message.message_id}",
            thread_key=f"{sent_channel}:{thread_ts}" if thread_ts else sent_channel,
            sent_at=_when(ts),
        )

    async def check(self, conn: Connection) -> str:
        try:
            data = await _client(conn).auth_test()
        except SlackApiError as exc:
            raise from_slack_error(exc) from None
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            raise Retriable(f"slack: {type(exc).__name__} talking to Slack") from None
        expected = _config(conn).bot_user_id
        if expected and data.get("user_id") != expected:
            raise BadInput("slack: the bot token belongs to another user than bot_user_id")
        return f"bot {data.get('user_id')} in workspace {data.get('team')} ({data.get('team_id')})"


def _from_a_person(conn: Connection, payload: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """A person's new message: not an edit/deletion/join, not a bot (ours or another)."""
    if event.get("type") not in MESSAGE_EVENTS or event.get("subtype") not in PERSON_SUBTYPES:
        return False
    if event.get("bot_id") or event.get("bot_profile"):
        return False
    ours = {_config(conn).bot_user_id} | {
        a.get("user_id")
        for a in payload.get("authorizations") or []
        if isinstance(a, dict) and a.get("is_bot")
    }
    return bool(event.get("user")) and event.get("user") not in ours


def _message(
    conn: Connection, payload: Mapping[str, Any], event: Mapping[str, Any]
) -> InboundMessage | None:
    channel, ts = event.get("channel"), event.get("ts")
    if not isinstance(channel, str) or not isinstance(ts, str) or not channel or not ts:
        raise BadInput("slack: message event without channel or ts", code="no_message_id")
    text, attachments = str(event.get("text") or ""), _attachments(event.get("files"))
    if not text and not attachments:
        return None
    thread_ts = event.get("thread_ts")
    direct = event.get("channel_type") == "im" and not thread_ts
    metadata = {
        "team_id": payload.get("team_id"),
        "event_id": payload.get("event_id"),
        "event_time": payload.get("event_time"),
        "api_app_id": payload.get("api_app_id"),
        "event_type": event.get("type"),
        "channel_type": event.get("channel_type"),
        "thread_ts": thread_ts,
        "client_msg_id": event.get("client_msg_id"),
    }
    return InboundMessage(
        organization_id=conn.organization_id,
        integration_id=conn.integration_id,
        channel=conn.channel,
        external_id=f"{channel}:{ts}",
        thread_key=channel if direct else f"{channel}:{thread_ts or ts}",
        sender=Party(external_id=str(event["user"])),
        text=text[:MAX_TEXT_CHARS],
        attachments=attachments,
        received_at=_when(ts),
        raw_ref=f"slack:event/{payload.get('event_id') or ts}",
        metadata={key: value for key, value in metadata.items() if value is not None},
    )


def _attachments(files: Any) -> list[Attachment]:
    found: list[Attachment] = []
    for item in files if isinstance(files, list) else []:
        if not isinstance(item, dict) or not item.get("id"):
            continue
        size = item.get("size")
        found.append(
            Attachment(
                filename=str(item.get("name") or item.get("title") or item["id"])[:500],
                content_type=item.get("mimetype"),
                size=size if isinstance(size, int) and size >= 0 else None,
                # url_private needs the bot token to download; the id works with files.info.
                ref=str(item.get("url_private") or f"slack:file/{item['id']}")[:1000],
            )
        )
    return found[:100]


def _address(message: OutboundMessage) -> tuple[str, str | None]:
    """(channel, thread_ts) from `"<channel>:<thread_ts>"`, or a bare channel (a DM)."""
    channel, _, thread_ts = (message.thread_key or "").partition(":")
    if not re.fullmatch(r"[A-Z0-9]{2,40}", channel):
        raise BadInput("slack: a channel id is required to reply", code="no_channel")
    if thread_ts and not re.fullmatch(r"\d+\.\d+", thread_ts):
        raise BadInput("slack: the thread timestamp is malformed", code="bad_thread_ts")
    return channel, thread_ts or None


def _escape(text: str) -> str:
    """Slack reads `&`, `<` and `>` as markup (links, mentions): a reply's are literal."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def from_slack_error(exc: SlackApiError) -> SwitchboardError:
    """The HTTP status first (429 / 401 / 5xx), then Slack's `error` code; never its body."""
    response = exc.response
    status = int(getattr(response, "status_code", 0) or 0)
    data = getattr(response, "data", None)
    code = str(data.get("error") or "") if isinstance(data, dict) else ""
    if status == 429 or code in RETRIABLE or status >= 500:
        header = str((getattr(response, "headers", None) or {}).get("Retry-After") or "")
        retry_after = int(header) if header.isdigit() else 5
        return Retriable(f"slack: {code or 'unavailable'} (HTTP {status})", retry_after=retry_after)
    if status == 401 or code in UNAUTHORIZED:
        return Unauthorized(f"slack: the bot token was refused ({code or status}); reconnect")
    if status == 403 or code in FATAL:
        return Fatal(f"slack: the app lacks a permission ({code or status})")
    return BadInput(f"slack: Slack refused the request ({code or status})", code="slack_refused")


def _client(conn: Connection) -> AsyncWebClient:
    config = _config(conn)
    base = f"{config.api_base_url.rstrip('/')}/api/" if config.api_base_url else None
    token = config.bot_token.get_secret_value()
    # The SDK's default retry handlers only retry dropped connections; 429s come back to us.
    if base is None:
        return AsyncWebClient(token=token, timeout=20)
    return AsyncWebClient(token=token, base_url=base, timeout=20)


def _when(ts: Any) -> datetime:
    try:
        return datetime.fromtimestamp(float(ts), UTC)
    except (TypeError, ValueError, OverflowError):
        return datetime.now(UTC)


def _config(conn: Connection) -> SlackConfig:
    if not isinstance(conn.config, SlackConfig):
        raise Fatal("slack: connection carries another connector's config")
    return conn.config


SPEC = ConnectorSpec(
    slug="slack",
    name="Slack",
    kind="chat",
    auth_type="token",
    config_model=SlackConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description="Slack app: messages and mentions in (Events API), threaded replies out.",
    factory=SlackConnector,
)
