"""Amazon SES receiving through SNS: the documented SNS envelopes and SES notification of an SNS
action, and the documented SES v2 SendEmail request.

SNS carries its signature (and the signed Timestamp) inside the JSON body, while this table's
signers return headers for a fixed body; so the inbound rows run in test_email_inbound.py, where
tests/fakes/inbound_sns.py signs `notification()` at each call with a certificate it serves.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from tests.ingestion.connectors.cases import Case, Send

SNS_FORMAT_DOC = "https://docs.aws.amazon.com/sns/latest/dg/http-notification-json.html"
SNS_VERIFY_DOC = "https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html"
SES_DOC = "https://docs.aws.amazon.com/ses/latest/dg/receiving-email-notifications-examples.html"
SEND_DOC = "https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html"
TOPIC = "arn:aws:sns:us-east-1:012345678912:example-topic"

# The raw message of the documented SNS-action notification (the `content` field).
CONTENT = (
    "Return-Path: <0000014fbe1c09cf-7cb9f704-7531-4e53-89a1-5fa9744f5eb6-000000@amazonses.com>\r\n"
    "Received: from a9-183.smtp-out.amazonses.com (a9-183.smtp-out.amazonses.com [54.240.9.183])"
    " by inbound-smtp.us-east-1.amazonaws.com with SMTP id d6iitobk75ur44p8kdnnp7g2n800"
    " for recipient@example.com; Fri, 11 Sep 2015 20:32:33 +0000 (UTC)\r\n"
    "From: sender@example.com\r\n"
    "To: recipient@example.com\r\n"
    "Subject: Example subject\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=UTF-8\r\n"
    "Content-Transfer-Encoding: 7bit\r\n"
    "Date: Fri, 11 Sep 2015 20:32:32 +0000\r\n"
    "Message-ID: <61967230-7A45-4A9D-BEC9-87CBCF2211C9@example.com>\r\n"
    "X-SES-Outgoing: 2015.09.11-54.240.9.183\r\n"
    "\r\n"
    "Example content\r\n"
)


def ses_notification(content: str = CONTENT, encoding: str | None = None) -> dict[str, Any]:
    """The documented notification of an SNS action (`encoding` "BASE64" base64-encodes it)."""
    action: dict[str, Any] = {"type": "SNS", "topicArn": TOPIC}
    if encoding:
        action["encoding"] = encoding
    body = base64.b64encode(content.encode()).decode() if encoding == "BASE64" else content
    return {
        "notificationType": "Received",
        "receipt": {
            "timestamp": "2015-09-11T20:32:33.936Z",
            "processingTimeMillis": 222,
            "recipients": ["recipient@example.com"],
            "spamVerdict": {"status": "PASS"},
            "virusVerdict": {"status": "PASS"},
            "spfVerdict": {"status": "PASS"},
            "dkimVerdict": {"status": "PASS"},
            "action": action,
        },
        "mail": {
            "timestamp": "2015-09-11T20:32:33.936Z",
            "source": "61967230-7A45-4A9D-BEC9-87CBCF2211C9@example.com",
            "messageId": "d6iitobk75ur44p8kdnnp7g2n800",
            "destination": ["recipient@example.com"],
            "headersTruncated": False,
            "commonHeaders": {
                "returnPath": (
                    "0000014fbe1c09cf-7cb9f704-7531-4e53-89a1-5fa9744f5eb6-000000@amazonses.com"
                ),
                "from": ["sender@example.com"],
                "date": "Fri, 11 Sep 2015 20:32:32 +0000",
                "to": ["recipient@example.com"],
                "messageId": "<61967230-7A45-4A9D-BEC9-87CBCF2211C9@example.com>",
                "subject": "Example subject",
            },
        },
        "content": body,
    }


def iso(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def notification(message: dict[str, Any] | str, now: float, topic: str = TOPIC) -> dict[str, Any]:
    """SNS's documented Notification envelope (unsigned: the fake adds the signature)."""
    return {
        "Type": "Notification",
        "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": topic,
        "Subject": "Amazon SES Email Receipt Notification",
        "Message": message if isinstance(message, str) else json.dumps(message),
        "Timestamp": iso(now),
        "UnsubscribeURL": f"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={topic}:c9135db0",
    }


def subscription_confirmation(base: str, now: float, topic: str = TOPIC) -> dict[str, Any]:
    """SNS's documented SubscriptionConfirmation (SubscribeURL on the fake's host)."""
    token = "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3"
    return {
        "Type": "SubscriptionConfirmation",
        "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
        "Token": token,
        "TopicArn": topic,
        "Message": (
            f"You have chosen to subscribe to the topic {topic}.\n"
            "To confirm the subscription, visit the SubscribeURL included in this message."
        ),
        "SubscribeURL": f"{base}/?Action=ConfirmSubscription&TopicArn={topic}&Token={token}",
        "Timestamp": iso(now),
    }


CONFIG = {
    "topic_arn": TOPIC,
    "region": "us-east-1",
    "access_key_id": "AKIAIOSFODNN7EXAMPLE",
    "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "from_address": "support@example.com",
    "from_name": "Acme Support",
    "cert_url_base": "{base}/",
    "api_base_url": "{base}",
}

CASES = [
    Case(
        slug="amazon_ses",
        config=CONFIG,
        inbound=[],  # signed inside the body: see the module docstring
        send=Send(
            message={
                "text": "Thanks for writing.",
                "subject": "Example subject",
                "to": [{"email": "sender@example.com"}],
                "in_reply_to_header": "<61967230-7A45-4A9D-BEC9-87CBCF2211C9@example.com>",
            },
            method="POST",
            path="/v2/email/outbound-emails",
            reply={"MessageId": "EXAMPLE78603177f-7a5433e7-8edb-42ae-af10-f0181f34d6ee-000000"},
            json={
                "FromEmailAddress": '"Acme Support" <support@example.com>',
                "Destination": {"ToAddresses": ["sender@example.com"]},
            },
            headers={"content-type": "application/json"},
            external_id="EXAMPLE78603177f-7a5433e7-8edb-42ae-af10-f0181f34d6ee-000000",
            source=SEND_DOC,
        ),
    )
]
