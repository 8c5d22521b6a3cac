"""GitHub Issues: new issues and issue comments in (signed webhooks), replies out as comments.

For developer-tool teams whose users ask for help in GitHub issues. GitHub signs each delivery
with `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(webhook secret, raw body)>`; it dates
nothing, so a redelivery (same body, same `X-GitHub-Delivery`) is absorbed by de-duplication on
`external_id`. Two events are messages (`X-GitHub-Event`):

* `issues` / `opened`: the issue itself, `external_id` `"issue:<id>"`, subject its title;
* `issue_comment` / `created`: `external_id` `"comment:<id>"`.

The issue is the thread: `thread_key` `"<owner>/<repo>#<number>"`. Pull requests, comments by
our bot login and by any `Bot` account (GitHub Apps, Dependabot...) are ignored; `ping` (sent when
the webhook is created) yields nothing.

Replies: `POST /repos/{owner}/{repo}/issues/{number}/comments` with a token (fine-grained PAT or
GitHub App installation token with Issues: write). GitHub's rate limits answer 403 or 429 with
`retry-after` or `x-ratelimit-reset`: both are Retriable, after the time GitHub names.
"""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
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
from ingestion.connectors.provider_http import raise_for_provider
from ingestion.connectors.signing import check_hmac, secret_bytes
from ingestion.contract import InboundMessage
from store.errors import BadInput, Retriable

P = "github_issues"
API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
REPO = r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"


class GitHubIssuesConfig(ConnectorConfig):
    """A repository or organization webhook's secret, and the token replies are posted with."""

    webhook_secret: SecretStr = Secret("the webhook's secret", min_length=16)
    token: SecretStr = Secret("token with Issues: read and write", min_length=20)
    bot_login: str = Field(
        pattern=r"^[A-Za-z0-9-]+(\[bot\])?$", max_length=60,
        description="the token's login: its comments are ours",
    )  # fmt: skip
    api_base_url: str | None = Field(
        default=None, max_length=500, description="GitHub Enterprise Server: https://<host>/api/v3"
    )


class GitHubIssuesConnector:
    """Stateless: every call is told its token through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        check_hmac(
            P,
            key=secret_bytes(_config(conn).webhook_secret, P),
            message=request.body,
            given=request.header("x-hub-signature-256"),
            prefix="sha256=",
            header="X-Hub-Signature-256",
        )

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        event = request.header("x-github-event")
        hook = hd.object_of(request.json(), P)
        issue = hook.get("issue") or {}
        if (event, hook.get("action")) == ("issues", "opened"):
            kind, item = "issue", issue
        elif (event, hook.get("action")) == ("issue_comment", "created"):
            kind, item = "comment", hook.get("comment") or {}
        else:
            return []  # ping, edits, labels, closes and every other event
        if "pull_request" in issue or self._ours(conn, item.get("user") or {}):
            return []
        return [_message(conn, request, hook, kind, item)]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        repo, number = tk.split_key(message.thread_key, P, "#", "<owner>/<repo>#<number>")
        if not (number.isdigit() and _is_repo(repo)):
            raise BadInput("github_issues: the thread key is not <owner>/<repo>#<number>",
                           code="bad_thread_key")  # fmt: skip
        path = f"/repos/{repo}/issues/{number}/comments"
        comment = hd.as_dict(await _call(conn, "POST", path, json={"body": message.text}), P)
        if not comment.get("id"):
            raise BadInput("github_issues: the new comment has no id", code="no_message_id")
        return SendResult(external_id=f"comment:{comment['id']}", thread_key=message.thread_key)

    async def check(self, conn: Connection) -> str:
        me = hd.as_dict(await _call(conn, "GET", "/user"), P)
        return f"GitHub: token of {me.get('login')}"

    def _ours(self, conn: Connection, user: dict[str, Any]) -> bool:
        login = str(user.get("login") or "").lower()
        return user.get("type") == "Bot" or login == _config(conn).bot_login.lower()


def _message(conn: Connection, request: WebhookRequest, hook: dict[str, Any], kind: str,
             item: dict[str, Any]) -> InboundMessage:  # fmt: skip
    issue = hook.get("issue") or {}
    repo = str((hook.get("repository") or {}).get("full_name") or "")
    number = hd.require_id(issue.get("number"), P, "issue number")
    item_id = hd.require_id(item.get("id"), P, f"{kind} id")
    user = item.get("user") or {}
    return hd.message(
        conn,
        external_id=f"{kind}:{item_id}",
        thread_key=f"{repo}#{number}",
        sender=hd.party(external_id=user.get("id"), name=user.get("login")),
        text=str(item.get("body") or ""),
        subject=issue.get("title"),
        received_at=item.get("created_at"),
        raw_ref=f"github:{repo}#{number}/{kind}/{item_id}",
        metadata={
            "delivery": request.header("x-github-delivery"),
            "event": request.header("x-github-event"),
            "html_url": item.get("html_url"),
            "author_association": item.get("author_association"),
            "labels": [label.get("name") for label in issue.get("labels") or []],
        },
    )


async def _call(conn: Connection, method: str, path: str, **kwargs: Any) -> Any:
    config = _config(conn)
    headers = {
        "Authorization": hd.bearer(config.token),
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": API_VERSION,
    }
    url = tk.api_base(config, API_URL) + path
    response = await tk.request(conn, P, method, url, headers, **kwargs)
    _raise_for_rate_limit(response)
    raise_for_provider(response, P)
    try:
        return response.json() if response.content else None
    except ValueError:
        raise Retriable("github_issues: GitHub answered with malformed JSON") from None


def _raise_for_rate_limit(response: httpx.Response) -> None:
    """GitHub's primary and secondary rate limits answer 403 (or 429), not only 429."""
    if response.status_code not in (403, 429):
        return
    after = response.headers.get("retry-after", "")
    reset = response.headers.get("x-ratelimit-reset", "")
    if after.isdigit():
        raise Retriable("github_issues: GitHub is rate limiting us", retry_after=int(after))
    if response.headers.get("x-ratelimit-remaining") == "0" and reset.isdigit():
        wait = max(1, int(reset) - int(time.time()))
        raise Retriable("github_issues: GitHub's rate limit is spent", retry_after=wait)


def _is_repo(repo: str) -> bool:
    return re.fullmatch(REPO, repo) is not None


def _config(conn: Connection) -> GitHubIssuesConfig:
    return hd.config_of(conn, GitHubIssuesConfig, P)


SPEC = ConnectorSpec(
    slug="github_issues",
    name="GitHub Issues",
    kind="helpdesk",
    auth_type="token",
    config_model=GitHubIssuesConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description="GitHub issues and issue comments in (signed webhooks), replies as comments.",
    factory=GitHubIssuesConnector,
)
