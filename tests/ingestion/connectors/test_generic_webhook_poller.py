"""The generic webhook (configurable HMAC, JMESPath mapping, signed callback) and the generic REST
poller (cursor, pages, links to other hosts refused) against local fakes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ingestion.connectors.capabilities import (
    Connection,
    Poller,
    Sender,
)
from ingestion.connectors.registry import REGISTRY
from store.errors import BadInput, Unauthorized
from tests.fakes.http_server import serve_app
from tests.fakes.inbound_rest import RestFake
from tests.fakes.recorder import Answer, Recorder
from tests.ingestion.connectors.cases import json_body
from tests.ingestion.connectors.conformance import check_implementation, check_spec
from tests.ingestion.connectors.examples import generic_webhook as gw
from tests.ingestion.connectors.examples import rest_poller as rp
from tests.ingestion.connectors.generic_support import call, connect, reply

# --- generic_webhook -------------------------------------------------------------------------


def test_sha1_hex_without_prefix_and_millisecond_timestamps() -> None:
    config = {**gw.OBJECT_CONFIG, "algorithm": "sha1", "encoding": "hex", "timestamp_unit": "ms"}
    connector, conn = REGISTRY["generic_webhook"].connector(), connect("generic_webhook", config)
    body, stamp = gw.OBJECT_PAYLOAD, str(int(time.time() * 1000))
    mac = hmac.new(gw.SECRET.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha1).hexdigest()
    connector.verify(conn, call(body, {"x-signature": mac.upper(), "x-timestamp": stamp}))
    old = str(int(stamp) - 301_000)
    stale = hmac.new(gw.SECRET.encode(), f"v0:{old}:".encode() + body, hashlib.sha1).hexdigest()
    with pytest.raises(Unauthorized, match="outside"):
        connector.verify(conn, call(body, {"x-signature": stale, "x-timestamp": old}))
    with pytest.raises(Unauthorized, match="missing"):
        connector.verify(conn, call(body, {"x-signature": mac}))


def test_the_prefix_is_part_of_the_signature_value() -> None:
    connector = REGISTRY["generic_webhook"].connector()
    conn = connect("generic_webhook", gw.LIST_CONFIG)
    bare = gw.hub_signature(gw.LIST_PAYLOAD, "", 0)["x-hub-signature-256"].removeprefix("sha256=")
    with pytest.raises(Unauthorized):
        connector.verify(conn, call(gw.LIST_PAYLOAD, {"x-hub-signature-256": bare}))


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"callback_url": "http://hooks.example.com/x"}, "https"),
        ({"callback_url": "http://10.0.0.5/x", "allow_insecure_callback": True}, "https"),
        ({"text": "body[?"}, "JMESPath"),
        ({"signed_template": "{body}"}, "timestamp"),
        ({"signed_template": "{timestamp}{body}{body}"}, "exactly one"),
        ({"secret": "short"}, "16"),
    ],
)
def test_bad_config_is_refused_when_the_integration_is_created(
    change: dict[str, Any], error: str
) -> None:
    with pytest.raises(ValueError, match=error):
        REGISTRY["generic_webhook"].config_model.model_validate({**gw.LIST_CONFIG, **change})


async def test_an_item_without_its_id_is_bad_input_and_nested_text_becomes_json() -> None:
    connector, conn = (
        REGISTRY["generic_webhook"].connector(),
        connect("generic_webhook", gw.LIST_CONFIG),
    )
    with pytest.raises(BadInput, match="external_id"):
        await connector.parse(conn, call(json_body({"messages": [{"body": "no id"}]}), {}))
    [message] = await connector.parse(
        conn, call(json_body({"messages": [{"id": 7, "body": {"blocks": ["hi"]}}]}), {})
    )
    assert (message.external_id, message.text) == ("7", '{"blocks": ["hi"]}')
    assert await connector.parse(conn, call(json_body({"event": "ping"}), {})) == []


async def test_callback_is_signed_with_the_same_scheme() -> None:
    recorder = Recorder()
    recorder.reset(Answer(200, {"ok": True}))
    connector = REGISTRY["generic_webhook"].connector()
    config = {**gw.OBJECT_CONFIG, "callback_url": "{base}/in", "allow_insecure_callback": True}
    with serve_app(recorder.app()) as base:
        conn = connect("generic_webhook", config, base)
        message = reply(text="Refund sent.", thread_key="88", customer={"external_id": "u1"})
        result = await connector.send(conn, message)
        assert conn.http is not None
        await conn.http.aclose()
    sent = recorder.requests[-1]
    stamp = sent.headers["x-timestamp"]
    mac = hmac.new(gw.SECRET.encode(), f"v0:{stamp}:".encode() + sent.body, hashlib.sha256)
    assert sent.headers["x-signature"] == base64.b64encode(mac.digest()).decode()
    assert sent.headers["x-switchboard-delivery"] == str(message.message_id)
    assert json.loads(sent.body)["customer"] == {"external_id": "u1"}
    assert result.external_id == str(message.message_id)  # the receiver named no id


async def test_without_a_callback_replies_are_final_once_stored() -> None:
    connector = REGISTRY["generic_webhook"].connector()
    conn = connect("generic_webhook", gw.OBJECT_CONFIG)
    assert connector.delivers(conn) is False
    with pytest.raises(BadInput, match="callback_url"):
        await connector.send(conn, reply(text="x"))


# --- rest_poller -----------------------------------------------------------------------------


@pytest.fixture
def rest() -> Iterator[tuple[RestFake, str]]:
    fake = RestFake(token=rp.TOKEN)
    with serve_app(fake.app()) as base:
        yield fake, base


def test_rest_poller_passes_the_conformance_checks() -> None:
    spec = REGISTRY["rest_poller"]
    assert check_spec(spec) and check_implementation(spec)
    connector = spec.connector()
    assert isinstance(connector, Poller) and isinstance(connector, Sender)


async def _drain(conn: Connection) -> list[list[str]]:
    """Poll as the runner does (more=True continues at once); the ids of each batch."""
    connector, batches = REGISTRY["rest_poller"].connector(), []
    while True:
        batch = await connector.poll(conn)
        await conn.persist_state(batch.state)
        batches.append([m.external_id for m in batch.messages])
        if not batch.more:
            return batches


async def test_rest_poller_pages_then_moves_the_cursor(rest: tuple[RestFake, str]) -> None:
    fake, base = rest
    for n in range(1, 6):
        fake.add(f"m-{n}", f"2024-11-20T10:0{n}:00Z", f"hello {n}")
    conn = connect("rest_poller", rp.CONFIG, base)
    assert await _drain(conn) == [["m-1", "m-2"], ["m-3", "m-4"], ["m-5"]]
    assert conn.state["cursor"] == "2024-11-20T10:05:00Z"
    assert [r.get("page") for r in fake.requests] == [None, "2", "3"]
    assert "since" not in fake.requests[0]  # the first poll backfills

    fake.add("m-6", "2024-11-20T10:06:00Z", "later")
    conn.state["polled_at"] = 0  # as if the interval had passed
    assert await _drain(conn) == [["m-6"]]
    assert fake.requests[-1]["since"] == "2024-11-20T10:05:00Z"
    assert conn.http is not None
    await conn.http.aclose()


async def test_rest_poller_waits_for_its_own_interval(rest: tuple[RestFake, str]) -> None:
    fake, base = rest
    fake.add("m-1", "2024-11-20T10:01:00Z", "hello")
    conn = connect("rest_poller", {**rp.CONFIG, "poll_interval_s": 3600}, base)
    assert await _drain(conn) == [["m-1"]]
    assert await _drain(conn) == [[]]
    assert len(fake.requests) == 1
    assert conn.http is not None
    await conn.http.aclose()


async def test_rest_poller_maps_statuses_and_skips_bots(rest: tuple[RestFake, str]) -> None:
    fake, base = rest
    fake.add("m-1", "2024-11-20T10:01:00Z", "hello")
    fake.add("b-1", "2024-11-20T10:02:00Z", "beep", bot=True)
    conn = connect("rest_poller", {**rp.CONFIG, "skip_when": "from.bot"}, base)
    assert await _drain(conn) == [["m-1"]]
    assert conn.state["cursor"] == "2024-11-20T10:02:00Z"  # skipped items still move it
    wrong = connect("rest_poller", {**rp.CONFIG, "auth_value": "Bearer nope"}, base)
    with pytest.raises(Exception, match="credentials"):
        await REGISTRY["rest_poller"].connector().poll(wrong)
    for conn_ in (conn, wrong):
        if conn_.http is not None:
            await conn_.http.aclose()


async def test_rest_poller_refuses_a_next_page_on_another_host(rest: tuple[RestFake, str]) -> None:
    _, base = rest
    conn = connect("rest_poller", rp.CONFIG, base)
    conn.state.update({"next": "https://evil.example.com/steal", "pages": 1})
    with pytest.raises(BadInput, match="another host"):
        await REGISTRY["rest_poller"].connector().poll(conn)


def test_rest_poller_numeric_cursors_compare_as_numbers() -> None:
    from ingestion.connectors.rest_poller import _newest

    assert _newest([9, "10", None]) == "10"
    assert _newest(["2024-11-20T10:00:00Z", "2024-11-19T23:00:00Z"]) == "2024-11-20T10:00:00Z"
    assert _newest([None, ""]) is None


async def test_rest_poller_page_tokens_keep_the_cursor_filter() -> None:
    recorder = Recorder()
    recorder.reset(Answer(200, {"data": [], "next": None}))
    item = {"id": "m-9", "body": "hi", "updated": 9}
    recorder.queue.extend(
        [
            Answer(200, {"data": [item], "cursor": "tok-2"}),
            Answer(200, {"data": [], "cursor": None}),
        ]
    )
    config = {**rp.CONFIG, "next_page": "cursor", "next_page_param": "page_token"}
    with serve_app(recorder.app()) as base:
        conn = connect("rest_poller", config, base)
        conn.state["cursor"] = 5
        assert await _drain(conn) == [["m-9"], []]
        assert conn.http is not None
        await conn.http.aclose()
    first, second = (r.query for r in recorder.requests)
    assert first == {"since": "5"} and second == {"since": "5", "page_token": "tok-2"}
    assert conn.state["cursor"] == 9
