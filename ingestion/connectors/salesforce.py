"""Salesforce Service Cloud: case comments (and new cases) in, public case comments out.

Each public CaseComment is one message: `external_id` the comment id (the same in every retry
of an Outbound Message and in the poller's SOQL), `thread_key` its case id; a new Case is one
message too (its Description), keyed by the case id. The sender is the case's contact.

Inbound arrives two ways, both de-duplicated on the comment id downstream:

* Outbound Messages (SOAP, from a flow or workflow rule) posted to our webhook. Salesforce signs
  nothing, so `verify` checks what it can: the OrganizationId in the envelope (every message
  carries it), and the shared `?token=` placed in the endpoint URL when one is configured. The
  webhook must answer Salesforce's SOAP Ack (`ack`), else Salesforce resends for 24 hours.
* A poller (SOQL) for public comments written by non-internal users since a cursor: it catches
  what no outbound message was set up for, and whatever was dropped after 24 hours of retries.

Auth: OAuth 2.0 (web server flow, `refresh_token` scope). A 401 refreshes once and retries.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Self

from pydantic import Field, SecretStr, model_validator

from ingestion.connectors import salesforce_soap as soap
from ingestion.connectors.base import Capability, ConnectorSpec, OAuthEndpoints, Secret
from ingestion.connectors.bearer import bearer_request
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    PollBatch,
    SendResult,
    WebhookReply,
    WebhookRequest,
)
from ingestion.connectors.oauth import OAuthConfig
from ingestion.connectors.provider_http import raise_for_provider
from ingestion.connectors.salesforce_records import (
    ID,
    PAGE,
    SOQL_TIME,
    advance,
    comment_message,
    comments_query,
    soql_time,
)
from ingestion.connectors.signing import check_token, same
from ingestion.contract import InboundMessage
from store.errors import BadInput, Fatal, Retriable, Unauthorized

ORG_ID = r"^00D[a-zA-Z0-9]{12}(?:[a-zA-Z0-9]{3})?$"
USER_ID = r"^005[a-zA-Z0-9]{12}(?:[a-zA-Z0-9]{3})?$"
COMMENT_BODY_MAX_BYTES = 4000  # CaseComment.CommentBody's documented limit
CASE_FIELDS = "Subject,Description,CaseNumber,ContactId,ContactEmail,ContactPhone," \
    "SuppliedEmail,SuppliedName,SuppliedPhone,CreatedById,CreatedDate"  # fmt: skip
COMMENT_FIELDS = "ParentId,CommentBody,IsPublished,CreatedById,CreatedDate"


class SalesforceConfig(OAuthConfig):
    """One Salesforce org: its My Domain, the OAuth client, and what its outbound messages carry."""

    instance_url: str = Field(
        max_length=300,
        pattern=r"^https://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.my\.salesforce\.com/?$",
        description="the org's My Domain URL, https://<domain>.my.salesforce.com",
    )
    api_version: str = Field(default="v61.0", pattern=r"^v\d{2,3}\.0$")
    organization_id: str = Field(
        pattern=ORG_ID,
        description="the 15- or 18-character org id (Setup > Company Information)",
    )
    # Salesforce signs nothing and the org id is no secret: this token in the endpoint URL is
    # what tells its calls from a forger's, so it is required.
    outbound_token: SecretStr = Secret(
        "shared token expected as ?token= in the outbound message endpoint URL"
    )
    agent_user_id: str | None = Field(
        default=None,
        pattern=USER_ID,
        description="the user replies are posted as; its comments are never inbound",
    )
    poll_comments: bool = Field(default=True, description="also poll for new public comments")
    backfill_hours: int = Field(default=24, ge=0, le=720, description="first poll reaches back")

    @model_validator(mode="after")
    def _auth_and_token(self) -> Self:
        if not self.access_token and not (self.client_id and self.client_secret):
            raise ValueError("set client_id and client_secret (OAuth), then connect")
        token = self.outbound_token.get_secret_value()
        if not re.fullmatch(r"[A-Za-z0-9._~-]{16,200}", token):
            raise ValueError("outbound_token: 16 to 200 URL-safe characters (A-Z a-z 0-9 . _ ~ -)")
        self.instance_url = self.instance_url.rstrip("/")
        return self


class SalesforceConnector:
    """Stateless: every call is told its org through the Connection."""

    poll_interval_s: float = 60.0

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        config = _config(conn)
        given = request.query.get("token")
        check_token("salesforce", expected=config.outbound_token, given=given, what="token")
        try:
            notes = soap.read(request.body)
        except BadInput:
            raise Unauthorized("salesforce: not an outbound message") from None
        # 18-character ids only add a case-checksum to the 15-character id.
        if not same(config.organization_id[:15], notes.organization_id[:15]):
            raise Unauthorized("salesforce: the message's OrganizationId is not this org's")

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        notes = soap.read(request.body)
        found: list[InboundMessage] = []
        for item in notes.items:
            meta = {"notification_id": item.id, "action_id": notes.action_id,
                    "sobject": item.sobject}  # fmt: skip
            if item.sobject == "CaseComment":
                message = await _from_comment(conn, dict(item.fields), meta)
            elif item.sobject == "Case":
                message = await _from_case(conn, dict(item.fields), meta)
            else:
                message = None  # another object's message: acknowledged, not imported
            if message is not None and message.external_id not in {m.external_id for m in found}:
                found.append(message)
        return found

    def ack(self, conn: Connection, request: WebhookRequest, accepted: int) -> WebhookReply:
        """Salesforce's required answer: without `<Ack>true</Ack>` it resends for 24 hours."""
        return WebhookReply(status=200, body=soap.ACK, media_type="text/xml")

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        case = _id(message.thread_key, "a case id")
        if len(message.text.encode()) > COMMENT_BODY_MAX_BYTES:
            raise BadInput("salesforce: a case comment holds at most 4000 bytes", code="too_long")
        body = {"ParentId": case, "CommentBody": message.text, "IsPublished": True}
        data = await _call(conn, "POST", "/sobjects/CaseComment", json=body)
        new_id = data.get("id")
        return SendResult(
            # No idempotency key exists for sObject creates; a deterministic id still names it.
            external_id=str(new_id) if new_id else f"{case}:{message.message_id}",
            thread_key=case,
            sent_at=datetime.now(UTC),
        )

    async def poll(self, conn: Connection) -> PollBatch:
        """Public comments by non-internal users since the `since` cursor, oldest first."""
        config = _config(conn)
        if not config.poll_comments:
            return PollBatch(messages=[], state=dict(conn.state))
        start = datetime.now(UTC) - timedelta(hours=config.backfill_hours)
        since = str(conn.state.get("since") or "")
        since = since if re.fullmatch(SOQL_TIME, since) else soql_time(start)
        seen = [i for i in conn.state.get("seen") or [] if re.fullmatch(ID, str(i))]
        query = comments_query(since, seen, config.agent_user_id)
        data = await _call(conn, "GET", "/query", params={"q": query})
        records = [r for r in data.get("records") or [] if isinstance(r, dict) and r.get("Id")]
        messages = [
            comment_message(conn, r, r.get("Parent") or {}, {"source": "poll"}) for r in records
        ]
        state = {**conn.state, **advance(since, seen, records)}
        return PollBatch(messages=messages, state=state, more=len(records) >= PAGE)

    async def check(self, conn: Connection) -> str:
        """The token works and belongs to the configured org."""
        data = await _call(conn, "GET", "/query", params={"q": "SELECT Id, Name FROM Organization"})
        org: dict[str, Any] = next(iter(data.get("records") or []), {})
        if str(org.get("Id", ""))[:15] != _config(conn).organization_id[:15]:
            raise BadInput("salesforce: the connected org is not organization_id", code="org")
        return f"salesforce: connected to {org.get('Name') or org.get('Id')}"


def _by_agent(record: Mapping[str, Any], agent: str | None) -> bool:
    return bool(agent) and str(record.get("CreatedById") or "")[:15] == str(agent)[:15]


async def _from_comment(conn: Connection, fields: dict[str, Any],
                        meta: dict[str, Any]) -> InboundMessage | None:  # fmt: skip
    comment_id = _id(fields.get("Id"), "a CaseComment Id")
    if not fields.get("ParentId") or "CommentBody" not in fields:
        fields.update(await _record(conn, "CaseComment", comment_id, COMMENT_FIELDS))
    if str(fields.get("IsPublished", "true")).lower() == "false":
        return None  # a private note stays internal
    if _by_agent(fields, _config(conn).agent_user_id) or not fields.get("CommentBody"):
        return None  # our own reply coming back, or nothing to read
    case = await _record(conn, "Case", _id(fields.get("ParentId"), "a case id"), CASE_FIELDS)
    return comment_message(conn, fields, case, meta)


async def _from_case(conn: Connection, fields: dict[str, Any],
                     meta: dict[str, Any]) -> InboundMessage | None:  # fmt: skip
    case_id = _id(fields.get("Id"), "a Case Id")
    has_email = fields.get("ContactEmail") or fields.get("SuppliedEmail")
    if not (fields.get("Description") and has_email):
        fields.update(await _record(conn, "Case", case_id, CASE_FIELDS))
    text = str(fields.get("Description") or fields.get("Subject") or "")
    if not text or _by_agent(fields, _config(conn).agent_user_id):
        return None
    comment = {"Id": case_id, "ParentId": case_id, "CommentBody": text,
               "CreatedDate": fields.get("CreatedDate")}  # fmt: skip
    return comment_message(conn, comment, fields, meta)


async def _record(conn: Connection, sobject: str, record_id: str, fields: str) -> dict[str, Any]:
    data = await _call(conn, "GET", f"/sobjects/{sobject}/{record_id}", params={"fields": fields})
    return {k: v for k, v in data.items() if k != "attributes" and v is not None}


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    config = _config(conn)
    base = (config.api_base_url or config.instance_url).rstrip("/")
    url = f"{base}/services/data/{config.api_version}{path}"
    response = await bearer_request(SPEC, conn, method, url, **kwargs)
    if response.status_code == 403 and "REQUEST_LIMIT_EXCEEDED" in response.text:
        # The org's rolling 24-hour API allowance: it comes back, unlike a missing permission.
        raise Retriable("salesforce: the org's API request limit is used up", retry_after=900)
    raise_for_provider(response, "salesforce")
    try:
        data = response.json()
    except ValueError:
        raise Retriable("salesforce: the provider answered with malformed JSON") from None
    if not isinstance(data, dict):
        raise Retriable("salesforce: the provider answered with an unexpected body")
    return data


def _config(conn: Connection) -> SalesforceConfig:
    if not isinstance(conn.config, SalesforceConfig):
        raise Fatal("salesforce: connection carries another connector's config")
    return conn.config


def _id(value: Any, what: str) -> str:
    text = str(value or "").strip()
    if not re.fullmatch(ID, text):
        raise BadInput(f"salesforce: {what} is required", code="no_id")
    return text


SPEC = ConnectorSpec(
    slug="salesforce",
    name="Salesforce Service Cloud",
    kind="crm",
    auth_type="oauth2",
    config_model=SalesforceConfig,
    capabilities=frozenset(
        {
            Capability.INBOUND_WEBHOOK,
            Capability.POLLER,
            Capability.SENDER,
            Capability.THREADS,
            Capability.OAUTH,
        }
    ),
    description="Salesforce Service Cloud cases: customer case comments in, public comments out.",
    factory=SalesforceConnector,
    oauth=OAuthEndpoints(
        authorize_url="https://login.salesforce.com/services/oauth2/authorize",
        token_url="https://login.salesforce.com/services/oauth2/token",
        scopes=("api", "refresh_token"),
        token_auth_method="client_secret_post",
    ),
)
