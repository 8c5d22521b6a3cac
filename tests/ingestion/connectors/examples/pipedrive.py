"""Pipedrive: the documented webhook payloads (v1 `meta`/`current` and v2 `meta`/`data`) for a
created note, authenticated with the HTTP Basic credentials set on the webhook (Pipedrive's only
webhook protection: it signs nothing), and the documented `POST /v1/notes`."""

from __future__ import annotations

import base64
from typing import Any

from tests.ingestion.connectors.cases import Case, Inbound, Send, json_body

PASSWORD = "pipedrive-webhook-password-01"
V1_DOC = "https://pipedrive.readme.io/docs/guide-for-webhooks (webhooks v1 payload)"
V2_DOC = "https://pipedrive.readme.io/docs/guide-for-webhooks-v2"
NOTES_DOC = "https://developers.pipedrive.com/docs/api/v1/Notes#addNote"
OUR_USER = 8877


def basic_auth(body: bytes, url: str, now: float) -> dict[str, str]:
    pair = base64.b64encode(f"switchboard:{PASSWORD}".encode()).decode()
    return {"authorization": f"Basic {pair}"}


def forge(body: bytes, url: str, now: float) -> dict[str, str]:
    """A caller that does not know the password: the body is not signed, only the caller is."""
    pair = base64.b64encode(b"switchboard:guessed-password-0123").decode()
    return {"authorization": f"Basic {pair}"}


def note(note_id: int, author: int, content: str) -> dict[str, Any]:
    """A note as the Notes API returns it."""
    return {
        "id": note_id,
        "user_id": author,
        "deal_id": 42,
        "person_id": 7,
        "org_id": 3,
        "lead_id": None,
        "content": content,
        "add_time": "2024-05-02 09:15:00",
        "update_time": "2024-05-02 09:15:00",
        "active_flag": True,
        "pinned_to_deal_flag": False,
        "pinned_to_person_flag": False,
        "pinned_to_organization_flag": False,
        "last_update_user_id": None,
        "organization": {"name": "Acme Ltd"},
        "person": {"name": "Dana Buyer"},
        "deal": {"title": "Acme Ltd - 50 seats"},
        "user": {"email": "rep@seller.com", "name": "Sam Rep", "icon_url": None, "is_you": False},
    }


def v1(event: str, action: str, obj: str, current: dict[str, Any] | None) -> bytes:
    return json_body(
        {
            "v": 1,
            "matches_filters": {"current": []},
            "meta": {
                "v": 1,
                "action": action,
                "object": obj,
                "id": (current or {}).get("id", 42),
                "company_id": 1234,
                "user_id": (current or {}).get("user_id", 555),
                "host": "acme.pipedrive.com",
                "timestamp": 1714641300,
                "timestamp_micro": 1714641300123456,
                "permitted_user_ids": [555, OUR_USER],
                "trans_pending": False,
                "is_bulk_update": False,
                "pipedrive_service_name": False,
                "matches_filters": {"current": []},
                "webhook_id": "321",
            },
            "current": current,
            "previous": None,
            "retry": 0,
            "event": event,
        }
    )


CUSTOMER_NOTE = note(991, 555, "<p>Dana asked: can we get SSO on the 50-seat plan?</p>")
OUR_NOTE = note(992, OUR_USER, "<p>Yes, SSO is included.</p>")
V2_NOTE = json_body(
    {
        "data": {**CUSTOMER_NOTE, "id": 993, "add_time": "2024-05-02T09:15:00Z"},
        "previous": None,
        "meta": {
            "action": "create",
            "entity": "note",
            "entity_id": "993",
            "company_id": "1234",
            "correlation_id": "4a6ec0b4-0a51-4e2b-8e22-6a1e1d9f1f0b",
            "id": "c0b1d4d2-3f7b-4b61-9b3a-1a2b3c4d5e6f",
            "is_bulk_edit": False,
            "timestamp": "2024-05-02T09:15:00.123Z",
            "type": "general",
            "user_id": "555",
            "version": "2.0",
            "webhook_id": "322",
            "webhook_owner_id": "555",
            "attempt": 1,
            "host": "acme.pipedrive.com",
        },
    }
)

EXPECT = {
    "external_id": "991",
    "thread_key": "deal:42",
    "text": "Dana asked: can we get SSO on the 50-seat plan?",
    "subject": "Acme Ltd - 50 seats",
    "sender.external_id": "person:7",
    "sender.name": "Dana Buyer",
}

CASES = [
    Case(
        slug="pipedrive",
        forge=forge,
        config={
            "api_token": "pipedrive-api-token",
            "user_id": OUR_USER,
            "webhook_password": PASSWORD,
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="v1_added_note",
                body=v1("added.note", "added", "note", CUSTOMER_NOTE),
                sign=basic_auth,
                expect=EXPECT,
                source=V1_DOC,
            ),
            Inbound(
                name="v2_create_note",
                body=V2_NOTE,
                sign=basic_auth,
                expect={**EXPECT, "external_id": "993"},
                source=V2_DOC,
            ),
            Inbound(
                name="own_note_ignored",
                body=v1("added.note", "added", "note", OUR_NOTE),
                sign=basic_auth,
                expect={},
                count=0,
                source=V1_DOC,
            ),
            Inbound(
                name="deal_update_ignored",
                body=v1("updated.deal", "updated", "deal", {"id": 42, "title": "Acme"}),
                sign=basic_auth,
                expect={},
                count=0,
                source=V1_DOC,
            ),
        ],
        send=Send(
            message={"text": "Yes, SSO is included.", "thread_key": "deal:42"},
            method="POST",
            path="/v1/notes",
            reply={"success": True, "data": OUR_NOTE},
            reply_status=201,
            json={"content": "Yes, SSO is included.", "deal_id": 42},
            headers={"x-api-token": "pipedrive-api-token"},
            external_id="992",
            source=NOTES_DOC,
        ),
    )
]
