"""Plivo Messaging: SMS/MMS/WhatsApp to a Plivo number in, SMS replies out.

Inbound: Plivo POSTs the message form-encoded to the application's `message_url` (`From`, `To`,
`Text` or `Body`, `Type`, `MessageUUID`, `Media0`... for MMS) with `X-Plivo-Signature-V3` =
base64(HMAC-SHA256(auth_token, URL + "?" + sorted query + "." + sorted POST name+value pairs +
"." + `X-Plivo-Signature-V3-Nonce`)), built exactly as Plivo's SDKs build it; the header may
list several signatures (one per active token). Plivo's messaging pages still describe the
older V2 signature (HMAC of URL + nonce only, which does not cover the body): it is accepted
only when `allow_v2_signature` is set. No timestamp is signed; dedupe on `MessageUUID` absorbs
replays. Behind a proxy, set `public_webhook_url` to the URL configured in Plivo.

Outbound: `POST /v1/Account/{auth_id}/Message/` (JSON `src`, `dst`, `text`) with HTTP Basic
auth (Auth ID, Auth Token); the first `message_uuid` is the result.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, parse_qsl, urlsplit, urlunsplit

from pydantic import Field, SecretStr

from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    SendResult,
    WebhookReply,
    WebhookRequest,
)
from ingestion.connectors.provider_http import call_json
from ingestion.connectors.signing import check_any_hmac, require_header, secret_bytes
from ingestion.contract import MAX_TEXT_CHARS, Attachment, InboundMessage, Party
from store.errors import BadInput, Fatal, Unauthorized

PROVIDER = "plivo"
API_URL = "https://api.plivo.com"


class PlivoConfig(ConnectorConfig):
    """One Plivo account (or subaccount) and the number replies are sent from."""

    auth_id: str = Field(pattern=r"^[MS]A[A-Z0-9]{18}$", description="Auth ID (MA... or SA...)")
    auth_token: SecretStr = Secret("Auth Token: checks webhook signatures, authenticates sends")
    from_number: str = Field(pattern=r"^\+?[1-9]\d{3,14}$", description="Plivo sender number")
    public_webhook_url: str | None = Field(
        default=None,
        max_length=1000,
        pattern=r"^https?://",
        description="the exact message_url set in Plivo, when a proxy changes the one we see",
    )
    allow_v2_signature: bool = Field(
        default=False, description="also accept V2 signatures (they do not cover the body)"
    )
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")


EMPTY_RESPONSE = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class PlivoConnector:
    """Stateless: every call is told its account through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        config = _config(conn)
        key = secret_bytes(config.auth_token, PROVIDER)
        url = config.public_webhook_url or request.url
        given = request.header("x-plivo-signature-v3")
        if not given and config.allow_v2_signature and request.header("x-plivo-signature-v2"):
            _check_v2(request, key, url)
            return
        given = require_header(given, PROVIDER, "X-Plivo-Signature-V3")
        nonce = require_header(
            request.header("x-plivo-signature-v3-nonce"), PROVIDER, "X-Plivo-Signature-V3-Nonce"
        )
        try:
            signed = v3_string(url, _pairs(request.body), nonce)
        except BadInput:
            raise Unauthorized(f"{PROVIDER}: the signed form cannot be read") from None
        candidates = [part.strip() for part in given.split(",")]
        check_any_hmac(PROVIDER, key=key, message=signed.encode(), candidates=candidates,
                       encoding="base64")  # fmt: skip

    def ack(self, conn: Connection, request: WebhookRequest, accepted: int) -> WebhookReply:
        """An empty XML response: the provider sends nothing back to the customer (the reply
        comes later through the Messages API) and does not log a parse error."""
        return WebhookReply(status=200, body=EMPTY_RESPONSE, media_type="text/xml")

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        fields = dict(_pairs(request.body))
        if not fields.get("MessageUUID") or not fields.get("From"):
            raise BadInput(f"{PROVIDER}: not an incoming message", code="unknown_payload")
        if fields.get("Status") and not fields.get("Text", fields.get("Body")):
            return []  # a delivery report for one of our own messages
        return [_message(conn, fields)]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        config = _config(conn)
        to = (message.thread_key or "").strip().lstrip("+")
        if not to.isdigit():
            raise BadInput(f"{PROVIDER}: a destination number is required", code="no_recipient")
        body = {"src": config.from_number.lstrip("+"), "dst": to, "text": message.text}
        url = (config.api_base_url or API_URL).rstrip(
            "/"
        ) + f"/v1/Account/{config.auth_id}/Message/"
        auth = (config.auth_id, config.auth_token.get_secret_value())
        data = await call_json(conn.client(), PROVIDER, "POST", url, json=body, auth=auth)
        uuids = data.get("message_uuid") if isinstance(data, dict) else None
        if not isinstance(uuids, list) or not uuids:
            raise BadInput(f"{PROVIDER}: the provider answered without a message_uuid")
        return SendResult(external_id=str(uuids[0]), thread_key=to, sent_at=datetime.now(UTC))


def v3_string(url: str, pairs: list[tuple[str, str]], nonce: str) -> str:
    """What Plivo signs for a POST (its SDKs' construct_post_url + "." + nonce)."""
    parts = urlsplit(url)
    base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    query = _sorted_query(parse_qs(parts.query, keep_blank_values=True))
    if query or pairs:
        base += "?" + query
    if query and pairs:
        base += "."
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    body = "".join(f"{name}{value}" for name in sorted(grouped) for value in sorted(grouped[name]))
    return f"{base}{body}.{nonce}"


def _check_v2(request: WebhookRequest, key: bytes, url: str) -> None:
    """V2: HMAC-SHA256 of the URL without its query, followed by the nonce (no body)."""
    nonce = require_header(request.header("x-plivo-signature-v2-nonce"), PROVIDER, "V2 nonce")
    base = urlunsplit(urlsplit(url)._replace(query="", fragment=""))
    given = [part.strip() for part in str(request.header("x-plivo-signature-v2")).split(",")]
    check_any_hmac(PROVIDER, key=key, message=(base + nonce).encode(), candidates=given,
                   encoding="base64")  # fmt: skip


def _sorted_query(params: dict[str, list[str]]) -> str:
    return "&".join(f"{name}={value}" for name in sorted(params) for value in sorted(params[name]))


def _message(conn: Connection, fields: dict[str, str]) -> InboundMessage:
    sender, uuid = fields["From"], fields["MessageUUID"]
    media = [
        Attachment(filename=f"media-{index}", ref=url)
        for index in range(100)
        if (url := fields.get(f"Media{index}"))
    ]
    return InboundMessage(
        organization_id=conn.organization_id,
        integration_id=conn.integration_id,
        channel=conn.channel,
        external_id=uuid,
        thread_key=sender,
        sender=Party(phone=_e164(sender), external_id=sender),
        recipients=[Party(phone=_e164(fields.get("To", "")), external_id=fields.get("To"))],
        text=(fields.get("Text") or fields.get("Body") or "")[:MAX_TEXT_CHARS],
        attachments=media,
        raw_ref=f"{PROVIDER}:message/{uuid}",
        metadata={"type": fields.get("Type"), "to": fields.get("To")},
    )


def _e164(number: str) -> str | None:
    digits = number.lstrip("+")
    return f"+{digits}"[:40] if digits.isdigit() else None


def _pairs(body: bytes) -> list[tuple[str, str]]:
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise BadInput(f"{PROVIDER}: the webhook form is not UTF-8", code="bad_form") from None


def _config(conn: Connection) -> PlivoConfig:
    if not isinstance(conn.config, PlivoConfig):
        raise Fatal(f"{PROVIDER}: connection carries another connector's config")
    return conn.config


SPEC = ConnectorSpec(
    slug="plivo",
    name="Plivo SMS",
    kind="sms",
    auth_type="basic",
    config_model=PlivoConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description="Plivo Messaging: SMS/MMS in (V3-signed webhooks), SMS replies out.",
    factory=PlivoConnector,
)
