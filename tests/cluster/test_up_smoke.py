"""`make up` end to end: embedded boot, real HTTP, clean stop, no orphans, restart keeps data."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import psutil
import pytest
from pydantic import ValidationError

from cluster import up
from cluster.embedded import bind_port
from store.settings import Settings

REPO = Path(__file__).resolve().parents[2]
BOOT_TIMEOUT_S = 150.0
SERVICE_URLS = ("DATABASE_URL", "REDIS_URL", "NATS_URL")


def launch(data_dir: Path, port: int, log: Path, **extra: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in {*SERVICE_URLS, "SWITCHBOARD_ENV"}}
    env.update(DATA_DIR=str(data_dir), PORT=str(port), HF_HUB_OFFLINE="1", **extra)
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "cluster.up"], cwd=REPO, env=env, stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip


def wait_ready(proc: subprocess.Popen[bytes], api: str, data_dir: Path, log: Path) -> float:
    """Seconds until the launcher says it is up (stack.json) and /ready answers 200."""
    started = time.monotonic()
    while time.monotonic() - started < BOOT_TIMEOUT_S:
        assert proc.poll() is None, f"launcher exited {proc.returncode}:\n{log.read_text()[-3000:]}"
        try:
            up = (data_dir / "stack.json").is_file()
            if up and httpx.get(f"{api}/ready", timeout=3).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"/ready never answered 200:\n{log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen[bytes], sig: signal.Signals) -> list[str]:
    """Signal the launcher; return the processes it had started that are still alive after."""
    started = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(sig)
    assert proc.wait(90) == 0
    _, alive = psutil.wait_procs(started, timeout=20)
    survivors = []
    for child in alive:
        try:
            if child.status() != psutil.STATUS_ZOMBIE:
                survivors.append(f"{child.pid} {child.name()}")
        except psutil.NoSuchProcess:
            continue
    return survivors


def login(api: str, email: str, password: str) -> httpx.Response:
    return httpx.post(f"{api}/api/v1/auth/token", data={"username": email, "password": password})


def register(api: str) -> tuple[str, str]:
    email, password = f"smoke-{uuid.uuid4().hex[:8]}@example.com", "smoke test password"
    body = {"email": email, "password": password, "name": "Smoke", "organization_name": "Smoke Co"}
    answer = httpx.post(f"{api}/api/v1/auth/register", json=body, timeout=30)
    assert answer.status_code == 201, answer.text
    return email, password


def classify_through_serve(api: str, token: str) -> None:
    """Ingress → Classifier → Embedder over HTTP, one text and a batch."""
    headers = {"Authorization": f"Bearer {token}"}
    one = httpx.post(f"{api}/api/v1/classify", headers=headers, timeout=30,
                     json={"text": "Hi, where is my order #A-1234? It is late."})  # fmt: skip
    assert one.status_code == 200, one.text
    assert one.json()["intent"]["label"] == "track_order"
    texts = ["I want my money back", "please cancel my order", "unsubscribe me"] * 4
    many = httpx.post(f"{api}/api/v1/classify", headers=headers, json={"texts": texts}, timeout=30)
    assert many.status_code == 200, many.text
    assert len(many.json()["results"]) == len(texts)


@pytest.fixture
def launched() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Launchers a failing test left running get SIGTERM, so they still stop what they started."""
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(90)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.mark.slow
def test_up_serves_stops_cleanly_and_keeps_data_across_restart(
    tmp_path: Path, launched: list[subprocess.Popen[bytes]]
) -> None:
    data_dir, log, port = tmp_path / "data", tmp_path / "up.log", bind_port(0) or 8000
    api = f"http://127.0.0.1:{port}"
    launched.append(first := launch(data_dir, port, log))
    print(f"first boot to /ready: {wait_ready(first, api, data_dir, log):.1f} s")
    stack = json.loads((data_dir / "stack.json").read_text())
    assert stack["api_url"] == api and stack["database_url"].startswith("postgresql://")
    email, password = register(api)
    assert login(api, "demo@switchboard.local", "switchboard-demo").status_code == 200
    classify_through_serve(api, login(api, email, password).json()["access_token"])
    assert stop(first, signal.SIGINT) == []
    assert not (data_dir / "stack.json").exists()

    launched.append(second := launch(data_dir, port, log))
    print(f"restart to /ready: {wait_ready(second, api, data_dir, log):.1f} s")
    assert login(api, email, password).status_code == 200, "the restart lost the data"
    assert stop(second, signal.SIGTERM) == []


def test_production_without_service_urls_exits_quickly_with_a_clear_message(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_URLS}
    env.update(SWITCHBOARD_ENV="production", DATA_DIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "cluster.up"], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "DATABASE_URL" in done.stderr and "Traceback" not in done.stderr
    assert not any(tmp_path.iterdir())  # nothing was started


# In-process checks of the launcher's pieces (the boot above runs in a subprocess).


def test_config_error_names_what_production_needs() -> None:
    with pytest.raises(ValidationError) as error:
        Settings(switchboard_env="production")
    message = up.config_error(error.value)
    assert message.startswith("configuration error: production refuses embedded services")
    assert "Value error" not in message


def test_replicas_get_the_users_settings_and_the_chosen_urls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("jwt_secret", "x" * 40)  # Settings reads names case-insensitively
    monkeypatch.setenv("UNRELATED_VARIABLE", "no")
    settings = Settings(data_dir=tmp_path, database_url="postgresql://db/x",
                        redis_url="redis://r/0", nats_url="nats://n:4222")  # fmt: skip
    env = up.replica_env(settings)
    assert env["JWT_SECRET"] == "x" * 40 and "UNRELATED_VARIABLE" not in env
    assert env["DATABASE_URL"] == "postgresql://db/x" and env["NATS_URL"] == "nats://n:4222"
    assert env["DATA_DIR"] == str(tmp_path.resolve()) and env["SERVE_ENABLED"] == "true"


def test_a_failed_launch_stops_the_servers_it_started_and_restores_signals(
    tmp_path: Path,
) -> None:
    nowhere = f"postgresql://postgres@127.0.0.1:{bind_port(0)}/nowhere"
    settings = Settings(data_dir=tmp_path, port=bind_port(0) or 8000, database_url=nowhere,
                        nats_url="nats://x:1")  # fmt: skip
    before = signal.getsignal(signal.SIGINT)
    assert up.run(settings) == 1  # the database does not answer: migrations fail
    assert signal.getsignal(signal.SIGINT) is before
    redis_port = int((tmp_path / "redis" / "port").read_text())
    assert bind_port(redis_port) == redis_port, "the embedded redis is still listening"
    assert not (tmp_path / "stack.json").exists()


def test_a_busy_port_stops_the_launch_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        settings = Settings(data_dir=tmp_path / "data", port=busy.getsockname()[1])
        assert up.run(settings) == 1
    assert not (tmp_path / "data").exists()


def test_a_second_launcher_on_the_same_data_refuses_instead_of_stopping_the_first(
    tmp_path: Path,
) -> None:
    with (tmp_path / "up.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as the running launcher holds it
        assert up.run(Settings(data_dir=tmp_path, port=bind_port(0) or 8000)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["up.lock"]  # nothing was started


def test_stack_file_lists_the_urls_while_running_and_goes_away_after(tmp_path: Path) -> None:
    running = up.Running("http://127.0.0.1:1", "postgresql://d", "redis://r", "nats://n", [])
    with ExitStack() as stack:
        path = up.write_stack_file(Settings(data_dir=tmp_path), running, stack)
        body = json.loads(path.read_text())
        assert body["api_url"] == "http://127.0.0.1:1" and body["pid"] == os.getpid()
        assert set(body) == {"api_url", "database_url", "redis_url", "nats_url", "pid"}
    assert not path.exists()


def test_waiting_for_an_api_that_never_answers_times_out_with_the_reason() -> None:
    with pytest.raises(TimeoutError, match="did not answer 200"):
        up.wait_until_ready(f"http://127.0.0.1:{bind_port(0)}", timeout_s=1)
