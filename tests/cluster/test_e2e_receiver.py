"""The browser tests' reply receiver (cluster/e2e.py) checks signatures as a real receiver must."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from cluster.e2e import CALLBACK_SECRET, Receiver
from ingestion.connectors.api import SIGNATURE_HEADER, sign


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_signed_replies_are_kept_as_verified_and_forged_ones_refused(receiver: Receiver) -> None:
    body = json.dumps({"type": "message.outbound", "text": "Your order ships today"}).encode()
    good = sign(CALLBACK_SECRET, body, int(time.time()))
    answer = httpx.post(f"{receiver.url}/replies", content=body, headers={SIGNATURE_HEADER: good})
    assert answer.status_code == 200 and answer.json() == {"id": "receiver-1"}
    forged = sign("not-the-secret-at-all", body, int(time.time()))
    refused = httpx.post(
        f"{receiver.url}/replies", content=body, headers={SIGNATURE_HEADER: forged}
    )
    assert refused.status_code == 401
    kept = httpx.get(f"{receiver.url}/deliveries").json()
    assert [(d["verified"], d["text"]) for d in kept] == [
        (True, "Your order ships today"),
        (False, "Your order ships today"),
    ]
    assert httpx.get(f"{receiver.url}/elsewhere").status_code == 404
