"""Front: inbound messages in (application webhooks), replies out (Core API).

Application webhooks are signed `X-Front-Signature: base64(HMAC-SHA256(app signing key,
timestamp + ":" + raw body))` with `X-Front-Request-Timestamp` in milliseconds; Front recommends
refusing calls older than 5 minutes, and so do we. Saving the webhook sends a signed `sync` call
with `X-Front-Challenge`, answered with the challenge.

Only `inbound_received` events (the Events API's `inbound`) bring messages: the event's target
message is one message, `external_id` its id (`msg_...`), `thread_key` the conversation id
(`cnv_...`). A preview without the body is completed from `GET /messages/{id}`. Outbound sends,
comments and moves are ignored, so our own replies never come back as customer messages.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr

from ingestion.connectors import helpdesk_kit as hd
from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    SendResult,
    WebhookReply,
    WebhookRequest,
)
from ingestion.connectors.signing import check_fresh, check_hmac, require_header, secret_bytes
from ingestion.contract import InboundMessage

P = "front"
API_URL = "https://api2.frontapp.com"
WINDOW_S = 300
INBOUND = frozenset({"inbound_received", "inbound"})


class FrontConfig(ConnectorConfig):
    """One Front company: an API token, the app's signing key, the teammate replies come from."""

    api_token: SecretStr = Secret("API token (Settings → Developers → API tokens)", min_length=8)
    signing_key: SecretStr = Secret("the app's signing key (it signs application webhooks)")
    author_id: str | None = Field(
        default=None, pattern=r"^(tea_|alt:email:)[\w.@+-]{1,200}$", description="teammate id"
    )
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")


class FrontConnector:
    """Stateless: every call is told its company through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        stamp = require_header(request.header("x-front-request-timestamp"), P, "timestamp")
        check_hmac(
            P,
            key=secret_bytes(_config(conn).signing_key, P),
            message=stamp.encode() + b":" + request.body,
            given=request.header("x-front-signature"),
            encoding="base64",
            header="X-Front-Signature",
        )
        check_fresh(P, stamp, WINDOW_S, millis=True)

    def handshake(self, conn: Connection, request: WebhookRequest) -> WebhookReply | None:
        challenge = request.header("x-front-challenge")
        if challenge is None:
            return None
        self.verify(conn, request)  # only Front may make us echo
        return WebhookReply(200, {"challenge": challenge})

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        body = hd.object_of(request.json(), P)
        payload = body.get("payload")
        event: dict[str, Any] = payload if isinstance(payload, dict) else body
        if body.get("type") not in INBOUND or event.get("type") not in (*INBOUND, None):
            return []  # sync, outbound_sent, new_comment_added, moves, tags...
        target = (event.get("target") or {}).get("data") or {}
        convo = hd.require_id(
            (event.get("conversation") or {}).get("id"), P, "conversation id", "token"
        )
        msg_id = hd.require_id(target.get("id"), P, "message id", "token")
        if target.get("body") is None and target.get("text") is None:
            target = hd.as_dict(await _call(conn, "GET", f"/messages/{msg_id}"), P)
        if not target.get("is_inbound", True):
            return []
        return [_message(conn, convo, target, event)]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        convo = hd.require_id(message.thread_key, P, "conversation id", "token")
        body: dict[str, Any] = {
            "body": hd.reply_html(message.text, message.html),
            "text": message.text,
        }
        if (author := _config(conn).author_id) is not None:
            body["author_id"] = author
        data = await _call(conn, "POST", f"/conversations/{convo}/messages", json=body)
        data = data if isinstance(data, dict) else {}
        # 202 Accepted: Front queues the send and names it by `message_uid`.
        new_id = data.get("message_uid") or data.get("id")
        return SendResult(
            external_id=str(new_id or f"{convo}:{message.message_id}"), thread_key=convo
        )

    async def check(self, conn: Connection) -> str:
        me = hd.as_dict(await _call(conn, "GET", "/me"), P)
        return f"Front: connected to {me.get('name') or me.get('id')}"


def _message(
    conn: Connection, convo: str, msg: dict[str, Any], event: dict[str, Any]
) -> InboundMessage:
    sender: dict[str, Any] = next(
        (r for r in msg.get("recipients") or [] if r.get("role") == "from"), {}
    )
    handle = str(sender.get("handle") or "")
    text, html = hd.text_and_html(msg.get("body"))
    return hd.message(
        conn,
        external_id=str(msg["id"]),
        thread_key=convo,
        sender=hd.party(
            external_id=handle or None,
            email=handle if "@" in handle else None,
            phone=handle if handle.startswith("+") else None,
            name=sender.get("name"),
        ),
        text=str(msg.get("text") or text),
        html=html,
        subject=msg.get("subject") or (event.get("conversation") or {}).get("subject"),
        received_at=msg.get("created_at") or event.get("emitted_at"),
        raw_ref=f"front:conversation/{convo}/message/{msg['id']}",
        metadata={"front_message_type": msg.get("type")},
    )


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> Any:
    config = _config(conn)
    url = (config.api_base_url or API_URL).rstrip("/") + path
    return await hd.call(
        conn, P, method, url, {"Authorization": hd.bearer(config.api_token)}, **kwargs
    )


def _config(conn: Connection) -> FrontConfig:
    return hd.config_of(conn, FrontConfig, P)


SPEC = ConnectorSpec(
    slug="front",
    name="Front",
    kind="helpdesk",
    auth_type="api_key",
    config_model=FrontConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description="Front conversations: inbound messages in (signed app webhooks), replies out.",
    factory=FrontConnector,
)
