"""GitLab Issues: new issues and issue comments in (project or group webhooks), replies out as
notes (`POST /api/v4/projects/{id}/issues/{iid}/notes`).

GitLab signs nothing: a webhook sends the secret token it was given in `X-Gitlab-Token`,
compared here in constant time; it dates nothing either, so a redelivery is absorbed by
de-duplication on `external_id`. Two payloads are messages:

* `object_kind: issue` with `object_attributes.action: open`: `external_id` `"issue:<id>"`,
  subject the title, text the description;
* `object_kind: note` on an `Issue` (`action: create`): `external_id` `"note:<id>"`.

The issue is the thread: `thread_key` `"<project id>#<issue iid>"`. System notes, internal notes
(visible to members only) and notes by our bot user are ignored. Recent GitLab versions send an
`Idempotency-Key` header, the same across retries of one event: it is kept in metadata with the
event UUID.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr

from ingestion.connectors import helpdesk_kit as hd
from ingestion.connectors import team_chat_kit as tk
from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import (
    Connection,
    OutboundMessage,
    SendResult,
    WebhookRequest,
)
from ingestion.connectors.signing import check_token
from ingestion.contract import InboundMessage
from store.errors import BadInput

P = "gitlab_issues"


class GitLabIssuesConfig(ConnectorConfig):
    """A GitLab instance, the webhook's secret token and the token notes are posted with."""

    server_url: str = tk.server_url("https://gitlab.example.com", default="https://gitlab.com")
    token: SecretStr = Secret("access token with the `api` scope", min_length=20)
    webhook_secret: SecretStr = Secret("the webhook's secret token", min_length=16)
    bot_username: str | None = Field(
        default=None, max_length=255, pattern=r"^[A-Za-z0-9_.-]+$",
        description="the token's user: its notes are ours",
    )  # fmt: skip
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")


class GitLabIssuesConnector:
    """Stateless: every call is told its instance through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        check_token(P, expected=_config(conn).webhook_secret,
                    given=request.header("x-gitlab-token"), what="X-Gitlab-Token")  # fmt: skip

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        hook = hd.object_of(request.json(), P)
        attrs = hook.get("object_attributes") or {}
        if hook.get("object_kind") == "issue" and attrs.get("action") == "open":
            kind = "issue"
        elif _is_issue_comment(hook, attrs):
            kind = "note"
        else:
            return []  # pushes, merge requests, issue updates and closes, other comments
        user = hook.get("user") or {}
        bot = (_config(conn).bot_username or "").lower()
        if bot and str(user.get("username") or "").lower() == bot:
            return []  # our own notes come back through the same hook
        return [_message(conn, request, hook, kind)]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        project, iid = tk.split_key(message.thread_key, P, "#", "<project id>#<issue iid>")
        if not (project.isdigit() and iid.isdigit()):
            raise BadInput("gitlab_issues: the thread key is not <project id>#<issue iid>",
                           code="bad_thread_key")  # fmt: skip
        path = f"/api/v4/projects/{project}/issues/{iid}/notes"
        note = hd.as_dict(await _call(conn, "POST", path, json={"body": message.text}), P)
        if not note.get("id"):
            raise BadInput("gitlab_issues: the new note has no id", code="no_message_id")
        return SendResult(external_id=f"note:{note['id']}", thread_key=message.thread_key)

    async def check(self, conn: Connection) -> str:
        me = hd.as_dict(await _call(conn, "GET", "/api/v4/user"), P)
        return f"GitLab: token of @{me.get('username')}"


def _is_issue_comment(hook: dict[str, Any], attrs: dict[str, Any]) -> bool:
    return (
        hook.get("object_kind") == "note"
        and attrs.get("noteable_type") == "Issue"
        and attrs.get("action", "create") == "create"
        and not attrs.get("system")
        and not attrs.get("internal")
    )


def _message(conn: Connection, request: WebhookRequest, hook: dict[str, Any],
             kind: str) -> InboundMessage:  # fmt: skip
    """An opened issue (its description) or a comment on one (its note)."""
    attrs = hook.get("object_attributes") or {}
    issue = attrs if kind == "issue" else hook.get("issue") or {}
    text = attrs.get("description") if kind == "issue" else attrs.get("note")
    project_id = (hook.get("project") or {}).get("id") or hook.get("project_id")
    project = hd.require_id(project_id, P, "project id")
    iid = hd.require_id(issue.get("iid"), P, "issue iid")
    item = hd.require_id(attrs.get("id"), P, f"{kind} id")
    user = hook.get("user") or {}
    return hd.message(
        conn,
        external_id=f"{kind}:{item}",
        thread_key=f"{project}#{iid}",
        sender=hd.party(
            external_id=user.get("id"),
            email=user.get("email"),
            name=user.get("name") or user.get("username"),
        ),
        text=str(text or ""),
        subject=issue.get("title"),
        # GitLab writes `2015-05-17 17:06:40 UTC` in note hooks, ISO 8601 in issue hooks.
        received_at=str(attrs.get("created_at") or "").replace(" UTC", "+00:00"),
        raw_ref=f"gitlab:{project}#{iid}/{kind}/{item}",
        metadata={
            "idempotency_key": request.header("idempotency-key"),
            "event_uuid": request.header("x-gitlab-event-uuid"),
            "event": request.header("x-gitlab-event"),
            "url": attrs.get("url"),
            "project": (hook.get("project") or {}).get("path_with_namespace"),
            "username": user.get("username"),
        },
    )


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> Any:
    config = _config(conn)
    url = tk.api_base(config, config.server_url) + path
    headers = {"PRIVATE-TOKEN": config.token.get_secret_value()}
    return await hd.call(conn, P, method, url, headers, **kwargs)


def _config(conn: Connection) -> GitLabIssuesConfig:
    return hd.config_of(conn, GitLabIssuesConfig, P)


SPEC = ConnectorSpec(
    slug="gitlab_issues",
    name="GitLab Issues",
    kind="helpdesk",
    auth_type="token",
    config_model=GitLabIssuesConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description="GitLab issues and issue comments in (webhooks), replies as notes.",
    factory=GitLabIssuesConnector,
)
