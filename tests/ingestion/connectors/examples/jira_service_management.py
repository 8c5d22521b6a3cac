"""Jira Service Management: the documented `comment_created` and `jira:issue_created` webhook
bodies, signed as Atlassian documents for admin webhooks with a secret (`X-Hub-Signature:
sha256=<hex HMAC-SHA256(secret, body)>`), and the documented
`POST /rest/servicedeskapi/request/{issueIdOrKey}/comment`."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

SECRET = "jira-webhook-secret-0123456789"
WEBHOOKS_DOC = "https://developer.atlassian.com/cloud/jira/platform/webhooks/"
COMMENT_DOC = (
    "https://developer.atlassian.com/cloud/jira/service-desk/rest/api-group-request/"
    "#api-rest-servicedeskapi-request-issueidorkey-comment-post"
)
SITE = "https://your-domain.atlassian.net"
AGENT = "5b10ac8d82e05b22cc7d4ef5"


def sign(body: bytes, url: str, now: float) -> dict[str, str]:
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"x-hub-signature": f"sha256={digest}"}


def user(account_id: str, name: str, kind: str) -> dict[str, Any]:
    return {
        "self": f"{SITE}/rest/api/2/user?accountId={account_id}",
        "accountId": account_id,
        "avatarUrls": {"48x48": f"{SITE}/avatar/{account_id}"},
        "displayName": name,
        "active": True,
        "timeZone": "Europe/Berlin",
        "accountType": kind,
    }


CUSTOMER = {**user("qm:a1b2c3", "Jane Customer", "customer"), "emailAddress": "jane@example.com"}
ISSUE = {
    "id": "10148",
    "self": f"{SITE}/rest/api/2/10148",
    "key": "SD-12",
    "fields": {
        "summary": "Cannot connect to VPN",
        "issuetype": {"id": "10004", "name": "IT help"},
        "project": {"id": "10002", "key": "SD", "name": "Service Desk"},
        "reporter": CUSTOMER,
        "created": "2020-11-27T13:00:00.000+0100",
        "description": "The VPN client says 'certificate expired'.",
    },
}


def comment_event(comment_id: str, author: dict[str, Any], body: str, public: bool) -> bytes:
    """The documented comment event (`webhookEvent`, `comment`, `issue`)."""
    return json_body(
        {
            "timestamp": 1606480436302,
            "webhookEvent": "comment_created",
            "comment": {
                "self": f"{SITE}/rest/api/2/issue/10148/comment/{comment_id}",
                "id": comment_id,
                "author": author,
                "body": body,
                "updateAuthor": author,
                "created": "2020-11-27T13:33:56.302+0100",
                "updated": "2020-11-27T13:33:56.302+0100",
                "jsdPublic": public,
            },
            "issue": ISSUE,
        }
    )


ISSUE_CREATED = json_body(
    {
        "timestamp": 1606478400000,
        "webhookEvent": "jira:issue_created",
        "issue_event_type_name": "issue_created",
        "user": CUSTOMER,
        "issue": ISSUE,
    }
)
ISSUE_UPDATED = json_body(
    {"timestamp": 1606478400000, "webhookEvent": "jira:issue_updated", "issue": ISSUE}
)

REPLY = {
    "id": "1000",
    "body": "Please reinstall the certificate from the portal.",
    "public": True,
    "author": {"accountId": AGENT, "displayName": "Support Agent"},
    "created": {
        "iso8601": "2015-10-08T14:05:00+0700",
        "jira": "2015-10-08T14:05:00.000+0700",
        "friendly": "Monday 14:05 PM",
        "epochMillis": 1444287900000,
    },
    "_links": {"self": f"{SITE}/rest/servicedeskapi/request/10148/comment/1000"},
}

CASES = [
    Case(
        slug="jira_service_management",
        config={
            "site": "your-domain",
            "email": "agent@example.com",
            "api_token": "atlassian-api-token",
            "webhook_secret": SECRET,
            "agent_account_id": AGENT,
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="comment_created",
                body=comment_event("10264", CUSTOMER, "It still fails after a restart.", True),
                sign=sign,
                expect={
                    "external_id": "10264",
                    "thread_key": "10148",
                    "text": "It still fails after a restart.",
                    "subject": "Cannot connect to VPN",
                    "sender.external_id": "qm:a1b2c3",
                    "sender.email": "jane@example.com",
                    "sender.name": "Jane Customer",
                },
                source=WEBHOOKS_DOC,
            ),
            Inbound(
                name="issue_created",
                body=ISSUE_CREATED,
                sign=sign,
                expect={
                    "external_id": "10148:description",
                    "thread_key": "10148",
                    "text": "The VPN client says 'certificate expired'.",
                    "sender.email": "jane@example.com",
                },
                source=WEBHOOKS_DOC,
            ),
            Inbound(
                name="internal_comment_ignored",
                body=comment_event("10265", CUSTOMER, "internal", False),
                sign=sign,
                expect={},
                count=0,
                source=WEBHOOKS_DOC,
            ),
            Inbound(
                name="own_comment_ignored",
                body=comment_event("10266", user(AGENT, "Support Agent", "atlassian"), "Hi", True),
                sign=sign,
                expect={},
                count=0,
                source=WEBHOOKS_DOC,
            ),
            Inbound(
                name="issue_updated_ignored",
                body=ISSUE_UPDATED,
                sign=sign,
                expect={},
                count=0,
                source=WEBHOOKS_DOC,
            ),
        ],
        send=Send(
            message={
                "text": "Please reinstall the certificate from the portal.",
                "thread_key": "10148",
            },
            method="POST",
            path="/rest/servicedeskapi/request/10148/comment",
            reply=REPLY,
            reply_status=201,
            json={"body": "Please reinstall the certificate from the portal.", "public": True},
            headers={
                "authorization": "Basic "
                + base64.b64encode(b"agent@example.com:atlassian-api-token").decode()
            },
            external_id="1000",
            source=COMMENT_DOC,
        ),
    )
]
