"""What the adapters share (Retry-After, status tables, the client cache) and the LLM fakes'
own controls: the HTTP admin routes and the standalone process."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from routing.providers.clients import ClientCache
from routing.providers.failures import (
    StatusKinds,
    duration_s,
    kind_for_status,
    redact,
    retry_after_s,
)
from tests.fakes.http_server import free_port, serve_app
from tests.fakes.llm import OpenAIFake


def in_seconds(seconds: float) -> str:
    return format_datetime(datetime.now(UTC) + timedelta(seconds=seconds), usegmt=True)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "2"}, 2.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),
        ({"retry-after": in_seconds(-60)}, 0.0),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "-3"}, None),
        ({}, None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_milliseconds_and_dates(
    headers: dict[str, str] | None, expected: float | None
) -> None:
    assert retry_after_s(headers) == expected


def test_retry_after_as_a_future_http_date() -> None:
    waited = retry_after_s({"retry-after": in_seconds(30)})
    assert waited is not None and 28 <= waited <= 30


def test_google_durations_and_unlisted_statuses() -> None:
    assert (duration_s("37s"), duration_s("1.5s"), duration_s("soon"), duration_s(3)) == (
        37.0, 1.5, None, None,
    )  # fmt: skip
    table: StatusKinds = {429: "retriable"}
    assert [kind_for_status(s, table) for s in (429, 502, 418)] == [
        "retriable", "retriable", "invalid",
    ]  # fmt: skip
    assert redact("bad key sk-123 given", "sk-123") == "bad key *** given"


async def test_the_client_cache_evicts_the_least_recent_and_closes_it_later() -> None:
    built: list[str] = []
    closed: list[str] = []

    async def close(client: str) -> None:
        closed.append(client)

    def build(url: str | None, key: str) -> str:
        built.append(key)
        return key

    cache: ClientCache[str] = ClientCache(build, close, size=2)
    assert cache.get("u", "a") == "a" and cache.get("u", "b") == "b"
    assert cache.get("u", "a") == "a" and built == ["a", "b"]  # reused, and now most recent
    cache.get("u", "c")
    assert len(cache) == 2 and closed == []  # "b" may still be serving a call
    await cache.aclose()
    assert sorted(closed) == ["a", "b", "c"]


async def test_faults_and_requests_are_reachable_over_http() -> None:
    fake = OpenAIFake()
    with serve_app(fake.app) as url:
        async with httpx.AsyncClient(base_url=url) as http:
            r = await http.post("/_fake/faults", json={"push": [{"status": 503}]})
            assert r.json() == {"pending": 1}
            chat = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
            auth = {"authorization": "Bearer k"}
            r = await http.post("/v1/chat/completions", json=chat, headers=auth)
            assert r.status_code == 503 and r.json()["error"]["type"] == "server_error"
            listed = (await http.get("/_fake/requests")).json()
            assert [q["body"] for q in listed] == [chat]
            models = (await http.get("/v1/models", headers=auth)).json()
            assert models["object"] == "list" and models["data"]


def test_a_fake_runs_as_its_own_process() -> None:
    port = free_port()
    command = [sys.executable, "-m", "tests.fakes.llm", "--kind", "anthropic", "--port", str(port)]
    command += ["--fail-status", "529", "--retry-after", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        response = None
        deadline = time.monotonic() + 20
        while response is None and time.monotonic() < deadline:
            try:
                response = httpx.post(
                    f"http://127.0.0.1:{port}/v1/messages",
                    headers={"x-api-key": "k", "anthropic-version": "2023-06-01"},
                    json={"model": "m", "max_tokens": 5, "messages": []},
                )
            except httpx.ConnectError:
                time.sleep(0.05)
        assert response is not None and response.status_code == 529
        assert response.headers["retry-after"] == "1"
        assert response.json()["error"]["type"] == "overloaded_error"
    finally:
        process.terminate()
        process.wait(timeout=10)
