"""Crisp: visitor messages in (signed plugin web hooks), operator replies out (REST API v1).

Plugin web hooks are signed `X-Crisp-Signature: <hex HMAC-SHA256(hooks secret,
"[" + X-Crisp-Request-Timestamp + ";" + raw body + "]")>`, the trace Crisp's own SDK checks;
calls more than 5 minutes from our clock are refused as replays. Each `message:send` text from
the visitor (`from: user`) is one message: `external_id` `<session_id>:<fingerprint>` (Crisp's
per-message fingerprint), `thread_key` the session id. Operator messages (`from: operator`,
our replies among them) are ignored.

Replies: `POST /v1/website/{website_id}/conversation/{session_id}/message` as an operator text,
with the plugin token (`identifier:key`, Basic) and `X-Crisp-Tier: plugin`.
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
    WebhookRequest,
)
from ingestion.connectors.signing import check_fresh, check_hmac, require_header, secret_bytes
from ingestion.contract import InboundMessage

P = "crisp"
API_URL = "https://api.crisp.chat"
WINDOW_S = 300
UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


class CrispConfig(ConnectorConfig):
    """One Crisp website, reached through a Marketplace plugin's production token."""

    website_id: str = Field(pattern=UUID, description="Settings → Website → Setup instructions")
    identifier: str = Field(min_length=8, max_length=100, description="plugin token identifier")
    key: SecretStr = Secret("plugin token key", min_length=8)
    hooks_secret: SecretStr = Secret("the plugin's Web Hooks signing secret", min_length=8)
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")


class CrispConnector:
    """Stateless: every call is told its website through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        stamp = require_header(request.header("x-crisp-request-timestamp"), P, "timestamp")
        check_hmac(
            P,
            key=secret_bytes(_config(conn).hooks_secret, P),
            message=b"[" + stamp.encode() + b";" + request.body + b"]",
            given=request.header("x-crisp-signature"),
            header="X-Crisp-Signature",
        )
        check_fresh(P, stamp, WINDOW_S, millis=stamp.isdigit() and int(stamp) > 10**11)

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        event = hd.object_of(request.json(), P)
        data = event.get("data") or {}
        if event.get("event") != "message:send" or data.get("from") != "user":
            return []  # operator messages, sessions, people and status events
        if data.get("type") != "text" or not isinstance(data.get("content"), str):
            return []  # files, pickers and other rich messages carry no text to answer
        if data.get("website_id", _config(conn).website_id) != _config(conn).website_id:
            return []  # a plugin hook for another website installing the same plugin
        session = hd.require_id(data.get("session_id"), P, "session id", "token")
        fingerprint = hd.require_id(data.get("fingerprint"), P, "fingerprint")
        user = data.get("user") or {}
        return [
            hd.message(
                conn,
                external_id=f"{session}:{fingerprint}",
                thread_key=session,
                sender=hd.party(
                    external_id=user.get("user_id") or session, name=user.get("nickname")
                ),
                text=data["content"],
                received_at=data.get("timestamp") or event.get("timestamp"),
                raw_ref=f"crisp:session/{session}/{fingerprint}",
                metadata={"origin": data.get("origin")},
            )
        ]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        session = hd.require_id(message.thread_key, P, "session id", "token")
        body = {"type": "text", "from": "operator", "origin": "chat", "content": message.text}
        path = f"/v1/website/{_config(conn).website_id}/conversation/{session}/message"
        data = hd.as_dict(await _call(conn, "POST", path, json=body), P).get("data") or {}
        fingerprint = data.get("fingerprint")
        return SendResult(
            external_id=f"{session}:{fingerprint or message.message_id}", thread_key=session
        )

    async def check(self, conn: Connection) -> str:
        site = await _call(conn, "GET", f"/v1/website/{_config(conn).website_id}")
        name = (hd.as_dict(site, P).get("data") or {}).get("name")
        return f"Crisp: connected to {name or _config(conn).website_id}"


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> Any:
    config = _config(conn)
    url = (config.api_base_url or API_URL).rstrip("/") + path
    headers = {"Authorization": hd.basic(config.identifier, config.key), "X-Crisp-Tier": "plugin"}
    return await hd.call(conn, P, method, url, headers, **kwargs)


def _config(conn: Connection) -> CrispConfig:
    return hd.config_of(conn, CrispConfig, P)


SPEC = ConnectorSpec(
    slug="crisp",
    name="Crisp",
    kind="chat",
    auth_type="basic",
    config_model=CrispConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description="Crisp chat: visitor messages in (signed plugin web hooks), operator replies out.",
    factory=CrispConnector,
)
