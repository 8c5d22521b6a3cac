"""Replies on the generic API channel: signed callbacks, retries with backoff, final states."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI, Request, Response
from nats.js import JetStreamContext
from sqlalchemy import update

from api.runtime import Runtime
from ingestion.connections import Connections
from ingestion.connectors.api import verify_signature
from ingestion.outbound import OutboundDelivery
from store.tables import Message
from tests.conftest import register
from tests.fakes.http_server import serve_app
from tests.ingestion.live import api_key, integration, live_app
from tests.ingestion.test_inbound_api import body, conversation_messages, eventually, pipeline

SECRET = "whsec-0123456789abcdef"


class Receiver:
    """A client's callback endpoint: checks our signature, can be told to fail."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.deliveries: list[str] = []
        self.fail_with: list[int] = []
        self.app = FastAPI()
        self.app.post("/hook")(self.hook)

    async def hook(self, request: Request) -> Response:
        raw = await request.body()
        verify_signature(SECRET, request.headers.get("x-switchboard-signature"), raw)
        self.deliveries.append(request.headers["x-switchboard-delivery"])
        if self.fail_with:
            return Response(status_code=self.fail_with.pop(0))
        self.received.append(orjson.loads(raw))
        return Response(orjson.dumps({"id": f"r-{len(self.received)}"}), status_code=200)


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    r = Receiver()
    with serve_app(r.app) as url:
        yield r, f"{url}/hook"


@pytest.fixture
async def live(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    async with live_app(runtime) as host, httpx.AsyncClient(base_url=f"http://{host}") as c:
        yield c


async def _conversation_with_inbound(
    runtime: Runtime, js: JetStreamContext, c: httpx.AsyncClient, config: dict[str, Any]
) -> tuple[Any, str, str]:
    t = await register(c)
    key = {"X-Api-Key": await api_key(c, t.headers)}
    iid = await integration(c, t.headers, **config)
    await c.post(f"/api/v1/inbound/{iid}", headers=key, json=body("in-1", thread_id="T-7"))
    async with pipeline(runtime, js, t):
        (inbound,) = await eventually(lambda: conversation_messages(c, t))
    return t, inbound["conversation_id"], iid


async def _deliver(runtime: Runtime, org_id: str) -> int:
    assert runtime.nats is not None
    delivery = OutboundDelivery(
        runtime.sessions,
        Connections(runtime.sessions, runtime.secret_box),
        js=runtime.nats.jetstream(),
    )
    return await delivery.run_once(uuid.UUID(org_id))


async def test_a_reply_is_posted_signed_in_the_thread_and_marked_sent(
    runtime: Runtime, js: JetStreamContext, live: httpx.AsyncClient, receiver: tuple[Receiver, str]
) -> None:
    fake, url = receiver
    t, conv, _ = await _conversation_with_inbound(
        runtime, js, live, {"callback_url": url, "callback_secret": SECRET}
    )
    r = await live.post(
        f"/api/v1/conversations/{conv}/messages",
        headers=t.headers,
        json={"text": "Your order is cancelled."},
    )
    assert r.status_code == 201 and r.json()["status"] == "queued"
    assert await _deliver(runtime, t.org_id) == 1
    (got,) = fake.received
    assert got["text"] == "Your order is cancelled." and got["in_reply_to"] == "in-1"
    assert got["thread_id"] == "T-7" and got["message_id"] == r.json()["id"]
    row = (await live.get(f"/api/v1/messages/{r.json()['id']}", headers=t.headers)).json()
    assert row["status"] == "sent"
    assert await _deliver(runtime, t.org_id) == 0  # nothing is sent twice
    from tests.ingestion.conftest import Org
    from tests.ingestion.test_processor import org_events

    announced = [
        e
        for e in await org_events(js, Org(uuid.UUID(t.org_id), uuid.uuid4()))
        if e["kind"] == "message.outbound"
    ]
    assert [(e["message_id"], e["data"]["status"]) for e in announced] == [(r.json()["id"], "sent")]


async def test_a_failing_receiver_is_retried_with_the_same_delivery_id_then_succeeds(
    runtime: Runtime, js: JetStreamContext, live: httpx.AsyncClient, receiver: tuple[Receiver, str]
) -> None:
    fake, url = receiver
    fake.fail_with = [503, 429]
    t, conv, _ = await _conversation_with_inbound(
        runtime, js, live, {"callback_url": url, "callback_secret": SECRET}
    )
    r = await live.post(
        f"/api/v1/conversations/{conv}/messages", headers=t.headers, json={"text": "retry me"}
    )
    mid = uuid.UUID(r.json()["id"])
    for _ in range(2):
        assert await _deliver(runtime, t.org_id) == 1
        assert await _deliver(runtime, t.org_id) == 0  # backing off: not due yet
        async with runtime.sessions() as s, s.begin():
            await s.execute(update(Message).where(Message.id == mid).values(next_attempt_at=None))
    assert await _deliver(runtime, t.org_id) == 1
    assert fake.deliveries == [str(mid)] * 3 and len(fake.received) == 1
    async with runtime.sessions() as s:
        row = await s.get(Message, mid)
        assert row is not None and row.status == "sent" and row.attempts == 2


async def test_a_refusing_receiver_fails_the_message_with_the_reason(
    runtime: Runtime, js: JetStreamContext, live: httpx.AsyncClient, receiver: tuple[Receiver, str]
) -> None:
    fake, url = receiver
    fake.fail_with = [422]
    t, conv, _ = await _conversation_with_inbound(
        runtime, js, live, {"callback_url": url, "callback_secret": SECRET}
    )
    r = await live.post(
        f"/api/v1/conversations/{conv}/messages", headers=t.headers, json={"text": "nope"}
    )
    await _deliver(runtime, t.org_id)
    async with runtime.sessions() as s:
        row = await s.get(Message, uuid.UUID(r.json()["id"]))
        assert row is not None and row.status == "failed" and "422" in (row.error or "")


async def test_without_a_callback_a_reply_is_sent_once_stored(
    runtime: Runtime, js: JetStreamContext, live: httpx.AsyncClient
) -> None:
    t, conv, _ = await _conversation_with_inbound(runtime, js, live, {})
    r = await live.post(
        f"/api/v1/conversations/{conv}/messages",
        headers=t.headers,
        json={"text": "read me from the API"},
    )
    assert r.status_code == 201 and r.json()["status"] == "sent"
