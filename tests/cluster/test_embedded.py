"""Each embedded server starts from its wheel on a free port, works, and keeps data on restart."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import httpx
import nats
import psutil
import psycopg
import pytest
import redis

from cluster import testenv
from cluster.embedded import (
    EmbeddedMlflow,
    EmbeddedNats,
    EmbeddedPostgres,
    EmbeddedRedis,
    EmbeddedService,
    EmbeddedServiceError,
    bind_port,
)
from tests.conftest import BASE_DB, TEST_DB, database_url, drop_database


def test_postgres_serves_sql_and_keeps_rows_across_restart(tmp_path: Path) -> None:
    with EmbeddedPostgres(tmp_path) as pg:
        first_port = pg.port
        with psycopg.connect(pg.url, autocommit=True) as conn:
            conn.execute("CREATE TABLE notes (body text)")
            conn.execute("INSERT INTO notes VALUES ('kept')")
    with EmbeddedPostgres(tmp_path) as pg:
        assert pg.url.endswith("/switchboard")
        assert pg.port == first_port  # the remembered port is reused while free
        with psycopg.connect(pg.url) as conn:
            assert conn.execute("SELECT body FROM notes").fetchall() == [("kept",)]
    assert not (tmp_path / "postgres" / "pid").exists()


def test_redis_sets_gets_and_keeps_keys_across_restart(tmp_path: Path) -> None:
    with EmbeddedRedis(tmp_path) as server:
        client = redis.Redis.from_url(server.url)
        client.set("greeting", "hello")
        assert client.get("greeting") == b"hello"
        client.close()
    with EmbeddedRedis(tmp_path) as server:
        client = redis.Redis.from_url(server.url)
        assert client.get("greeting") == b"hello"
        client.close()


async def _add_stream_and_message(url: str) -> int:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        await js.add_stream(name="KEEP", subjects=["keep.>"])
        await js.publish("keep.one", b"payload")
        return (await js.account_info()).streams
    finally:
        await nc.close()


async def _read_kept_message(url: str) -> bytes:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        assert (await js.account_info()).streams == 1
        return (await js.get_msg("KEEP", seq=1)).data or b""
    finally:
        await nc.close()


async def test_nats_has_jetstream_and_keeps_streams_across_restart(tmp_path: Path) -> None:
    with EmbeddedNats(tmp_path) as server:
        assert await _add_stream_and_message(server.url) == 1
    with EmbeddedNats(tmp_path) as server:
        assert await _read_kept_message(server.url) == b"payload"


@pytest.mark.parametrize("kind", [EmbeddedPostgres, EmbeddedRedis, EmbeddedNats])
def test_a_server_left_running_by_a_killed_launcher_is_stopped_on_the_next_start(
    tmp_path: Path, kind: type[EmbeddedService]
) -> None:
    orphan = kind(tmp_path).start()  # never stopped, as after a SIGKILL of its launcher
    try:
        with kind(tmp_path) as server:
            assert orphan.proc is not None and orphan.proc.poll() is not None
            assert server.port == orphan.port  # freed, so the remembered port is reused
    finally:
        orphan.stop()


def test_a_server_that_cannot_start_says_so_and_names_its_log(tmp_path: Path) -> None:
    broken = EmbeddedPostgres(tmp_path)
    (broken.root / "data").mkdir(parents=True)
    (broken.root / "data" / "PG_VERSION").write_text("not a cluster")
    with pytest.raises(EmbeddedServiceError, match=r"postgres exited .*postgres\.log"):
        broken.start()
    assert broken.proc is None


def test_mlflow_creates_its_database_answers_and_leaves_no_process(tmp_path: Path) -> None:
    name = f"{TEST_DB}_mlflow_embedded"
    drop_database(name)
    try:
        with EmbeddedMlflow(tmp_path, BASE_DB, database=name) as server:
            assert server.database_url().endswith(f"/{name}")
            assert httpx.get(f"{server.url}/health").text == "OK"
            assert server.proc is not None
            started = psutil.Process(server.proc.pid).children(recursive=True)
            assert started, "mlflow server runs its uvicorn as a child"
            port = server.port
        with psycopg.connect(database_url(name)) as conn:  # its tables, in its own database
            assert conn.execute("SELECT count(*) FROM experiments").fetchone() == (1,)
        assert not any(child.is_running() for child in started)
        assert bind_port(port) == port
    finally:
        drop_database(name)


def test_mlflow_on_a_database_server_that_does_not_answer_says_so(tmp_path: Path) -> None:
    nowhere = f"postgresql://postgres:secret@127.0.0.1:{bind_port(0)}/postgres"
    server = EmbeddedMlflow(tmp_path, nowhere)
    with pytest.raises(EmbeddedServiceError, match=r"mlflow: cannot create its database") as error:
        server.start()
    assert "secret" not in str(error.value)
    assert server.proc is None


CHILD = """
import os, sys, psycopg, redis, socket
with psycopg.connect(os.environ["TEST_DATABASE_URL"], autocommit=True) as conn:
    conn.execute("CREATE DATABASE made_by_tests")  # the URL names a maintenance database
assert redis.Redis.from_url(os.environ["TEST_REDIS_URL"]).ping()
host, port = os.environ["TEST_NATS_URL"].removeprefix("nats://").split(":")
assert socket.create_connection((host, int(port))).recv(4).startswith(b"INFO")
print(os.environ["TEST_REDIS_URL"], end="")
sys.exit(3)
"""


def test_testenv_starts_what_does_not_answer_and_passes_on_the_exit_code(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    closed = [bind_port(0) or 0 for _ in testenv.SERVICES]  # nothing listens on these
    services = tuple(
        replace(s, default_port=p) for s, p in zip(testenv.SERVICES, closed, strict=True)
    )
    monkeypatch.setattr(testenv, "SERVICES", services)
    for service in services:
        monkeypatch.delenv(service.variable, raising=False)
    assert testenv.main(["--", sys.executable, "-c", CHILD]) == 3
    out, err = capfd.readouterr()
    assert out.startswith("redis://127.0.0.1:") and out.endswith("/15")
    assert err.count("testenv: embedded") == 3
