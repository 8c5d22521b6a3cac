"""ServiceNow: customer comments in (a business rule posting JSON), comments out (Table API).

ServiceNow has no webhook product that signs; a business rule we document (see
docs/connectors/helpdesks.md) posts each new `sys_journal_field` "comments" entry and signs it
with ServiceNow's own `GlideCertificateEncryption.generateMac`:

    X-Switchboard-Timestamp: <epoch seconds>
    X-Switchboard-Signature: base64(HMAC-SHA256(base64-decoded secret, timestamp + "." + body))

Calls outside 5 minutes are refused. The journal entry's `sys_id` is `external_id`, the record's
`sys_id` (`element_id`) the `thread_key`. Only comments written by the record's customer (its
caller or contact) come in; agents' comments, work notes and our own replies do not.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from pydantic import Field, SecretStr, field_validator

from ingestion.connectors import helpdesk_kit as hd
from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    SendResult,
    WebhookRequest,
)
from ingestion.connectors.signing import check_fresh, check_hmac, require_header
from ingestion.contract import InboundMessage

P = "servicenow"
WINDOW_S = 300


class ServiceNowConfig(ConnectorConfig):
    """One ServiceNow instance: an integration user, the table replies go to, the rule's key."""

    instance: str = Field(
        pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="<instance>.service-now.com"
    )
    username: str = Field(min_length=1, max_length=100, description="integration user (Basic)")
    password: SecretStr = Secret("the integration user's password", min_length=1)
    webhook_secret: SecretStr = Secret("base64 HMAC key the business rule signs with")
    table: str = Field(default="incident", pattern=r"^[a-z][a-z0-9_]{1,79}$", description="table")
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")

    @field_validator("webhook_secret")
    @classmethod
    def _base64_key(cls, value: SecretStr) -> SecretStr:
        if len(_key(value)) < 32:
            raise ValueError("webhook_secret must be base64 of at least 32 random bytes")
        return value


class ServiceNowConnector:
    """Stateless: every call is told its instance through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        stamp = require_header(request.header("x-switchboard-timestamp"), P, "timestamp")
        check_hmac(
            P,
            key=_key(_config(conn).webhook_secret),
            message=stamp.encode() + b"." + request.body,
            given=request.header("x-switchboard-signature"),
            encoding="base64",
            header="X-Switchboard-Signature",
        )
        check_fresh(P, stamp, WINDOW_S)

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        entry = hd.object_of(request.json(), P)
        if entry.get("element") != "comments" or not str(entry.get("value") or "").strip():
            return []  # work notes stay internal
        author = str(entry.get("sys_created_by") or "")
        customer = str(entry.get("customer_user_name") or "")
        if author == _config(conn).username or (customer and author != customer):
            return []  # our own reply, or an agent's comment
        record = hd.require_id(entry.get("element_id"), P, "record sys_id", "token")
        text, _ = hd.text_and_html(str(entry["value"]), is_html=False)
        return [
            hd.message(
                conn,
                external_id=hd.require_id(entry.get("sys_id"), P, "journal sys_id", "token"),
                thread_key=record,
                sender=hd.party(
                    external_id=author or None,
                    email=entry.get("customer_email") if author == customer else None,
                    name=entry.get("customer_name") if author == customer else None,
                ),
                text=text,
                subject=entry.get("short_description"),
                received_at=_when(entry.get("sys_created_on")),
                raw_ref=f"servicenow:{entry.get('name') or 'record'}/{record}/{entry['sys_id']}",
                metadata={"number": entry.get("number"), "table": entry.get("name")},
            )
        ]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        record = hd.require_id(message.thread_key, P, "record sys_id", "token")
        table = _config(conn).table
        data = await _call(
            conn,
            "PATCH",
            f"/api/now/table/{table}/{record}",
            json={"comments": message.text},
            params={"sysparm_fields": "sys_id,sys_updated_on"},
        )
        result = hd.as_dict(data, P).get("result") or {}
        # The Table API names no journal entry: our message id keeps a retry recognisable.
        return SendResult(
            external_id=f"{record}:{message.message_id}",
            thread_key=record,
            sent_at=_when(result.get("sys_updated_on")),
        )

    async def check(self, conn: Connection) -> str:
        config = _config(conn)
        params = {"sysparm_limit": "1", "sysparm_fields": "sys_id"}
        await _call(conn, "GET", f"/api/now/table/{config.table}", params=params)
        return f"ServiceNow: {config.username} can read {config.table}"


def _key(secret: SecretStr) -> bytes:
    """ServiceNow's generateMac takes its key base64-encoded; we decode the same text."""
    try:
        return base64.b64decode(secret.get_secret_value(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("webhook_secret must be base64") from None


def _when(value: Any) -> Any:
    """`sys_created_on` is `YYYY-MM-DD HH:MM:SS` in UTC."""
    return str(value).replace(" ", "T") + "Z" if value else None


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> Any:
    config = _config(conn)
    base = config.api_base_url or f"https://{config.instance}.service-now.com"
    auth = hd.basic(config.username, config.password)
    return await hd.call(
        conn, P, method, base.rstrip("/") + path, {"Authorization": auth}, **kwargs
    )


def _config(conn: Connection) -> ServiceNowConfig:
    return hd.config_of(conn, ServiceNowConfig, P)


SPEC = ConnectorSpec(
    slug="servicenow",
    name="ServiceNow",
    kind="helpdesk",
    auth_type="basic",
    config_model=ServiceNowConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description=(
        "ServiceNow incidents or cases: customer comments in through a business rule we "
        "document (ServiceNow has no signed webhooks; the rule signs with HMAC-SHA256 and a "
        "timestamp), additional comments out through the Table API."
    ),
    factory=ServiceNowConnector,
)
