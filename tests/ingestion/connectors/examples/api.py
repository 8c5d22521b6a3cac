"""The generic API channel: inbound comes through our own authenticated route, not a webhook, so
the table holds its reply callback only (documented in docs/ingestion.md, "Replies")."""

from __future__ import annotations

from tests.ingestion.connectors.cases import Case, Send

DOC = "docs/ingestion.md#the-api-channel (X-Switchboard-Signature callbacks)"

CASES = [
    Case(
        slug="api",
        config={
            "callback_url": "{base}/switchboard/replies",
            "callback_secret": "whsec-callback-secret-0123456789",
        },
        inbound=[],
        send=Send(
            message={"text": "Your parcel left our warehouse today.", "thread_key": "order-1042"},
            method="POST",
            path="/switchboard/replies",
            # The receiver's answer may name its own id for the reply; it becomes external_id.
            reply={"id": "rcv-7731"},
            json={
                "type": "message.outbound",
                "text": "Your parcel left our warehouse today.",
                "thread_id": "order-1042",
            },
            headers={"content-type": "application/json"},
            external_id="rcv-7731",
            source=DOC,
        ),
    )
]
