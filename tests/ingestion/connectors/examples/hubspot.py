"""HubSpot: webhook batches signed with signature v3, and a reply sent to a conversations thread.

Both documented batches are ignored by design (a contact change, an internal comment): a
customer message needs a conversations API read, which test_hubspot.py does against a fake.
The signer implements HubSpot's documented v3 algorithm independently of the connector
(https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests):
base64(HMAC-SHA256(client secret, method + URI + body + timestamp in milliseconds)).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from tests.ingestion.connectors.cases import Case, Inbound, Send

CLIENT_SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
TOKEN = "pat-na1-9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d"
THREAD = "7174133640"
WEBHOOKS = "https://developers.hubspot.com/docs/api/webhooks"


def sign_v3(body: bytes, url: str, now: float) -> dict[str, str]:
    timestamp = str(int(now * 1000))
    source = ("POST" + url + body.decode("utf-8") + timestamp).encode("utf-8")
    signature = base64.b64encode(
        hmac.new(CLIENT_SECRET.encode("utf-8"), source, hashlib.sha256).digest()
    ).decode()
    return {"X-HubSpot-Signature-v3": signature, "X-HubSpot-Request-Timestamp": timestamp}


# Verbatim from https://developers.hubspot.com/docs/api/webhooks (example payload).
CONTACT_EVENTS = b"""[
  {
    "objectId": 1246965,
    "propertyName": "lifecyclestage",
    "propertyValue": "subscriber",
    "changeSource": "ACADEMY",
    "eventId": 3816279340,
    "subscriptionId": 25,
    "portalId": 33,
    "appId": 1160452,
    "occurredAt": 1462216307945,
    "eventType": "contact.propertyChange",
    "attemptNumber": 0
  },
  {
    "objectId": 1246978,
    "changeSource": "IMPORT",
    "eventId": 3816279480,
    "subscriptionId": 22,
    "portalId": 33,
    "appId": 1160452,
    "occurredAt": 1462216307945,
    "eventType": "contact.creation",
    "attemptNumber": 0
  }
]"""

# A conversations event with the fields the webhooks docs list for conversation.newMessage.
COMMENT_EVENT = (
    b'[{"eventId":4294967295,"subscriptionId":1920011,"portalId":62515,"appId":1160452,'
    b'"occurredAt":1715678467000,"subscriptionType":"conversation.newMessage",'
    b'"attemptNumber":0,"objectId":7174133640,"messageId":"ca2e3e1ce1e64c4b8ba4b9ab8af1a4a4",'
    b'"messageType":"COMMENT","changeFlag":"NEW_MESSAGE"}]'
)

CASES = [
    Case(
        slug="hubspot",
        config={
            "client_secret": CLIENT_SECRET,
            "access_token": TOKEN,
            "sender_actor_id": "A-1234567",
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="contact events (ignored)",
                body=CONTACT_EVENTS,
                sign=sign_v3,
                expect={},
                count=0,
                source=WEBHOOKS,
            ),
            Inbound(
                name="internal comment (ignored)",
                body=COMMENT_EVENT,
                sign=sign_v3,
                expect={},
                count=0,
                source=WEBHOOKS,
            ),
        ],
        replay_window_s=300,
        send=Send(
            message={
                "text": "Your refund is on its way.",
                "thread_key": THREAD,
                "customer": {"external_id": "V-7654321", "email": "casey@example.com"},
            },
            method="POST",
            path=f"/conversations/v3/conversations/threads/{THREAD}/messages",
            other_replies={
                f"/conversations/v3/conversations/threads/{THREAD}": {
                    "id": THREAD,
                    "createdAt": "2024-05-14T09:20:00Z",
                    "status": "OPEN",
                    "originalChannelId": "1002",
                    "originalChannelAccountId": "57708",
                    "latestMessageTimestamp": "2024-05-14T09:21:07Z",
                    "spam": False,
                    "inboxId": "147959634",
                    "associatedContactId": "12345",
                    "archived": False,
                }
            },
            reply={
                "type": "MESSAGE",
                "id": "e3b1c6a1f2d94b6f9a0e5c7d8b9a0f1e",
                "conversationsThreadId": THREAD,
                "createdAt": "2024-05-14T09:25:00Z",
                "createdBy": "A-1234567",
                "client": {"clientType": "INTEGRATION", "integrationAppId": 1160452},
                "senders": [{"actorId": "A-1234567", "name": "Switchboard"}],
                "recipients": [
                    {
                        "actorId": "V-7654321",
                        "recipientField": "TO",
                        "deliveryIdentifier": {
                            "type": "HS_EMAIL_ADDRESS",
                            "value": "casey@example.com",
                        },
                    }
                ],
                "archived": False,
                "text": "Your refund is on its way.",
                "attachments": [],
                "truncationStatus": "NOT_TRUNCATED",
                "direction": "OUTGOING",
                "channelId": "1002",
                "channelAccountId": "57708",
            },
            reply_status=201,
            json={
                "type": "MESSAGE",
                "text": "Your refund is on its way.",
                "senderActorId": "A-1234567",
                "channelId": "1002",
                "channelAccountId": "57708",
                "recipients": [
                    {
                        "actorId": "V-7654321",
                        "recipientField": "TO",
                        "deliveryIdentifiers": [
                            {"type": "HS_EMAIL_ADDRESS", "value": "casey@example.com"}
                        ],
                    }
                ],
            },
            headers={"authorization": f"Bearer {TOKEN}"},
            external_id="e3b1c6a1f2d94b6f9a0e5c7d8b9a0f1e",
            source="https://developers.hubspot.com/docs/api-reference/legacy/conversations/conversations/threads/create-conversation",
        ),
    )
]
