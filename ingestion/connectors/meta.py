"""Meta's shared scheme for WhatsApp, Messenger and Instagram: webhooks in, Graph API calls out.

One Meta app delivers all three products' webhooks the same way: a GET subscription handshake
(`hub.mode=subscribe&hub.verify_token=<ours>&hub.challenge=<n>`, answered with the challenge as
text/plain), then POSTs signed `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw
body)>`. Meta signs no timestamp: a replayed delivery is absorbed by the pipeline's dedupe on the
message id. Replies go through the Graph API, whose error bodies (`{"error": {"code",
"error_subcode"}}`) say more than the HTTP status, so documented codes are mapped first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pydantic import Field, SecretStr

from ingestion.connectors.base import ConnectorConfig, Secret
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    WebhookReply,
    WebhookRequest,
)
from ingestion.connectors.provider_http import raise_for_provider
from ingestion.connectors.signing import check_hmac, same, secret_bytes
from store.errors import BadInput, Fatal, Forbidden, Retriable, SwitchboardError, Unauthorized

GRAPH_URL = "https://graph.facebook.com"
SIGNATURE_HEADER = "X-Hub-Signature-256"
THROTTLE_RETRY_S = 60  # Meta sends no Retry-After with its throttling errors


class MetaAppConfig(ConnectorConfig):
    """What every Meta product's integration shares: the app that signs webhooks, the Verify
    Token of the subscription handshake, the Graph API version and host."""

    app_secret: SecretStr = Secret(
        "the Meta app's App Secret (App settings > Basic): it signs every webhook",
        min_length=8,
        max_length=200,
    )
    verify_token: SecretStr = Secret(
        "a random string you also type as the webhook's Verify Token in the app dashboard",
        min_length=8,
        max_length=200,
    )
    graph_version: str = Field(
        default="v21.0", pattern=r"^v\d{1,2}\.\d$", description="Graph API version, e.g. v21.0"
    )
    api_base_url: str | None = Field(
        default=None,
        max_length=500,
        pattern=r"^https?://",
        description="Graph API host (default https://graph.facebook.com)",
    )


@dataclass(frozen=True)
class GraphError:
    """What a documented Graph error code means for the caller."""

    action: type[SwitchboardError]
    reason: str
    code: str | None = None  # our error code, where the caller branches on it


# Throttling and token errors mean the same in every product. Keys: code or (code, subcode).
COMMON_ERRORS: dict[int | tuple[int, int], GraphError] = {
    4: GraphError(Retriable, "the app's Graph API call rate is exhausted"),
    17: GraphError(Retriable, "the user's Graph API call rate is exhausted"),
    32: GraphError(Retriable, "the Page's Graph API call rate is exhausted"),
    613: GraphError(Retriable, "the Graph API rate limit is reached"),
    80007: GraphError(Retriable, "the WhatsApp Business Account's rate limit is reached"),
    130429: GraphError(Retriable, "the phone number's message throughput limit is reached"),
    131056: GraphError(Retriable, "too many messages to this customer in a short time"),
    190: GraphError(Unauthorized, "the access token is invalid or expired (replace it)"),
}


class MetaWebhooks:
    """The handshake and signature check, for connectors whose config is a `MetaAppConfig`."""

    provider: str = "meta"

    def handshake(self, conn: Connection, request: WebhookRequest) -> WebhookReply | None:
        """Meta's GET subscription check: echo `hub.challenge` only for our Verify Token."""
        if request.method != "GET" or "hub.mode" not in request.query:
            return None
        config = app_config(conn, self.provider)
        given = request.query.get("hub.verify_token")
        mode_ok = request.query.get("hub.mode") == "subscribe"
        if not (mode_ok and same(config.verify_token.get_secret_value(), given)):
            raise Forbidden(f"{self.provider}: the webhook verify token does not match")
        challenge = request.query.get("hub.challenge") or ""
        if not challenge or len(challenge) > 200 or not challenge.isprintable():
            raise BadInput(f"{self.provider}: hub.challenge is missing", code="no_challenge")
        return WebhookReply(status=200, body=challenge, media_type="text/plain")

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        key = secret_bytes(app_config(conn, self.provider).app_secret, self.provider)
        check_hmac(self.provider, key=key, message=request.body, prefix="sha256=",
                   given=request.header(SIGNATURE_HEADER), header=SIGNATURE_HEADER)  # fmt: skip


def app_config(conn: Connection, provider: str) -> MetaAppConfig:
    if not isinstance(conn.config, MetaAppConfig):
        raise Fatal(f"{provider}: connection carries another connector's config")
    return conn.config


def webhook_entries(payload: Any, provider: str, obj: str) -> list[dict[str, Any]]:
    """`entry[]` of a webhook for `object == obj`; anything else after a valid signature is
    malformed (BadInput), never a crash."""
    if not isinstance(payload, dict) or payload.get("object") != obj:
        raise BadInput(f"{provider}: not an {obj!r} webhook", code="unknown_payload")
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise BadInput(f"{provider}: the webhook has no entry list", code="unknown_payload")
    return [entry for entry in entries if isinstance(entry, dict)]


async def graph(conn: Connection, provider: str, method: str, path: str, *, token: SecretStr,
                errors: Mapping[int | tuple[int, int], GraphError] | None = None,
                **kwargs: Any) -> dict[str, Any]:  # fmt: skip
    """One Graph API call with a Bearer token; documented error codes first, then statuses."""
    config = app_config(conn, provider)
    base = (config.api_base_url or GRAPH_URL).rstrip("/")
    url = f"{base}/{config.graph_version}/{path.lstrip('/')}"
    headers = {"Authorization": f"Bearer {token.get_secret_value()}"}
    try:
        response = await conn.client().request(method, url, headers=headers, **kwargs)
    except httpx.TransportError as exc:
        raise Retriable(f"{provider}: {type(exc).__name__} talking to the Graph API") from exc
    if not response.is_success:
        raise_graph_error(response, provider, errors or {})
    try:
        data = response.json()
    except ValueError:
        raise Retriable(f"{provider}: the Graph API answered with malformed JSON") from None
    if not isinstance(data, dict):
        raise Retriable(f"{provider}: the Graph API answered with an unexpected body")
    return data


def raise_graph_error(response: httpx.Response, provider: str,
                      known: Mapping[int | tuple[int, int], GraphError]) -> None:  # fmt: skip
    """Raise what a documented `error.code` means; unknown codes fall back to the status table.
    Meta's message text is not echoed (it may quote the customer)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    if isinstance(code, int) and isinstance(error, dict):
        subcode = error.get("error_subcode")
        found = known.get((code, subcode)) if isinstance(subcode, int) else None
        found = found or known.get(code) or COMMON_ERRORS.get(code)
        if found is not None:
            raise _error(found, provider, response.status_code, code)
    raise_for_provider(response, provider)


def _error(found: GraphError, provider: str, status: int, code: int) -> SwitchboardError:
    message = f"{provider}: {found.reason} (Graph error {code})"
    if found.action is Retriable:
        return Retriable(message, retry_after=THROTTLE_RETRY_S)
    details = {"provider": provider, "status": status, "graph_code": code}
    return found.action(message, details=details, code=found.code)


def since_last_inbound(message: OutboundMessage) -> timedelta | None:
    """How long ago the customer last wrote (None: never, as far as we know)."""
    last = message.last_inbound_at
    if last is None:
        return None
    if last.tzinfo is None:  # stored as UTC without a zone
        last = last.replace(tzinfo=UTC)
    return max(datetime.now(UTC) - last, timedelta(0))


def from_epoch(value: Any) -> datetime:
    """Meta's timestamps: seconds as a string (WhatsApp) or milliseconds (Messenger events;
    the postback example documents seconds): anything past year 5138 in seconds is ms."""
    try:
        stamp = float(value)
    except (TypeError, ValueError):
        return datetime.now(UTC)
    if stamp <= 0:
        return datetime.now(UTC)
    return datetime.fromtimestamp(stamp / 1000 if stamp > 1e11 else stamp, UTC)
