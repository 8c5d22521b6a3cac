"""WhatsApp Business Cloud API: customer messages in (signed webhooks), replies out within the
24-hour customer service window, approved templates outside it.

Each `entry[].changes[].value.messages[]` item of a `whatsapp_business_account` webhook is one
message: `external_id` the wamid, `thread_key` the customer's wa_id, the name from
`value.contacts[]`. `statuses[]` (the fate of our own sends), reactions and system notices carry
nothing a customer wrote and are ignored; so are changes for other phone numbers of the app.

WhatsApp only carries free-form messages within 24 hours of the customer's last message. `send`
enforces that before calling Meta: a reply naming an approved template (`metadata["template"]`,
the reply's delivery options) is sent as that template at any time; free text outside the window
is refused with `whatsapp_window_closed`, which marks the reply failed with a reason an agent can
act on (Meta's own refusal, error 131047, maps to the same).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import Field, SecretStr

from ingestion.connectors.base import Capability, ConnectorSpec, Secret
from ingestion.connectors.capabilities import Connection, OutboundMessage, SendResult
from ingestion.connectors.capabilities import WebhookRequest as Request
from ingestion.connectors.meta import (
    GraphError,
    MetaAppConfig,
    MetaWebhooks,
    from_epoch,
    graph,
    since_last_inbound,
    webhook_entries,
)
from ingestion.contract import MAX_TEXT_CHARS, Attachment, InboundMessage, Party
from store.errors import BadInput, Fatal

PROVIDER = "whatsapp"
WINDOW = timedelta(hours=24)
MAX_BODY_CHARS = 4096  # Cloud API limit of a text message body
MEDIA = frozenset({"image", "audio", "video", "document", "sticker"})
IGNORED = frozenset({"reaction", "system", "request_welcome"})
WA_ID = re.compile(r"^\d{6,20}$")
TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
CLOSED = "whatsapp_window_closed"
ERRORS: dict[int | tuple[int, int], GraphError] = {
    131047: GraphError(
        BadInput,
        "more than 24 hours since the customer's last message: "
        "only an approved template can be sent",
        CLOSED,
    ),
    131026: GraphError(BadInput, "the message could not be delivered to this number"),
    131051: GraphError(BadInput, "WhatsApp does not support this message type"),
}

Content = tuple[str, list[Attachment], dict[str, Any]]


class WhatsAppConfig(MetaAppConfig):
    """One WhatsApp business phone number of a Meta app."""

    phone_number_id: str = Field(
        pattern=r"^\d{5,30}$", description="the business number's Phone number ID (API Setup)"
    )
    access_token: SecretStr = Secret(
        "a system user access token with whatsapp_business_messaging", min_length=20
    )
    business_account_id: str | None = Field(
        default=None,
        pattern=r"^\d{5,30}$",
        description="WhatsApp Business Account ID; when set, other accounts' events are ignored",
    )


class WhatsAppConnector(MetaWebhooks):
    """Stateless: every call is told its number through the Connection."""

    provider = PROVIDER

    async def parse(self, conn: Connection, request: Request) -> list[InboundMessage]:
        config = _config(conn)
        found = []
        for value in _our_values(request.json(), config):
            names = _profile_names(value)
            for item in value.get("messages") or []:
                if isinstance(item, dict) and (message := _message(conn, item, names)):
                    found.append(message)
        return found

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        config = _config(conn)
        to = _recipient(message)
        body: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            **_content(message),
        }
        if message.in_reply_to_external_id:
            body["context"] = {"message_id": message.in_reply_to_external_id}
        path = f"{config.phone_number_id}/messages"
        data = await graph(conn, PROVIDER, "POST", path, token=config.access_token,
                           json=body, errors=ERRORS)  # fmt: skip
        sent = [m for m in data.get("messages") or [] if isinstance(m, dict) and m.get("id")]
        if not sent:
            raise Fatal("whatsapp: the Cloud API accepted the message but returned no id")
        return SendResult(external_id=str(sent[0]["id"]), thread_key=to, sent_at=datetime.now(UTC))

    async def check(self, conn: Connection) -> str:
        """Read the phone number: proves the token and the id belong together."""
        config = _config(conn)
        data = await graph(conn, PROVIDER, "GET", config.phone_number_id, token=config.access_token,
                           params={"fields": "display_phone_number,verified_name"})  # fmt: skip
        number = data.get("display_phone_number") or config.phone_number_id
        return f"WhatsApp number {number} ({data.get('verified_name') or 'unnamed'}) answers"


def _our_values(payload: Any, config: WhatsAppConfig) -> Iterator[dict[str, Any]]:
    """The `value` of each `messages` change addressed to our phone number."""
    for entry in webhook_entries(payload, PROVIDER, "whatsapp_business_account"):
        if config.business_account_id and str(entry.get("id")) != config.business_account_id:
            continue
        for change in entry.get("changes") or []:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict) or change.get("field", "messages") != "messages":
                continue
            number = str((value.get("metadata") or {}).get("phone_number_id") or "")
            if number == config.phone_number_id:
                yield value


def _profile_names(value: dict[str, Any]) -> dict[str, str]:
    contacts = [c for c in value.get("contacts") or [] if isinstance(c, dict)]
    return {
        str(c.get("wa_id")): str((c.get("profile") or {}).get("name") or "")[:200] for c in contacts
    }


def _message(
    conn: Connection, item: dict[str, Any], names: dict[str, str]
) -> InboundMessage | None:
    kind, wa_id = str(item.get("type") or ""), str(item.get("from") or "")
    if kind in IGNORED or not item.get("id") or not wa_id:
        return None
    text, attachments, extra = _inbound_content(kind, item)
    context = _dict(item.get("context"))
    if context.get("id"):
        extra["reply_to"] = str(context["id"])  # the wamid of our message they answered
    return InboundMessage(
        organization_id=conn.organization_id,
        integration_id=conn.integration_id,
        channel=conn.channel,
        external_id=str(item["id"]),
        thread_key=wa_id,
        sender=Party(
            phone=f"+{wa_id}" if WA_ID.match(wa_id) else None,
            external_id=wa_id,
            name=names.get(wa_id) or None,
        ),
        text=text[:MAX_TEXT_CHARS],
        attachments=attachments[:100],
        received_at=from_epoch(item.get("timestamp")),
        raw_ref=f"whatsapp:{item['id']}",
        metadata={"type": kind, **extra},
    )


def _inbound_content(kind: str, item: dict[str, Any]) -> Content:
    """(text, attachments, metadata) of one message, by its `type`."""
    body = item.get(kind)
    if kind in MEDIA:
        return _media(kind, _dict(body))
    reader = READERS.get(kind)
    if reader is None:  # a type we do not read yet: the agent still sees that something came
        return f"[WhatsApp {kind or 'unknown'} message]", [], {}
    return reader(body)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(body: Any) -> Content:
    return str(_dict(body).get("body") or ""), [], {}


def _interactive(body: Any) -> Content:
    """A reply button or list row the customer tapped: its title is what they 'said'."""
    body = _dict(body)
    reply = _dict(body.get(str(body.get("type") or "")))
    title = str(reply.get("title") or reply.get("body") or "")
    if reply.get("description"):
        title = f"{title} ({reply['description']})"
    return title, [], {"reply_id": reply.get("id")}


def _button(body: Any) -> Content:
    """A quick-reply button of a template message."""
    body = _dict(body)
    return str(body.get("text") or ""), [], {"reply_payload": body.get("payload")}


def _location(body: Any) -> Content:
    body = _dict(body)
    words = [str(body[k]) for k in ("name", "address") if body.get(k)]
    words.append(f"({body.get('latitude')}, {body.get('longitude')})")
    keys = ("latitude", "longitude", "name", "address", "url")
    return "Location: " + " ".join(words), [], {"location": {k: body[k] for k in keys if k in body}}


def _contacts(cards: Any) -> Content:
    """Contact cards the customer shared: names and numbers, as a line each."""
    lines = []
    for card in cards if isinstance(cards, list) else []:
        name = str(_dict(_dict(card).get("name")).get("formatted_name") or "contact")
        phones = [str(_dict(p).get("phone") or "") for p in _dict(card).get("phones") or []]
        lines.append(" ".join([name, *[p for p in phones if p]]))
    return "Shared contact: " + "; ".join(lines or ["(empty)"]), [], {}


def _media(kind: str, body: dict[str, Any]) -> Content:
    """Metadata only: the bytes stay at Meta behind the media id (GET /{media-id})."""
    mime = str(body.get("mime_type") or "")[:200] or None
    name = str(body.get("filename") or kind)[:500]
    attachment = Attachment(filename=name, content_type=mime, ref=str(body.get("id") or "") or None)
    return str(body.get("caption") or ""), [attachment], {"media_sha256": body.get("sha256")}


READERS: dict[str, Callable[[Any], Content]] = {
    "text": _text,
    "interactive": _interactive,
    "button": _button,
    "location": _location,
    "contacts": _contacts,
}


def _content(message: OutboundMessage) -> dict[str, Any]:
    """The approved template when the reply names one (allowed at any time), else free-form text,
    which WhatsApp only carries inside the 24-hour customer service window."""
    template = message.metadata.get("template")
    if template is not None:
        return {"type": "template", "template": _template(template)}
    age = since_last_inbound(message)
    if age is None or age > WINDOW:
        raise BadInput(
            "whatsapp: more than 24 hours since the customer's last message; WhatsApp only "
            "allows an approved template now (send the reply with a template)",
            code=CLOSED,
        )
    text = message.text.strip()
    if not text or len(text) > MAX_BODY_CHARS:
        raise BadInput(f"whatsapp: a text message holds 1 to {MAX_BODY_CHARS} characters",
                       code="whatsapp_text_length")  # fmt: skip
    return {"type": "text", "text": {"body": text, "preview_url": False}}


def _template(spec: Any) -> dict[str, Any]:
    """`{"name", "language": "en_US" | {"code": ...}, "components": [...]}` as Meta wants it."""
    name = spec.get("name") if isinstance(spec, dict) else None
    language = spec.get("language") if isinstance(spec, dict) else None
    code = language.get("code") if isinstance(language, dict) else language
    if not (isinstance(name, str) and TEMPLATE_NAME.match(name) and isinstance(code, str)):
        raise BadInput("whatsapp: a template needs a name and a language code", code="template")
    components = spec.get("components") or []
    if not isinstance(components, list):
        raise BadInput("whatsapp: template components must be a list", code="template")
    built: dict[str, Any] = {"name": name, "language": {"code": code}}
    return {**built, "components": components} if components else built


def _recipient(message: OutboundMessage) -> str:
    candidates = [message.thread_key, message.customer.get("external_id"),
                  str(message.customer.get("phone") or "").lstrip("+")]  # fmt: skip
    for value in candidates:
        if isinstance(value, str) and WA_ID.match(value):
            return value
    raise BadInput("whatsapp: the customer's WhatsApp id is unknown", code="no_recipient")


def _config(conn: Connection) -> WhatsAppConfig:
    if not isinstance(conn.config, WhatsAppConfig):
        raise Fatal("whatsapp: connection carries another connector's config")
    return conn.config


SPEC = ConnectorSpec(
    slug="whatsapp",
    name="WhatsApp Business",
    kind="chat",
    auth_type="token",
    config_model=WhatsAppConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description="WhatsApp Business Cloud API: customer messages in, replies out within the "
    "24-hour window (approved templates outside it).",
    factory=WhatsAppConnector,
)
