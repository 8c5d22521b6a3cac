"""Jira Service Management: customer comments and new requests in (signed admin webhooks),
public comments out (the Service Desk REST API).

Admin webhooks created with a secret are signed `X-Hub-Signature: sha256=<hex HMAC-SHA256(secret,
raw body)>` (WebSub's method=signature form). Jira signs no timestamp header; replays are
absorbed by de-duplication on the comment id. `comment_created` brings the comment (its id is
`external_id`); `jira:issue_created` brings the request's description (`<issue id>:description`).
The issue id is the `thread_key`. Internal comments (`jsdPublic: false`) and our own account's
comments are never inbound.
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
from ingestion.connectors.signing import check_hmac, secret_bytes
from ingestion.contract import InboundMessage

P = "jira_service_management"


class JiraServiceManagementConfig(ConnectorConfig):
    """One Atlassian site: an API token, the webhook's secret and the account we reply as."""

    site: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="<site>.atlassian.net")
    email: str = Field(min_length=3, max_length=320, description="the API token's account email")
    api_token: SecretStr = Secret("Atlassian API token", min_length=8)
    webhook_secret: SecretStr = Secret("the admin webhook's secret", min_length=8)
    agent_account_id: str = Field(
        min_length=1, max_length=128, description="the API token's accountId (never inbound)"
    )
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")


class JiraServiceManagementConnector:
    """Stateless: every call is told its site through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        check_hmac(
            P,
            key=secret_bytes(_config(conn).webhook_secret, P),
            message=request.body,
            given=request.header("x-hub-signature"),
            prefix="sha256=",
            header="X-Hub-Signature",
        )

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        body = hd.object_of(request.json(), P)
        issue = body.get("issue") or {}
        event = body.get("webhookEvent")
        if event == "comment_created":
            return _from_comment(conn, issue, body.get("comment") or {})
        if event == "jira:issue_created":
            return _from_issue(conn, issue)
        return []  # updates, deletions, worklogs...

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        issue = hd.require_id(message.thread_key, P, "issue id", "token")
        body = {"body": message.text, "public": True}
        path = f"/rest/servicedeskapi/request/{issue}/comment"
        data = hd.as_dict(await _call(conn, "POST", path, json=body), P)
        return SendResult(
            external_id=str(data.get("id") or f"{issue}:{message.message_id}"),
            thread_key=issue,
            sent_at=hd.when((data.get("created") or {}).get("epochMillis")),
        )

    async def check(self, conn: Connection) -> str:
        me = hd.as_dict(await _call(conn, "GET", "/rest/api/3/myself"), P)
        return (
            f"Jira Service Management: connected as {me.get('displayName') or me.get('accountId')}"
        )


def _from_comment(
    conn: Connection, issue: dict[str, Any], comment: dict[str, Any]
) -> list[InboundMessage]:
    author = comment.get("author") or {}
    if comment.get("jsdPublic") is False or not comment.get("id"):
        return []  # internal notes stay with the agents
    if author.get("accountId") == _config(conn).agent_account_id:
        return []  # our own reply, echoed back
    issue_id = hd.require_id(issue.get("id"), P, "issue id", "token")
    return [
        _message(
            conn,
            issue,
            issue_id,
            str(comment["id"]),
            author,
            comment.get("body"),
            comment.get("created"),
        )
    ]


def _from_issue(conn: Connection, issue: dict[str, Any]) -> list[InboundMessage]:
    fields = issue.get("fields") or {}
    reporter = fields.get("reporter") or fields.get("creator") or {}
    if reporter.get("accountId") == _config(conn).agent_account_id:
        return []
    issue_id = hd.require_id(issue.get("id"), P, "issue id", "token")
    text = fields.get("description") or fields.get("summary")
    return [
        _message(
            conn, issue, issue_id, f"{issue_id}:description", reporter, text, fields.get("created")
        )
    ]


def _message(
    conn: Connection,
    issue: dict[str, Any],
    issue_id: str,
    external_id: str,
    author: dict[str, Any],
    body: Any,
    created: Any,
) -> InboundMessage:
    text, _ = hd.text_and_html(_plain(body).strip(), is_html=False)
    return hd.message(
        conn,
        external_id=external_id,
        thread_key=issue_id,
        sender=hd.party(
            external_id=author.get("accountId"),
            email=author.get("emailAddress"),
            name=author.get("displayName"),
        ),
        text=text,
        subject=(issue.get("fields") or {}).get("summary"),
        received_at=created,
        raw_ref=f"jira:issue/{issue.get('key') or issue_id}/{external_id}",
        metadata={"issue_key": issue.get("key")},
    )


def _plain(body: Any) -> str:
    """Comment bodies are wiki-markup text (REST v2) or Atlassian Document Format (v3)."""
    if isinstance(body, dict):
        return "".join(_plain(child) for child in body.get("content") or []) + (
            str(body.get("text") or "") + ("\n" if body.get("type") == "paragraph" else "")
        )
    return str(body or "")


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> Any:
    config = _config(conn)
    base = config.api_base_url or f"https://{config.site}.atlassian.net"
    auth = hd.basic(config.email, config.api_token)
    return await hd.call(
        conn, P, method, base.rstrip("/") + path, {"Authorization": auth}, **kwargs
    )


def _config(conn: Connection) -> JiraServiceManagementConfig:
    return hd.config_of(conn, JiraServiceManagementConfig, P)


SPEC = ConnectorSpec(
    slug="jira_service_management",
    name="Jira Service Management",
    kind="helpdesk",
    auth_type="basic",
    config_model=JiraServiceManagementConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description=(
        "Jira Service Management requests: new requests and public customer comments in "
        "(signed admin webhooks), public comments out."
    ),
    factory=JiraServiceManagementConnector,
)
