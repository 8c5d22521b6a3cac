"""GitHub Issues: the `issues.opened`, `issue_comment.created` and `ping` example deliveries
GitHub's webhook SDK publishes (octokit/webhooks `payload-examples`, its `*_url` link fields and
repository details left out), signed as GitHub documents it, and the documented reply
`POST /repos/{owner}/{repo}/issues/{number}/comments`.

`X-Hub-Signature-256` is `sha256=` + hex HMAC-SHA256(webhook secret, raw body), computed here on
the test side; GitHub signs no timestamp (a redelivery is de-duplicated).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

SECRET = "gh-webhook-secret-5f0c2e1d9a7b"
TOKEN = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"
BOT = "acme-support-bot"
DELIVERY = "72d3162e-cc78-11e3-81ab-4c9367dc0958"
EXAMPLES = "https://github.com/octokit/webhooks/tree/main/payload-examples/api.github.com"
SIGNING = "https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries"
COMMENTS = "https://docs.github.com/en/rest/issues/comments#create-an-issue-comment"

CODERTOCAT = {
    "login": "Codertocat",
    "id": 21031067,
    "node_id": "MDQ6VXNlcjIxMDMxMDY3",
    "avatar_url": "https://avatars1.githubusercontent.com/u/21031067?v=4",
    "gravatar_id": "",
    "html_url": "https://github.com/Codertocat",
    "type": "User",
    "site_admin": False,
}
REPOSITORY = {
    "id": 186853002,
    "node_id": "MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=",
    "name": "Hello-World",
    "full_name": "Codertocat/Hello-World",
    "private": False,
    "owner": CODERTOCAT,
    "html_url": "https://github.com/Codertocat/Hello-World",
}
ISSUE = {
    "html_url": "https://github.com/Codertocat/Hello-World/issues/1",
    "id": 444500041,
    "node_id": "MDU6SXNzdWU0NDQ1MDAwNDE=",
    "number": 1,
    "title": "Spelling error in the README file",
    "user": CODERTOCAT,
    "labels": [
        {
            "id": 1362934389,
            "node_id": "MDU6TGFiZWwxMzYyOTM0Mzg5",
            "name": "bug",
            "color": "d73a4a",
            "default": True,
            "description": "Something isn't working",
        }
    ],
    "state": "open",
    "locked": False,
    "assignee": CODERTOCAT,
    "assignees": [CODERTOCAT],
    "comments": 0,
    "created_at": "2019-05-15T15:20:18Z",
    "updated_at": "2019-05-15T15:20:18Z",
    "closed_at": None,
    "author_association": "OWNER",
    "active_lock_reason": None,
    "body": "It looks like you accidently spelled 'commit' with two 't's.",
}
COMMENT = {
    "html_url": "https://github.com/Codertocat/Hello-World/issues/1#issuecomment-492700400",
    "id": 492700400,
    "node_id": "MDEyOklzc3VlQ29tbWVudDQ5MjcwMDQwMA==",
    "user": CODERTOCAT,
    "created_at": "2019-05-15T15:20:21Z",
    "updated_at": "2019-05-15T15:20:21Z",
    "author_association": "OWNER",
    "body": "You are totally right! I'll get this fixed right away.",
}
PING = {
    "zen": "Anything added dilutes everything else.",
    "hook_id": 109948940,
    "hook": {
        "type": "Repository",
        "id": 109948940,
        "name": "web",
        "active": True,
        "events": ["*"],
        "config": {
            "content_type": "json",
            "url": "https://smee.io/YEbF2t8kjvPAn7Ck",
            "insecure_ssl": "0",
        },
        "updated_at": "2019-05-15T15:20:49Z",
        "created_at": "2019-05-15T15:20:49Z",
    },
    "repository": REPOSITORY,
    "sender": CODERTOCAT,
}


def opened(**issue: Any) -> bytes:
    return json_body(
        {"action": "opened", "issue": {**ISSUE, **issue}, "repository": REPOSITORY,
         "sender": CODERTOCAT}
    )  # fmt: skip


def commented(issue: dict[str, Any] | None = None, **comment: Any) -> bytes:
    return json_body(
        {
            "action": "created",
            "issue": {**ISSUE, "updated_at": "2019-05-15T15:20:21Z", **(issue or {})},
            "comment": {**COMMENT, **comment},
            "repository": REPOSITORY,
            "sender": comment.get("user", CODERTOCAT),
        }
    )


def signer(event: str) -> Any:
    def sign(body: bytes, url: str, now: float) -> dict[str, str]:
        digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        return {
            "x-github-event": event,
            "x-github-delivery": DELIVERY,
            "x-github-hook-id": "109948940",
            "x-hub-signature-256": f"sha256={digest}",
        }

    return sign


def row(name: str, event: str, body: bytes, expect: dict[str, Any], count: int = 1) -> Inbound:
    return Inbound(name=name, body=body, sign=signer(event), expect=expect, count=count,
                   source=f"{EXAMPLES}/{event}; {SIGNING}")  # fmt: skip


THREAD = {
    "thread_key": "Codertocat/Hello-World#1",
    "subject": "Spelling error in the README file",
    "sender.external_id": "21031067",
    "sender.name": "Codertocat",
    "metadata.delivery": DELIVERY,
}
BOT_USER = {**CODERTOCAT, "login": "dependabot[bot]", "id": 49699333, "type": "Bot"}
OUR_USER = {**CODERTOCAT, "login": BOT, "id": 90210}

CASES = [
    Case(
        slug="github_issues",
        config={
            "webhook_secret": SECRET,
            "token": TOKEN,
            "bot_login": BOT,
            "api_base_url": "{base}",
        },
        inbound=[
            row(
                "issues_opened",
                "issues",
                opened(),
                {**THREAD, "external_id": "issue:444500041", "text": ISSUE["body"]},
            ),
            row(
                "issue_comment_created",
                "issue_comment",
                commented(),
                {
                    **THREAD,
                    "external_id": "comment:492700400",
                    "text": COMMENT["body"],
                    "metadata.author_association": "OWNER",
                },
            ),
            row(
                "comment_by_a_bot_account_ignored",
                "issue_comment",
                commented(user=BOT_USER),
                {},
                count=0,
            ),
            row(
                "comment_by_our_bot_login_ignored",
                "issue_comment",
                commented(user=OUR_USER),
                {},
                count=0,
            ),
            row(
                "pull_request_comment_ignored",
                "issue_comment",
                commented(issue={"pull_request": {"url": "https://api.github.com/x"}}),
                {},
                count=0,
            ),
            row("ping", "ping", json_body(PING), {}, count=0),
        ],
        send=Send(
            message={"text": "Me too", "thread_key": "Codertocat/Hello-World#1"},
            method="POST",
            path="/repos/Codertocat/Hello-World/issues/1/comments",
            reply_status=201,
            # The documented response of "Create an issue comment" (user trimmed).
            reply={
                "id": 1,
                "node_id": "MDEyOklzc3VlQ29tbWVudDE=",
                "url": "https://api.github.com/repos/octocat/Hello-World/issues/comments/1",
                "html_url": "https://github.com/octocat/Hello-World/issues/1347#issuecomment-1",
                "body": "Me too",
                "user": {"login": "octocat", "id": 1, "type": "User", "site_admin": False},
                "created_at": "2011-04-14T16:00:49Z",
                "updated_at": "2011-04-14T16:00:49Z",
                "issue_url": "https://api.github.com/repos/octocat/Hello-World/issues/1347",
                "author_association": "COLLABORATOR",
            },
            json={"body": "Me too"},
            headers={
                "authorization": f"Bearer {TOKEN}",
                "accept": "application/vnd.github+json",
                "x-github-api-version": "2022-11-28",
            },
            external_id="comment:1",
            source=COMMENTS,
        ),
        replay_window_s=None,  # GitHub signs no timestamp: redeliveries are de-duplicated
    )
]
