"""Gmail / Google Workspace: history sync, Pub/Sub push, replies in thread, labels (OAuth 2.0)."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import jwt
from pydantic import Field

from ingestion.connectors import gmail_sync, mime
from ingestion.connectors.base import Capability, ConnectorSpec, OAuthEndpoints
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    PollBatch,
    SendResult,
    WebhookRequest,
)
from ingestion.connectors.oauth import OAuthConfig
from ingestion.connectors.oauth_api import authorized_request
from ingestion.contract import InboundMessage
from store.errors import BadInput, Fatal, Retriable, Unauthorized

log = logging.getLogger(__name__)

GOOGLE_JWKS_URL = "https://www.googleapis.com/oauth2/v3/certs"
GOOGLE_ISSUERS = ("https://accounts.google.com", "accounts.google.com")


MODIFY_SCOPE = "https://www.googleapis.com/auth/gmail.modify"
RENEW_AHEAD_S = 24 * 3600


class GmailConfig(OAuthConfig):
    """The mailbox, the labels to watch, and (optionally) Pub/Sub push settings."""

    email_address: str | None = Field(
        default=None, max_length=320, description="the mailbox address; read from Gmail if unset"
    )
    label_ids: list[str] = Field(
        default_factory=lambda: ["INBOX"], min_length=1, max_length=20, description="watched"
    )
    backfill_days: int = Field(default=7, ge=1, le=365, description="first sync reaches back")
    push_topic: str | None = Field(
        default=None, max_length=300, description="projects/<project>/topics/<topic> for watch"
    )
    push_audience: str | None = Field(
        default=None, max_length=500, description="the push subscription's OIDC audience"
    )
    push_service_account: str | None = Field(
        default=None, max_length=320, description="the service account that signs push tokens"
    )
    push_jwks_url: str = Field(default=GOOGLE_JWKS_URL, max_length=500)
    label_messages: bool = Field(
        default=False,
        description="also request gmail.modify, which labelling messages needs (reconnect after)",
    )

    @property
    def extra_oauth_scopes(self) -> tuple[str, ...]:
        return (MODIFY_SCOPE,) if self.label_messages else ()


class GmailConnector:
    """Stateless: every call is told its integration through the Connection."""

    verify_fetches_keys = True  # signing keys or certificates come over HTTP: off the loop

    poll_interval_s: float = 60.0

    async def poll(self, conn: Connection) -> PollBatch:
        """History since the stored cursor; the caller persists `state` after publishing."""
        messages, cursor = await gmail_sync.sync(SPEC, conn, conn.state.get("history_id"))
        return PollBatch(messages=messages, state={**conn.state, "history_id": cursor})

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        """Check the Pub/Sub push OIDC token: Google's signature, our audience and account.

        The JWKS is fetched synchronously on first use and cached for an hour; call this
        from a worker thread when the event loop must never block."""
        config = _config(conn)
        scheme, _, token = (request.header("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("gmail: push request without a bearer token")
        if not config.push_audience or not config.push_service_account:
            raise Unauthorized("gmail: push is not configured for this integration")
        claims = _decode_push_token(token, config)
        if claims.get("email") != config.push_service_account:
            raise Unauthorized("gmail: push token from an unexpected service account")
        if claims.get("email_verified") is not True:
            raise Unauthorized("gmail: push token email is not verified")

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        """Run the history sync a push announces, then persist the advanced cursor ourselves:
        only pollers get their state persisted by the caller. The cursor is saved after the
        messages are computed, so a failure here leaves it for the redelivered push."""
        address, history_id = _push_notice(request)
        configured = _config(conn).email_address
        if configured and address.lower() != configured.lower():
            log.warning("gmail push for another mailbox ignored on %s", conn.integration_id)
            return []
        cursor = conn.state.get("history_id")
        if cursor and history_id <= int(cursor):
            return []  # an old or repeated notification: nothing new to read
        messages, new_cursor = await gmail_sync.sync(SPEC, conn, cursor)
        await conn.persist_state({**conn.state, "history_id": new_cursor})
        return messages

    async def watch(self, conn: Connection) -> int:
        """Ask Gmail to publish changes of the watched labels to the Pub/Sub topic (renew
        within 7 days); returns and stores the expiry in epoch milliseconds."""
        config = _config(conn)
        if not config.push_topic:
            raise BadInput("gmail: set push_topic before enabling push", code="gmail_push_topic")
        body = {
            "topicName": config.push_topic,
            "labelIds": config.label_ids,
            "labelFilterBehavior": "include",
        }
        url = gmail_sync.api_url(conn, "watch")
        response = await authorized_request(SPEC, conn, "POST", url, json=body)
        expiration = int(response.json()["expiration"])
        await conn.persist_state({**conn.state, "watch_expiration": expiration})
        return expiration

    def push_due(self, conn: Connection) -> bool:
        expires_ms = int(conn.state.get("watch_expiration") or 0)
        return bool(_config(conn).push_topic) and expires_ms / 1000 < time.time() + RENEW_AHEAD_S

    async def renew_push(self, conn: Connection, webhook_url: str) -> None:
        """Gmail pushes to the Pub/Sub topic (whose push subscription targets `webhook_url`)."""
        await self.watch(conn)

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        """Reply through `users.messages.send`, in the Gmail thread of the message answered."""
        address = await self._address(conn)
        reply = mime.build_reply(message, from_address=address, domain=address.partition("@")[2])
        payload: dict[str, Any] = {"raw": base64.urlsafe_b64encode(reply.as_bytes()).decode()}
        if message.thread_key:
            payload["threadId"] = message.thread_key
        url = gmail_sync.api_url(conn, "messages/send")
        sent = (await authorized_request(SPEC, conn, "POST", url, json=payload)).json()
        return SendResult(
            external_id=str(sent["id"]),
            thread_key=sent.get("threadId"),
            message_id_header=reply["Message-ID"],
            sent_at=datetime.now(UTC),
        )

    async def apply_labels(self, conn: Connection, external_id: str, labels: list[str]) -> None:
        """Add labels by name to a message, creating the ones the mailbox lacks."""
        if not getattr(conn.config, "label_messages", False):
            raise BadInput(
                "gmail: labelling messages needs gmail.modify: set label_messages and reconnect",
                code="gmail_label_scope",
            )
        known = await self._label_ids(conn)
        ids = [known.get(name.lower()) or await self._create_label(conn, name) for name in labels]
        url = gmail_sync.api_url(conn, f"messages/{external_id}/modify")
        await authorized_request(SPEC, conn, "POST", url, json={"addLabelIds": ids})

    async def _label_ids(self, conn: Connection) -> dict[str, str]:
        # Gmail label names are unique regardless of case.
        body = await gmail_sync.get_json(SPEC, conn, "labels")
        return {label["name"].lower(): label["id"] for label in body.get("labels", [])}

    async def _create_label(self, conn: Connection, name: str) -> str:
        url = gmail_sync.api_url(conn, "labels")
        body = {"name": name, "labelListVisibility": "labelShow", "messageListVisibility": "show"}
        response = await authorized_request(SPEC, conn, "POST", url, json=body, allow={409})
        if response.status_code == 409:  # created meanwhile by a concurrent call
            return (await self._label_ids(conn))[name.lower()]
        return str(response.json()["id"])

    async def _address(self, conn: Connection) -> str:
        configured = _config(conn).email_address
        if configured:
            return configured
        return str((await gmail_sync.get_json(SPEC, conn, "profile"))["emailAddress"])


def _config(conn: Connection) -> GmailConfig:
    if not isinstance(conn.config, GmailConfig):
        raise Fatal(f"gmail connector given a {type(conn.config).__name__}")
    return conn.config


@lru_cache(maxsize=16)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=5)


def _decode_push_token(token: str, config: GmailConfig) -> dict[str, Any]:
    try:
        key = _jwks_client(config.push_jwks_url).get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            audience=config.push_audience,
            issuer=GOOGLE_ISSUERS,
            options={"require": ["exp", "iat", "iss", "aud"]},
        )
    except jwt.PyJWKClientConnectionError as exc:
        raise Retriable("gmail: Google's signing keys are unreachable") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"gmail: invalid push token ({type(exc).__name__})") from exc
    return claims


def _push_notice(request: WebhookRequest) -> tuple[str, int]:
    """(emailAddress, historyId) from the base64 JSON inside a Pub/Sub push envelope."""
    envelope = request.json()
    try:
        notice = json.loads(base64.b64decode(envelope["message"]["data"]))
        return str(notice["emailAddress"]), int(notice["historyId"])
    except (KeyError, TypeError, binascii.Error, ValueError) as exc:
        raise BadInput("gmail: not a Gmail Pub/Sub push", code="gmail_push_body") from exc


SPEC = ConnectorSpec(
    slug="gmail",
    name="Gmail / Google Workspace",
    kind="email",
    auth_type="oauth2",
    config_model=GmailConfig,
    capabilities=frozenset(
        {
            Capability.POLLER,
            Capability.INBOUND_WEBHOOK,
            Capability.SENDER,
            Capability.THREADS,
            Capability.LABELS,
            Capability.OAUTH,
        }
    ),
    description="A Gmail or Workspace mailbox: history sync or Pub/Sub push, replies in thread.",
    factory=GmailConnector,
    oauth=OAuthEndpoints(
        authorize_url="https://accounts.google.com/o/oauth2/v2/auth",
        token_url="https://oauth2.googleapis.com/token",
        # The customer's template: read, send, manage labels. Putting a label on a message
        # (messages.modify) needs gmail.modify as well: `label_messages` asks for it.
        scopes=(
            "https://www.googleapis.com/auth/gmail.readonly",
            "https://www.googleapis.com/auth/gmail.send",
            "https://www.googleapis.com/auth/gmail.labels",
        ),
        extra_authorize_params=(("access_type", "offline"), ("prompt", "consent")),
    ),
)
