"""The website chat widget: its plain pieces (identity HMAC, frames, visitor tokens), then the
visitor's websocket against the real app on a real port, with the pipeline and outbound delivery
doing what they do in production."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
import websockets
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy
from pydantic import SecretStr, ValidationError
from websockets.asyncio.client import ClientConnection

from api.runtime import Runtime
from api.widget.frames import FrameBudget, FrameError, Hello, Say, parse
from api.widget.visitors import Site, VisitorTokens, resolve
from ingestion.connections import Connections
from ingestion.connectors import widget
from ingestion.connectors.registry import REGISTRY
from ingestion.connectors.widget import WidgetConfig, public_key, verify_identity
from ingestion.outbound import OutboundDelivery
from store.errors import Unauthorized
from tests.conftest import Tenant, register
from tests.ingestion.live import integration, live_app
from tests.ingestion.test_inbound_api import conversation_messages, eventually, pipeline

SECRET = "identity-secret-0123456789abcdef"
ORIGIN = "https://shop.example.com"


def user_hash(user_id: str, secret: str = SECRET) -> str:
    """What the customer's server computes (written here independently of the connector)."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


# ---- the plain pieces ---------------------------------------------------------------------------


def test_identity_is_verified_by_hmac_of_the_user_id() -> None:
    config = WidgetConfig(identity_secret=SecretStr(SECRET))
    assert verify_identity(config, "u-42", user_hash("u-42")) is True
    assert verify_identity(config, "u-42", user_hash("u-42").upper()) is True
    assert verify_identity(config, "u-42", None) is False  # allowed, unverified
    for wrong in (user_hash("u-43"), user_hash("u-42", "another-secret-0123456789")):
        with pytest.raises(Unauthorized) as refused:
            verify_identity(config, "u-42", wrong)
        assert refused.value.code == "identity_invalid"


def test_identity_rules_without_a_secret_or_with_identity_required() -> None:
    with pytest.raises(Unauthorized) as unchecked:
        verify_identity(WidgetConfig(), "u-42", user_hash("u-42"))
    assert unchecked.value.code == "identity_not_configured"
    strict = WidgetConfig(identity_secret=SecretStr(SECRET), require_identity=True)
    with pytest.raises(Unauthorized) as anonymous:
        verify_identity(strict, None, None)
    assert anonymous.value.code == "identity_required"


def test_config_is_validated_and_the_secret_is_write_only() -> None:
    with pytest.raises(ValidationError):
        WidgetConfig(require_identity=True)  # nothing to verify with
    with pytest.raises(ValidationError):
        WidgetConfig(allowed_origins=["shop.example.com"])  # not an origin
    with pytest.raises(ValidationError):
        WidgetConfig(identity_secret=SecretStr("short"))
    config = WidgetConfig(allowed_origins=["HTTPS://Shop.Example.com/"])
    assert config.allowed_origins == [ORIGIN]
    schema = REGISTRY["widget"].config_schema()
    assert schema["properties"]["identity_secret"]["writeOnly"] is True
    iid = uuid.uuid4()
    assert widget.integration_for(public_key(iid)) == iid
    assert widget.integration_for("wk_nope") is None and widget.integration_for(None) is None


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "invalid_frame"),
        (b'{"type":"ping"}', "invalid_frame"),  # binary frames
        ('{"type":"shout"}', "invalid_frame"),
        ('{"type":"message","client_id":"c1","text":""}', "invalid_frame"),
        ('{"type":"message","client_id":"c 1","text":"hi"}', "invalid_frame"),
        ('{"type":"message","client_id":"c1","text":"hi","extra":1}', "invalid_frame"),
        ('{"type":"hello","visitor_id":"someone-else"}', "invalid_frame"),
        ('{"type":"hello","user":{"userId":"u","userHash":"xyz"}}', "invalid_frame"),
        ('{"type":"message","client_id":"c1","text":"' + "a" * 20_000 + '"}', "frame_too_large"),
    ],
)
def test_bad_frames_are_refused_with_a_reason(raw: str | bytes, code: str) -> None:
    with pytest.raises(FrameError) as refused:
        parse(raw)
    assert refused.value.code == code and refused.value.message


def test_good_frames_parse_and_a_refused_message_names_its_client_id() -> None:
    frame = parse('{"type":"message","client_id":"c-1","text":"  Hello  "}')
    assert isinstance(frame, Say) and frame.text == "Hello"
    hello = parse('{"type":"hello","user":{"userId":"u-1","name":"Dana"}}')
    assert isinstance(hello, Hello) and hello.user and hello.user.user_id == "u-1"
    with pytest.raises(FrameError) as refused:
        parse('{"type":"message","client_id":"c-9","text":"' + "a" * 4001 + '"}')
    assert refused.value.client_id == "c-9"


def test_frame_budget_allows_a_burst_then_refills() -> None:
    budget = FrameBudget(rate=2.0, burst=3.0)
    start = budget.at
    assert [budget.take(start) for _ in range(4)] == [True, True, True, False]
    assert budget.take(start + 0.5) is True and budget.take(start + 0.5) is False


def test_visitor_tokens_open_one_visitor_on_one_widget_only() -> None:
    tokens = VisitorTokens(SecretStr("platform-secret-0123456789abcdef"))
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    token = tokens.issue(mine, "v_aaaaaaaaaaaaaaaaaaaa")
    assert tokens.valid(mine, "v_aaaaaaaaaaaaaaaaaaaa", token)
    assert not tokens.valid(theirs, "v_aaaaaaaaaaaaaaaaaaaa", token)
    assert not tokens.valid(mine, "v_bbbbbbbbbbbbbbbbbbbb", token)
    assert not tokens.valid(mine, "v_aaaaaaaaaaaaaaaaaaaa", None)
    other_deployment = VisitorTokens(SecretStr("another-platform-secret-0123456789"))
    assert not other_deployment.valid(mine, "v_aaaaaaaaaaaaaaaaaaaa", token)


def test_only_a_verified_identity_names_the_contact_and_the_thread() -> None:
    site = Site(uuid.uuid4(), uuid.uuid4(), WidgetConfig(identity_secret=SecretStr(SECRET)))
    tokens = VisitorTokens("platform-secret-0123456789abcdef")
    claimed = {"userId": "u-7", "email": "ceo@example.com", "name": "Dana"}
    anonymous = resolve(site, Hello(type="hello", user=claimed), tokens)  # type: ignore[arg-type]
    assert anonymous.thread_key == anonymous.visitor_id and not anonymous.verified
    assert anonymous.sender.email is None and anonymous.sender.name == "Dana"
    assert anonymous.details["email"] == "ceo@example.com"  # shown as a claim only
    signed = {**claimed, "userHash": user_hash("u-7")}
    verified = resolve(site, Hello.model_validate({"type": "hello", "user": signed}), tokens)
    assert verified.verified and verified.thread_key == "user:u-7"
    assert verified.sender.external_id == "user:u-7" and verified.sender.email is None
    by_email = {"email": "dana@example.com", "userHash": user_hash("dana@example.com")}
    known = resolve(site, Hello.model_validate({"type": "hello", "user": by_email}), tokens)
    assert known.sender.email == "dana@example.com" and known.thread_key == "email:dana@example.com"


# ---- the socket, live ---------------------------------------------------------------------------


@pytest.fixture
async def live(runtime: Runtime) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    assert runtime.nats is not None
    widget.BUS.use(runtime.nats)  # the deliverer in this process pushes on the tests' NATS
    async with live_app(runtime) as host, httpx.AsyncClient(base_url=f"http://{host}") as c:
        yield host, c


async def make_widget(c: httpx.AsyncClient, t: Tenant, **config: Any) -> tuple[str, str]:
    iid = await integration(c, t.headers, "widget", **config)
    return iid, public_key(uuid.UUID(iid))


@contextlib.asynccontextmanager
async def socket(
    host: str, key: str, origin: str | None = ORIGIN
) -> AsyncIterator[ClientConnection]:
    url = f"ws://{host}/api/v1/widget/ws?key={key}"
    async with websockets.connect(url, origin=origin) as ws:  # type: ignore[arg-type]
        yield ws


async def frame(
    ws: ClientConnection, kind: str | None = None, within: float = 20
) -> dict[str, Any]:
    """The next frame (of `kind`, skipping others)."""
    while True:
        got: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), within))
        if kind is None or got["type"] == kind:
            return got


async def greet(ws: ClientConnection, **hello: Any) -> dict[str, Any]:
    await ws.send(json.dumps({"type": "hello", **hello}))
    return await frame(ws)


async def refused(ws: ClientConnection, **hello: Any) -> tuple[str, int | None]:
    """(error code, close code) of a socket the server turns away (before or after the hello)."""
    with contextlib.suppress(websockets.ConnectionClosed):
        await ws.send(json.dumps({"type": "hello", **hello}))
    answer = await frame(ws)
    assert answer["type"] == "error", answer
    with contextlib.suppress(websockets.ConnectionClosed):
        await asyncio.wait_for(ws.recv(), 5)
    return answer["code"], ws.close_code


async def inbound_published(js: JetStreamContext, org_id: str) -> list[dict[str, Any]]:
    sub = await js.pull_subscribe(
        f"inbound.{org_id}.widget",
        stream="INBOUND",
        config=ConsumerConfig(
            deliver_policy=DeliverPolicy.ALL, mem_storage=True, inactive_threshold=10.0
        ),
    )
    found: list[dict[str, Any]] = []
    try:
        while True:
            try:
                batch = await sub.fetch(100, timeout=0.5)
            except TimeoutError:
                return found
            for m in batch:
                await m.ack()
                found.append(orjson.loads(m.data))
    finally:
        await sub.unsubscribe()


async def deliver(runtime: Runtime, org_id: str) -> int:
    delivery = OutboundDelivery(runtime.sessions, Connections(runtime.sessions, runtime.secret_box))
    return await delivery.run_once(uuid.UUID(org_id))


async def test_a_visitor_is_welcomed_and_keeps_their_id_when_they_return(
    live: tuple[str, httpx.AsyncClient],
) -> None:
    host, c = live
    t = await register(c)
    _, key = await make_widget(c, t, title="Talk to Acme", welcome_text="We answer in minutes.")
    async with socket(host, key) as ws:
        first = await greet(ws, page="https://shop.example.com/cart")
    assert first["type"] == "welcome" and first["history"] == [] and first["verified"] is False
    assert first["settings"] == {"title": "Talk to Acme", "welcome_text": "We answer in minutes."}
    async with socket(host, key) as ws:
        again = await greet(
            ws, visitor_id=first["visitor_id"], visitor_token=first["visitor_token"]
        )
    assert again["visitor_id"] == first["visitor_id"]


async def test_a_message_is_acked_after_it_is_published_once_even_when_resent(
    runtime: Runtime, js: JetStreamContext, live: tuple[str, httpx.AsyncClient]
) -> None:
    host, c = live
    t = await register(c)
    iid, key = await make_widget(c, t)
    async with socket(host, key) as ws:
        welcome = await greet(ws, user={"name": "Dana", "email": "dana@example.com"})
        for _ in range(2):  # the ack was lost: the SDK resends with the same client id
            await ws.send(json.dumps({"type": "message", "client_id": "c-1", "text": "Hi there"}))
            ack = await frame(ws)
            assert ack == {
                "type": "ack",
                "client_id": "c-1",
                "message_id": f"{welcome['visitor_id']}:c-1",
            }
    (published,) = await inbound_published(js, t.org_id)
    assert published["integration_id"] == iid and published["channel"] == "widget"
    assert published["thread_key"] == welcome["visitor_id"] and published["text"] == "Hi there"
    assert published["sender"]["external_id"] == welcome["visitor_id"]
    assert published["sender"]["email"] is None  # claimed, not verified
    assert published["metadata"]["widget"]["verified"] is False
    async with pipeline(runtime, js, t):
        (stored,) = await eventually(lambda: conversation_messages(c, t))
    assert stored["text"] == "Hi there"


async def test_identity_is_checked_and_required_when_configured(
    live: tuple[str, httpx.AsyncClient],
) -> None:
    host, c = live
    t = await register(c)
    _, key = await make_widget(c, t, identity_secret=SECRET, require_identity=True)
    good = {"userId": "u-1", "name": "Dana", "userHash": user_hash("u-1")}
    async with socket(host, key) as ws:
        welcome = await greet(ws, user=good)
    assert welcome["type"] == "welcome" and welcome["verified"] is True
    async with socket(host, key) as ws:
        assert await refused(ws, user={**good, "userHash": user_hash("u-2")}) == (
            "identity_invalid",
            1008,
        )
    async with socket(host, key) as ws:
        assert await refused(ws) == ("identity_required", 1008)
    async with socket(host, key) as ws:
        assert await refused(ws, user={"userId": "u-1"}) == ("identity_required", 1008)


async def test_bad_frames_get_error_frames_and_the_socket_stays_usable(
    live: tuple[str, httpx.AsyncClient],
) -> None:
    host, c = live
    t = await register(c)
    _, key = await make_widget(c, t)
    async with socket(host, key) as ws:
        await greet(ws)
        for raw, code in [
            ("{oops", "invalid_frame"),
            ('{"type":"message","client_id":"c-2","text":""}', "invalid_frame"),
            ('{"type":"hello"}', "already_greeted"),
            ("x" * 20_000, "frame_too_large"),
        ]:
            await ws.send(raw)
            error = await frame(ws)
            assert error["type"] == "error" and error["code"] == code, error
        await ws.send(b"\x00\x01")
        assert (await frame(ws))["code"] == "invalid_frame"
        await ws.send('{"type":"ping"}')
        assert await frame(ws) == {"type": "pong"}
    async with socket(host, key) as ws:  # a script hammering the socket is slowed down
        await greet(ws)
        for _ in range(25):
            await ws.send('{"type":"ping"}')
        await ws.send(json.dumps({"type": "message", "client_id": "c-9", "text": "spam"}))
        answers = [await frame(ws) for _ in range(26)]
        assert sum(a == {"type": "pong"} for a in answers) <= 21
        assert answers[-1]["code"] == "rate_limited" and answers[-1]["client_id"] == "c-9"
    async with socket(host, key) as ws:  # the first frame must be a hello
        await ws.send('{"type":"ping"}')
        assert (await frame(ws))["code"] == "hello_first"


async def test_unknown_keys_foreign_tokens_and_other_origins_are_refused(
    live: tuple[str, httpx.AsyncClient],
) -> None:
    host, c = live
    t, other = await register(c), await register(c)
    _, key = await make_widget(c, t, allowed_origins=[ORIGIN])
    _, their_key = await make_widget(c, other)
    async with socket(host, their_key) as ws:
        theirs = await greet(ws)
    async with socket(host, key) as ws:  # their visitor's token opens nothing here
        hello = {"visitor_id": theirs["visitor_id"], "visitor_token": theirs["visitor_token"]}
        assert await refused(ws, **hello) == ("invalid_visitor", 1008)
    async with socket(host, their_key) as ws:  # nor does a forged one there
        forged = {"visitor_id": theirs["visitor_id"], "visitor_token": "0" * 64}
        assert await refused(ws, **forged) == ("invalid_visitor", 1008)
    async with socket(host, f"wk_{uuid.uuid4().hex}") as ws:
        assert await refused(ws) == ("unknown_key", 1008)
    async with socket(host, "not-a-key") as ws:
        assert await refused(ws) == ("unknown_key", 1008)
    async with socket(host, key, origin="https://evil.example.net") as ws:
        assert await refused(ws) == ("origin_not_allowed", 1008)
    async with socket(host, key, origin=f"http://{host}") as ws:  # the test page, on our host
        assert (await greet(ws))["type"] == "welcome"


async def _conversation(
    runtime: Runtime, js: JetStreamContext, c: httpx.AsyncClient, t: Tenant, ws: ClientConnection
) -> str:
    await ws.send(json.dumps({"type": "message", "client_id": "c-1", "text": "Where is my order?"}))
    await frame(ws, "ack")
    async with pipeline(runtime, js, t):
        (stored,) = await eventually(lambda: conversation_messages(c, t))
    return str(stored["conversation_id"])


async def test_agent_replies_reach_a_connected_visitor_live_and_an_absent_one_on_return(
    runtime: Runtime, js: JetStreamContext, live: tuple[str, httpx.AsyncClient]
) -> None:
    host, c = live
    t = await register(c)
    _, key = await make_widget(c, t)
    async with socket(host, key) as ws:
        me = await greet(ws)
        conv = await _conversation(runtime, js, c, t, ws)
        r = await c.post(
            f"/api/v1/conversations/{conv}/messages",
            headers=t.headers,
            json={"text": "It ships tomorrow."},
        )
        assert r.status_code == 201 and r.json()["status"] == "queued"
        assert await deliver(runtime, t.org_id) == 1
        pushed = await frame(ws, "message")
    assert pushed["id"] == r.json()["id"] and pushed["from"] == "agent"
    assert pushed["text"] == "It ships tomorrow."
    sent = (await c.get(f"/api/v1/messages/{r.json()['id']}", headers=t.headers)).json()
    assert sent["status"] == "sent" and sent["external_id"] == f"widget:{r.json()['id']}"
    # Away: the next reply is delivered with nobody listening, and waits in the history.
    later = await c.post(
        f"/api/v1/conversations/{conv}/messages",
        headers=t.headers,
        json={"text": "Tracking: 1Z999."},
    )
    assert await deliver(runtime, t.org_id) == 1
    async with socket(host, key) as ws:
        back = await greet(ws, visitor_id=me["visitor_id"], visitor_token=me["visitor_token"])
    history = [(m["from"], m["text"], m.get("client_id")) for m in back["history"]]
    assert history == [
        ("visitor", "Where is my order?", "c-1"),
        ("agent", "It ships tomorrow.", None),
        ("agent", "Tracking: 1Z999.", None),
    ]
    assert back["history"][2]["id"] == later.json()["id"]
    # Another visitor of the same widget sees none of it.
    async with socket(host, key) as ws:
        assert (await greet(ws))["history"] == []


async def test_typing_goes_both_ways(
    runtime: Runtime, js: JetStreamContext, live: tuple[str, httpx.AsyncClient]
) -> None:
    host, c = live
    t, other = await register(c), await register(c)
    _, key = await make_widget(c, t)
    assert runtime.nats is not None
    events = await runtime.nats.subscribe(f"events.{t.org_id}.conversation.typing")
    async with socket(host, key) as ws:
        await greet(ws)
        conv = await _conversation(runtime, js, c, t, ws)
        r = await c.post(
            f"/api/v1/conversations/{conv}/typing", headers=t.headers, json={"state": True}
        )
        assert r.status_code == 200 and r.json() == {"pushed": True}
        assert await frame(ws, "typing") == {"type": "typing", "from": "agent", "state": True}
        for state in (True, True, False):  # the repeat within the interval is not relayed
            await ws.send(json.dumps({"type": "typing", "state": state}))
        announced = [orjson.loads((await events.next_msg(timeout=10)).data) for _ in range(2)]
    await events.unsubscribe()
    assert [(e["conversation_id"], e["data"]) for e in announced] == [
        (conv, {"from": "visitor", "state": True}),
        (conv, {"from": "visitor", "state": False}),
    ]
    foreign = await c.post(
        f"/api/v1/conversations/{conv}/typing", headers=other.headers, json={"state": True}
    )
    assert foreign.status_code == 404


async def test_the_script_test_page_and_install_details_are_served(
    live: tuple[str, httpx.AsyncClient],
) -> None:
    host, c = live
    t, other = await register(c), await register(c)
    iid, key = await make_widget(c, t)
    script = await c.get("/api/v1/widget/widget.js", headers={"Origin": ORIGIN})
    assert script.status_code == 200 and "SwitchboardWidget" in script.text
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["cross-origin-resource-policy"] == "cross-origin"
    page = await c.get("/api/v1/widget/test", params={"key": key})
    assert page.status_code == 200 and f'data-key="{key}"' in page.text
    assert '<script src="/api/v1/widget/widget.js"' in page.text
    unknown = await c.get("/api/v1/widget/test", params={"key": f"wk_{uuid.uuid4().hex}"})
    assert unknown.status_code == 404
    assert (await c.get("/api/v1/widget/test", params={"key": "<script>"})).status_code == 422
    install = await c.get(f"/api/v1/integrations/{iid}/widget", headers=t.headers)
    assert install.status_code == 200, install.text
    body = install.json()
    assert body["public_key"] == key and f'data-key="{key}"' in body["snippet"]
    assert body["socket_url"] == f"ws://{host}/api/v1/widget/ws?key={key}"
    foreign = await c.get(f"/api/v1/integrations/{iid}/widget", headers=other.headers)
    assert foreign.status_code == 404
