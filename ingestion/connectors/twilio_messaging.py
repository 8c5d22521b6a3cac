"""Twilio Programmable Messaging: SMS/MMS (`twilio_sms`) and WhatsApp (`twilio_whatsapp`).

Inbound: Twilio POSTs the message form-encoded (`MessageSid`, `From`, `To`, `Body`, `NumMedia`,
`MediaUrl0`...) signed `X-Twilio-Signature = base64(HMAC-SHA1(auth_token, URL + sorted
name+value pairs))`. The URL is the one Twilio called, so behind a proxy that rewrites the host
or scheme set `public_webhook_url` to the exact URL configured in Twilio. Verification uses
Twilio's own `RequestValidator`, as Twilio asks. No timestamp is signed: a replayed call is
absorbed by the pipeline's dedupe on `MessageSid`.

Outbound: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (form: To, From or
MessagingServiceSid, Body) with Basic auth `account_sid:auth_token`; the new message's `sid`
is the result. `thread_key` is the customer's address (`+E164`, or `whatsapp:+E164`), so a reply
goes back on the channel the customer used.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Self
from urllib.parse import parse_qsl

from pydantic import Field, SecretStr, model_validator
from twilio.request_validator import RequestValidator

from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    SendResult,
    WebhookReply,
    WebhookRequest,
)
from ingestion.connectors.provider_http import call_json
from ingestion.connectors.signing import require_header, secret_bytes
from ingestion.contract import MAX_TEXT_CHARS, Attachment, InboundMessage, Party
from store.errors import BadInput, Fatal, Unauthorized

PROVIDER = "twilio"
API_URL = "https://api.twilio.com"
E164 = r"^\+[1-9]\d{1,14}$"
MAX_BODY_CHARS = 1600  # Twilio refuses longer bodies (error 21617)
WHATSAPP_WINDOW = timedelta(hours=24)  # free-form replies only inside the customer's session
INBOUND_STATUSES = frozenset({"received", "receiving"})


class TwilioConfig(ConnectorConfig):
    """One Twilio account and the sender replies go out from."""

    account_sid: str = Field(pattern=r"^AC[0-9a-fA-F]{32}$", description="Account SID (AC...)")
    auth_token: SecretStr = Secret("Auth Token: checks webhook signatures and authenticates sends")
    from_number: str | None = Field(
        default=None, pattern=E164, description="sender number (+E.164); or messaging_service_sid"
    )
    messaging_service_sid: str | None = Field(
        default=None, pattern=r"^MG[0-9a-fA-F]{32}$", description="Messaging Service (MG...)"
    )
    public_webhook_url: str | None = Field(
        default=None,
        max_length=1000,
        pattern=r"^https?://",
        description="the exact webhook URL set in Twilio, when a proxy changes the one we see",
    )
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")

    @model_validator(mode="after")
    def _sender(self) -> Self:
        if not self.from_number and not self.messaging_service_sid:
            raise ValueError("set from_number or messaging_service_sid")
        return self


class _Form(dict[str, list[str]]):
    """Repeated form fields, in the shape Twilio's validator reads (`getall`, like a MultiDict)."""

    def getall(self, name: str) -> list[str]:
        return self[name]


EMPTY_RESPONSE = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class TwilioMessaging:
    """Stateless; `whatsapp` picks the channel's sender prefix and session-window rule."""

    def __init__(self, *, whatsapp: bool = False) -> None:
        self.whatsapp = whatsapp

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        config = _config(conn)
        signature = require_header(
            request.header("x-twilio-signature"), PROVIDER, "X-Twilio-Signature"
        )
        try:
            form = _form(request.body)
        except BadInput:
            raise Unauthorized(f"{PROVIDER}: the signed form cannot be read") from None
        token = secret_bytes(config.auth_token, PROVIDER).decode()
        url = config.public_webhook_url or request.url
        if not RequestValidator(token).validate(url, form, signature):
            raise Unauthorized(f"{PROVIDER}: webhook signature does not match")

    def ack(self, conn: Connection, request: WebhookRequest, accepted: int) -> WebhookReply:
        """An empty XML response: the provider sends nothing back to the customer (the reply
        comes later through the Messages API) and does not log a parse error."""
        return WebhookReply(status=200, body=EMPTY_RESPONSE, media_type="text/xml")

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        fields = {name: values[0] for name, values in _form(request.body).items()}
        sid = fields.get("MessageSid") or fields.get("SmsMessageSid")
        if not sid or not fields.get("From"):
            raise BadInput(f"{PROVIDER}: not an incoming message", code="unknown_payload")
        status = fields.get("SmsStatus") or fields.get("MessageStatus")
        if status and status not in INBOUND_STATUSES:
            return []  # a status callback for one of our own messages
        return [_message(conn, sid, fields)]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        config = _config(conn)
        to = message.thread_key or message.customer.get("external_id") or ""
        if not to:
            raise BadInput(f"{PROVIDER}: no customer address to reply to", code="no_recipient")
        if self.whatsapp and not to.startswith("whatsapp:"):
            to = f"whatsapp:{to}"
        self._check_window(message)
        if len(message.text) > MAX_BODY_CHARS:
            raise BadInput(f"{PROVIDER}: replies are limited to {MAX_BODY_CHARS} characters")
        form = {"To": to, "Body": message.text}
        if config.messaging_service_sid:
            form["MessagingServiceSid"] = config.messaging_service_sid
        else:
            prefix = "whatsapp:" if to.startswith("whatsapp:") else ""
            form["From"] = f"{prefix}{config.from_number}"
        data = await _call(conn, "POST", "/Messages.json", data=form)
        if not data.get("sid"):
            raise BadInput(f"{PROVIDER}: the provider answered without a message sid")
        return SendResult(external_id=str(data["sid"]), thread_key=to, sent_at=datetime.now(UTC))

    async def check(self, conn: Connection) -> str:
        data = await _call(conn, "GET", ".json")
        return f"{PROVIDER}: account {data.get('friendly_name') or _config(conn).account_sid}"

    def _check_window(self, message: OutboundMessage) -> None:
        last = message.last_inbound_at
        if self.whatsapp and last and datetime.now(UTC) - last > WHATSAPP_WINDOW:
            raise BadInput(
                f"{PROVIDER}: the WhatsApp 24-hour session is closed; only templates may be sent",
                code="whatsapp_window_closed",
            )


def _message(conn: Connection, sid: str, fields: dict[str, str]) -> InboundMessage:
    sender = fields["From"]
    return InboundMessage(
        organization_id=conn.organization_id,
        integration_id=conn.integration_id,
        channel=conn.channel,
        external_id=sid,
        thread_key=sender,
        sender=Party(
            phone=_number(sender),
            name=(fields.get("ProfileName") or "")[:200] or None,
            external_id=sender,
        ),
        recipients=[Party(phone=_number(fields.get("To", "")), external_id=fields.get("To"))],
        text=fields.get("Body", "")[:MAX_TEXT_CHARS],
        attachments=_media(fields),
        raw_ref=f"{PROVIDER}:message/{sid}",
        metadata={"account_sid": fields.get("AccountSid"), "to": fields.get("To")},
    )


def _media(fields: dict[str, str]) -> list[Attachment]:
    count = fields.get("NumMedia", "0")
    found = []
    for index in range(min(int(count) if count.isdigit() else 0, 100)):
        if url := fields.get(f"MediaUrl{index}"):
            found.append(
                Attachment(
                    filename=f"media-{index}",
                    content_type=fields.get(f"MediaContentType{index}"),
                    ref=url,
                )
            )
    return found


def _number(address: str) -> str | None:
    number = address.removeprefix("whatsapp:")
    return number[:40] if number.startswith("+") else None


def _form(body: bytes) -> _Form:
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise BadInput(f"{PROVIDER}: the webhook form is not UTF-8", code="bad_form") from None
    form = _Form()
    for name, value in pairs:
        form.setdefault(name, []).append(value)
    return form


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    config = _config(conn)
    base = (config.api_base_url or API_URL).rstrip("/")
    url = f"{base}/2010-04-01/Accounts/{config.account_sid}{path}"
    auth = (config.account_sid, config.auth_token.get_secret_value())
    data = await call_json(conn.client(), PROVIDER, method, url, auth=auth, **kwargs)
    return data if isinstance(data, dict) else {}


def _config(conn: Connection) -> TwilioConfig:
    if not isinstance(conn.config, TwilioConfig):
        raise Fatal(f"{PROVIDER}: connection carries another connector's config")
    return conn.config


CAPABILITIES = frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS})

SPECS = [
    ConnectorSpec(
        slug="twilio_sms",
        name="Twilio SMS",
        kind="sms",
        auth_type="basic",
        config_model=TwilioConfig,
        capabilities=CAPABILITIES,
        description="Twilio Programmable Messaging: SMS/MMS in (signed webhooks), replies out.",
        factory=TwilioMessaging,
    ),
    ConnectorSpec(
        slug="twilio_whatsapp",
        name="Twilio WhatsApp",
        kind="chat",
        auth_type="basic",
        config_model=TwilioConfig,
        capabilities=CAPABILITIES,
        description="WhatsApp through Twilio's Messaging API: messages in, session replies out.",
        factory=lambda: TwilioMessaging(whatsapp=True),
    ),
]
