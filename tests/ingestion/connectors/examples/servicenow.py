"""ServiceNow: the JSON the business rule in docs/connectors/helpdesks.md posts for a
`sys_journal_field` "comments" entry (ServiceNow has no signed webhook of its own; the rule signs
with `GlideCertificateEncryption.generateMac(key, "HmacSHA256", timestamp + "." + body)`), and
the documented Table API update `PATCH /api/now/table/incident/{sys_id}` with `comments`."""

from __future__ import annotations

import base64
import hashlib
import hmac

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

SECRET = base64.b64encode(b"servicenow-rule-key-0123456789abcdef").decode()
RULE_DOC = "docs/connectors/helpdesks.md#servicenow-servicenow (business rule, generateMac)"
JOURNAL_DOC = "https://www.servicenow.com/docs/bundle/latest/page/administer/reference-pages/concept/c_JournalFields.html"
TABLE_DOC = (
    "https://developer.servicenow.com/dev.do#!/reference/api/latest/rest/c_TableAPI#table-PATCH"
)
INCIDENT = "9d385017c611228701d22104cc95c371"


def sign(body: bytes, url: str, now: float) -> dict[str, str]:
    """What the rule's generateMac computes: the key is given base64-encoded."""
    stamp = str(int(now))
    key = base64.b64decode(SECRET)
    mac = hmac.new(key, stamp.encode() + b"." + body, hashlib.sha256).digest()
    return {
        "x-switchboard-timestamp": stamp,
        "x-switchboard-signature": base64.b64encode(mac).decode(),
    }


def entry(sys_id: str, element: str, author: str, value: str) -> bytes:
    """A sys_journal_field row (sys_id, element_id, name, element, value, sys_created_*) with the
    record fields the rule adds (number, short_description, the customer's user)."""
    return json_body(
        {
            "sys_id": sys_id,
            "element_id": INCIDENT,
            "name": "incident",
            "element": element,
            "value": value,
            "sys_created_by": author,
            "sys_created_on": "2024-03-04 10:15:00",
            "number": "INC0010023",
            "short_description": "Email not syncing on laptop",
            "customer_user_name": "abel.tuter",
            "customer_email": "abel.tuter@example.com",
            "customer_name": "Abel Tuter",
        }
    )


CASES = [
    Case(
        slug="servicenow",
        config={
            "instance": "dev12345",
            "username": "switchboard.integration",
            "password": "integration-password",
            "webhook_secret": SECRET,
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="customer_comment",
                body=entry(
                    "a1b2c3d4e5f60718293a4b5c6d7e8f90",
                    "comments",
                    "abel.tuter",
                    "Still not syncing after the reboot.",
                ),
                sign=sign,
                expect={
                    "external_id": "a1b2c3d4e5f60718293a4b5c6d7e8f90",
                    "thread_key": INCIDENT,
                    "text": "Still not syncing after the reboot.",
                    "subject": "Email not syncing on laptop",
                    "sender.external_id": "abel.tuter",
                    "sender.email": "abel.tuter@example.com",
                    "sender.name": "Abel Tuter",
                },
                source=RULE_DOC,
            ),
            Inbound(
                name="work_note_ignored",
                body=entry(
                    "b1b2c3d4e5f60718293a4b5c6d7e8f90",
                    "work_notes",
                    "beth.anglin",
                    "Checked the Exchange logs.",
                ),
                sign=sign,
                expect={},
                count=0,
                source=JOURNAL_DOC,
            ),
            Inbound(
                name="agent_comment_ignored",
                body=entry(
                    "c1b2c3d4e5f60718293a4b5c6d7e8f90",
                    "comments",
                    "beth.anglin",
                    "Please try the web client meanwhile.",
                ),
                sign=sign,
                expect={},
                count=0,
                source=RULE_DOC,
            ),
            Inbound(
                name="own_reply_ignored",
                body=entry(
                    "d1b2c3d4e5f60718293a4b5c6d7e8f90",
                    "comments",
                    "switchboard.integration",
                    "We are on it.",
                ),
                sign=sign,
                expect={},
                count=0,
                source=RULE_DOC,
            ),
        ],
        send=Send(
            message={"text": "Please re-add the account in Outlook.", "thread_key": INCIDENT},
            method="PATCH",
            path=f"/api/now/table/incident/{INCIDENT}",
            reply={"result": {"sys_id": INCIDENT, "sys_updated_on": "2024-03-04 10:20:00"}},
            json={"comments": "Please re-add the account in Outlook."},
            headers={
                "authorization": "Basic "
                + base64.b64encode(b"switchboard.integration:integration-password").decode()
            },
            source=TABLE_DOC,
        ),
        replay_window_s=300,
    )
]
