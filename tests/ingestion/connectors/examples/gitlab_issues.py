"""GitLab Issues: the "Issue Hook" and "Note Hook" (comment on an issue) payload examples of
GitLab's webhook events page (their `changes`, `labels`, `assignees` and `repository` blocks left
out), and the documented `POST /api/v4/projects/:id/issues/:issue_iid/notes` reply.

GitLab signs nothing: the webhook sends its secret token in `X-Gitlab-Token`. The forgery is
therefore the genuine body with a guessed token; there is no timestamp to be stale.
"""

from __future__ import annotations

from typing import Any

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

SECRET = "gl-webhook-secret-2b7e151628aed2a6"
TOKEN = "glpat-xxxxxxxxxxxxxxxxxxxx"
BOT = "project_5_bot_3f2a1b"
IDEMPOTENCY = "f7f5e2e7-5a3b-4e8e-9b2a-7c1d7e5d1c11"
EVENTS_DOC = "https://docs.gitlab.com/user/project/integrations/webhook_events/"
NOTES_DOC = "https://docs.gitlab.com/api/notes/#create-new-issue-note"

ADMIN = {
    "id": 1,
    "name": "Administrator",
    "username": "root",
    "avatar_url": "http://www.gravatar.com/avatar/e64c7d89f26bd1972efa854d13d7dd61?s=40\u0026d=identicon",
    "email": "admin@example.com",
}


def project(pid: int, path: str) -> dict[str, Any]:
    return {
        "id": pid,
        "name": "Gitlab Test",
        "description": "Aut reprehenderit ut est.",
        "web_url": f"http://example.com/{path}",
        "avatar_url": None,
        "git_ssh_url": f"git@example.com:{path}.git",
        "git_http_url": f"http://example.com/{path}.git",
        "namespace": "GitlabHQ" if pid == 1 else "Gitlab Org",
        "visibility_level": 20 if pid == 1 else 10,
        "path_with_namespace": path,
        "default_branch": "master",
        "homepage": f"http://example.com/{path}",
        "url": f"http://example.com/{path}.git",
        "ssh_url": f"git@example.com:{path}.git",
        "http_url": f"http://example.com/{path}.git",
    }


def issue_hook(**attrs: Any) -> bytes:
    """Work item events → the Issue Hook example (an issue opened)."""
    return json_body(
        {
            "object_kind": "issue",
            "event_type": "issue",
            "user": ADMIN,
            "project": project(1, "gitlabhq/gitlab-test"),
            "object_attributes": {
                "id": 301,
                "title": "New API: create/update/delete file",
                "assignee_ids": [51],
                "assignee_id": 51,
                "author_id": 51,
                "project_id": 14,
                "created_at": "2013-12-03T17:15:43Z",
                "updated_at": "2013-12-03T17:15:43Z",
                "updated_by_id": 1,
                "description": "Create new API for manipulations with repository",
                "state_id": 1,
                "confidential": False,
                "type": "Issue",
                "iid": 23,
                "url": "http://example.com/diaspora/issues/23",
                "state": "opened",
                "action": "open",
                **attrs,
            },
        }
    )


def note_hook(user: dict[str, Any] | None = None, **attrs: Any) -> bytes:
    """Comment events → "Comment on an issue" example."""
    return json_body(
        {
            "object_kind": "note",
            "event_type": "note",
            "user": user or ADMIN,
            "project_id": 5,
            "project": project(5, "gitlab-org/gitlab-test"),
            "object_attributes": {
                "id": 1241,
                "note": "Hello world",
                "noteable_type": "Issue",
                "author_id": 1,
                "created_at": "2015-05-17 17:06:40 UTC",
                "updated_at": "2015-05-17 17:06:40 UTC",
                "project_id": 5,
                "attachment": None,
                "line_code": None,
                "commit_id": "",
                "noteable_id": 92,
                "system": False,
                "st_diff": None,
                "action": "create",
                "url": "http://example.com/gitlab-org/gitlab-test/issues/17#note_1241",
                **attrs,
            },
            "issue": {
                "id": 92,
                "title": "test",
                "assignee_ids": [],
                "assignee_id": None,
                "author_id": 1,
                "project_id": 5,
                "created_at": "2015-04-12 14:53:17 UTC",
                "updated_at": "2015-04-26 08:28:42 UTC",
                "position": 0,
                "branch_name": None,
                "description": "test",
                "milestone_id": None,
                "state": "closed",
                "iid": 17,
            },
        }
    )


def signer(event: str) -> Any:
    def sign(body: bytes, url: str, now: float) -> dict[str, str]:
        return {
            "x-gitlab-token": SECRET,
            "x-gitlab-event": event,
            "x-gitlab-event-uuid": "13792a34-cac6-4fda-95a8-c58e00a3954e",
            "idempotency-key": IDEMPOTENCY,
        }

    return sign


def guessed(body: bytes, url: str, now: float) -> dict[str, str]:
    return {**signer("Note Hook")(body, url, now), "x-gitlab-token": "gl-webhook-secret-guessed"}


def row(name: str, event: str, body: bytes, expect: dict[str, Any], count: int = 1) -> Inbound:
    return Inbound(name=name, body=body, sign=signer(event), expect=expect, count=count,
                   source=EVENTS_DOC)  # fmt: skip


SENDER = {
    "sender.external_id": "1",
    "sender.name": "Administrator",
    "sender.email": "admin@example.com",
    "metadata.idempotency_key": IDEMPOTENCY,
}

CASES = [
    Case(
        slug="gitlab_issues",
        config={
            "server_url": "https://gitlab.example.com",
            "token": TOKEN,
            "webhook_secret": SECRET,
            "bot_username": BOT,
            "api_base_url": "{base}",
        },
        inbound=[
            row(
                "issue_opened",
                "Issue Hook",
                issue_hook(),
                {
                    **SENDER,
                    "external_id": "issue:301",
                    "thread_key": "1#23",
                    "subject": "New API: create/update/delete file",
                    "text": "Create new API for manipulations with repository",
                },
            ),
            row(
                "comment_on_an_issue",
                "Note Hook",
                note_hook(),
                {
                    **SENDER,
                    "external_id": "note:1241",
                    "thread_key": "5#17",
                    "subject": "test",
                    "text": "Hello world",
                    "metadata.event": "Note Hook",
                },
            ),
            row("issue_updated_ignored", "Issue Hook", issue_hook(action="update"), {}, count=0),
            row("system_note_ignored", "Note Hook", note_hook(system=True), {}, count=0),
            row("internal_note_ignored", "Note Hook", note_hook(internal=True), {}, count=0),
            row(
                "merge_request_comment_ignored",
                "Note Hook",
                note_hook(noteable_type="MergeRequest"),
                {},
                count=0,
            ),
            row(
                "our_bot_note_ignored",
                "Note Hook",
                note_hook(user={**ADMIN, "id": 77, "username": BOT, "name": "Support bot"}),
                {},
                count=0,
            ),
        ],
        send=Send(
            message={"text": "Text of the comment\r\n", "thread_key": "5#17"},
            method="POST",
            path="/api/v4/projects/5/issues/17/notes",
            reply_status=201,
            # A note as the Notes API documents it.
            reply={
                "id": 305,
                "body": "Text of the comment\r\n",
                "author": {
                    "id": 1,
                    "username": "pipin",
                    "email": "admin@example.com",
                    "name": "Pip",
                    "state": "active",
                    "created_at": "2013-09-30T13:46:01Z",
                },
                "created_at": "2013-10-02T09:56:03Z",
                "updated_at": "2013-10-02T09:56:03Z",
                "system": False,
                "noteable_id": 92,
                "noteable_type": "Issue",
                "project_id": 5,
                "noteable_iid": 17,
                "resolvable": False,
                "confidential": False,
                "internal": False,
            },
            json={"body": "Text of the comment\r\n"},
            headers={"private-token": TOKEN},
            external_id="note:305",
            source=NOTES_DOC,
        ),
        replay_window_s=None,  # GitLab dates nothing: redeliveries are de-duplicated
        forge=guessed,
    )
]
