"""The generic API channel end to end over HTTP: accept, process, read back, live events."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import websockets
from nats.js import JetStreamContext

from api.runtime import Runtime
from ingestion.pipeline.processor import MessageProcessor
from ingestion.pipeline.worker import PipelineWorker
from tests.conftest import Tenant, register
from tests.ingestion.conftest import Org
from tests.ingestion.live import api_key, integration, live_app
from tests.ingestion.test_worker import running


@pytest.fixture
async def live(runtime: Runtime) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    async with live_app(runtime) as host, httpx.AsyncClient(base_url=f"http://{host}") as c:
        yield host, c


@contextlib.asynccontextmanager
async def pipeline(runtime: Runtime, js: JetStreamContext, tenant: Tenant) -> AsyncIterator[None]:
    org = Org(uuid.UUID(tenant.org_id), uuid.uuid4())
    assert runtime.classifier is not None
    worker = PipelineWorker(
        js, MessageProcessor(runtime.sessions, runtime.classifier, js), org.worker_config()
    )
    async with running(worker):
        yield


def body(external_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "from": {"email": "Dana@Example.com", "name": "Dana"},
        "subject": "Cancel order",
        "text": "Please cancel my order 4471, I ordered by mistake and need it cancelled today.",
        **extra,
    }


async def conversation_messages(c: httpx.AsyncClient, t: Tenant) -> list[dict[str, Any]]:
    convs = (await c.get("/api/v1/conversations", headers=t.headers)).json()["items"]
    found: list[dict[str, Any]] = []
    for conv in convs:
        r = await c.get(f"/api/v1/conversations/{conv['id']}/messages", headers=t.headers)
        found.extend(r.json()["items"])
    return found


async def eventually(check, within: float = 20.0) -> Any:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = await check()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(0.1)


async def test_posted_messages_are_accepted_stored_once_and_classified(
    runtime: Runtime, js: JetStreamContext, live: tuple[str, httpx.AsyncClient]
) -> None:
    _, c = live
    t = await register(c)
    key = {"X-Api-Key": await api_key(c, t.headers)}
    iid = await integration(c, t.headers)
    for external_id in ("a-1", "a-2", "a-1", "a-1"):
        r = await c.post(f"/api/v1/inbound/{iid}", headers=key, json=body(external_id))
        assert r.status_code == 202 and r.json() == {
            "status": "accepted",
            "external_id": external_id,
        }
    async with pipeline(runtime, js, t):
        messages = await eventually(lambda: _if_len(conversation_messages(c, t), 2), within=30)
    assert len(messages) == 2
    first = messages[0]
    assert first["classification"]["intent"]["label"] == "cancel_order"
    assert first["direction"] == "inbound" and first["sender"]["email"] == "dana@example.com"


async def _if_len(coro, n: int) -> Any:  # type: ignore[no-untyped-def]
    found = await coro
    return found if len(found) >= n else None


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"external_id": "x"}, 422),  # no text
        ({"external_id": "", "text": "hi"}, 422),
        ({"external_id": "x", "text": ""}, 422),
        ({"external_id": "x", "text": "hi", "from": {"email": "not-an-email"}}, 422),
        ({"external_id": "x", "text": "hi", "surprise": 1}, 422),
        ({"external_id": "x", "text": "a" * 100_001}, 422),
    ],
)
async def test_bad_inbound_bodies_are_4xx(
    live: tuple[str, httpx.AsyncClient], payload: dict[str, Any], status: int
) -> None:
    _, c = live
    t = await register(c)
    key = {"X-Api-Key": await api_key(c, t.headers)}
    iid = await integration(c, t.headers)
    r = await c.post(f"/api/v1/inbound/{iid}", headers=key, json=payload)
    assert r.status_code == status, r.text
    assert "error" in r.json()


async def test_inbound_is_refused_for_foreign_unknown_or_non_api_integrations(
    live: tuple[str, httpx.AsyncClient],
) -> None:
    _, c = live
    t, other = await register(c), await register(c)
    key = {"X-Api-Key": await api_key(c, t.headers)}
    theirs = await integration(c, other.headers)
    imap = await integration(
        c, t.headers, "imap", host="mail.example.com", username="u", password="p"
    )
    assert (
        await c.post(f"/api/v1/inbound/{theirs}", headers=key, json=body("1"))
    ).status_code == 404
    assert (
        await c.post(f"/api/v1/inbound/{uuid.uuid4()}", headers=key, json=body("1"))
    ).status_code == 404
    assert (await c.post(f"/api/v1/inbound/{imap}", headers=key, json=body("1"))).status_code == 400
    assert (await c.post(f"/api/v1/inbound/{imap}", json=body("1"))).status_code == 401
    no_scope = {"X-Api-Key": await api_key(c, t.headers, scopes=["classify"])}
    iid = await integration(c, t.headers)
    assert (
        await c.post(f"/api/v1/inbound/{iid}", headers=no_scope, json=body("1"))
    ).status_code == 403


async def test_websocket_streams_events_and_resumes_from_a_sequence_number(
    runtime: Runtime, js: JetStreamContext, live: tuple[str, httpx.AsyncClient]
) -> None:
    host, c = live
    t = await register(c)
    key = {"X-Api-Key": await api_key(c, t.headers)}
    iid = await integration(c, t.headers)
    url = f"ws://{host}/api/v1/ws?token={t.access_token}"
    async with pipeline(runtime, js, t):
        async with websockets.connect(url) as ws:
            hello = json.loads(await asyncio.wait_for(ws.recv(), 20))
            assert hello["kind"] == "hello" and isinstance(hello["seq"], int)
            await c.post(f"/api/v1/inbound/{iid}", headers=key, json=body("w-1"))
            first = [json.loads(await asyncio.wait_for(ws.recv(), 20)) for _ in range(3)]
        assert {e["kind"] for e in first} == {
            "message.created",
            "message.classified",
            "conversation.updated",
        }
        last_seq = max(e["seq"] for e in first)
        # offline: two more messages arrive
        for external_id in ("w-2", "w-3"):
            await c.post(f"/api/v1/inbound/{iid}", headers=key, json=body(external_id))
        await eventually(lambda: _if_len(conversation_messages(c, t), 3))
        async with websockets.connect(f"{url}&since={last_seq}") as ws:
            assert json.loads(await ws.recv()) == {"kind": "hello", "seq": last_seq}
            missed = [json.loads(await asyncio.wait_for(ws.recv(), 20)) for _ in range(6)]
    assert all(e["seq"] > last_seq for e in missed)
    assert [e["seq"] for e in missed] == sorted(e["seq"] for e in missed)
    assert sum(e["kind"] == "message.created" for e in missed) == 2
    assert all(e["organization_id"] == t.org_id for e in missed)


async def test_a_client_that_saw_no_event_yet_resumes_from_its_hello(
    runtime: Runtime, js: JetStreamContext, live: tuple[str, httpx.AsyncClient]
) -> None:
    """The dashboard opens, hears nothing, loses its connection; what arrived meanwhile is
    replayed when it comes back with the hello's number."""
    host, c = live
    t = await register(c)
    key = {"X-Api-Key": await api_key(c, t.headers)}
    iid = await integration(c, t.headers)
    url = f"ws://{host}/api/v1/ws?token={t.access_token}"
    async with websockets.connect(url) as ws:
        hello = json.loads(await asyncio.wait_for(ws.recv(), 20))
    async with pipeline(runtime, js, t):
        await c.post(f"/api/v1/inbound/{iid}", headers=key, json=body("while-away"))
        await eventually(lambda: _if_len(conversation_messages(c, t), 1))
        async with websockets.connect(f"{url}&since={hello['seq']}") as ws:
            assert json.loads(await ws.recv()) == {"kind": "hello", "seq": hello["seq"]}
            missed = [json.loads(await asyncio.wait_for(ws.recv(), 20)) for _ in range(3)]
    assert {e["kind"] for e in missed} == {
        "message.created",
        "message.classified",
        "conversation.updated",
    }
    assert all(e["seq"] > hello["seq"] for e in missed)


async def test_websocket_refuses_a_bad_token(live: tuple[str, httpx.AsyncClient]) -> None:
    host, _ = live
    with pytest.raises(
        (websockets.exceptions.InvalidStatus, websockets.exceptions.ConnectionClosed)
    ):
        async with websockets.connect(f"ws://{host}/api/v1/ws?token=nope") as ws:
            await asyncio.wait_for(ws.recv(), 5)


async def test_dead_letters_are_listed_for_admins_and_replayed(
    runtime: Runtime, js: JetStreamContext, live: tuple[str, httpx.AsyncClient]
) -> None:
    _, c = live
    t = await register(c)
    from ingestion.streams import publish

    await publish(js, f"inbound.{t.org_id}.api", b"{broken", msg_id=f"broken-{t.org_id}")
    async with pipeline(runtime, js, t):
        items = await eventually(lambda: _items(c, t))
    assert items and items[0]["error_type"] == "ValidationError"
    seq = items[0]["id"]
    from tests.conftest import add_user

    member = await add_user(c, t, "member")
    assert (await c.get("/api/v1/deadletters", headers=member.headers)).status_code == 403
    r = await c.post(f"/api/v1/deadletters/{seq}/replay", headers=t.headers)
    assert r.status_code == 200 and r.json()["status"] == "replayed"
    assert (await c.post(f"/api/v1/deadletters/{seq}/replay", headers=t.headers)).status_code == 404
    audit = (await c.get("/api/v1/audit-log?action=deadletter.replay", headers=t.headers)).json()
    assert [e["details"]["seq"] for e in audit["items"]] == [seq]


async def _items(c: httpx.AsyncClient, t: Tenant) -> list[dict[str, Any]]:
    r = await c.get("/api/v1/deadletters", headers=t.headers)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])
