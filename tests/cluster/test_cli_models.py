"""`switchboard train/runs/models/evaluate/promote/rollback` against a real HTTP server: the app
is served by uvicorn on the test's event loop (which owns the test's transaction), and the CLI
runs in a worker thread, as an engineer's terminal would, with an API key from the environment."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from api.deps import get_session
from api.runtime import Runtime
from cluster import cli, models_cli
from store.tables import Organization
from tests.conftest import Tenant, build_test_app
from training.lifecycle import Lifecycle
from training.runner import TrainingWorker
from training.tracking import Tracker

LABELS = ["card_arrival", "lost_or_stolen_card", "exchange_rate"]
TRAIN = [
    "train",
    "--dataset",
    "banking77",
    "--param",
    f"labels={','.join(LABELS)}",
    "--param",
    "limit=40",
    "--param",
    "ngrams=false",
]
MLFLOW_LINK = re.compile(r"\S+ View (run|experiment)\b.* at: http")
MODEL_SCOPES = ["read:models", "train:models", "promote:models"]


@dataclass
class Ran:
    code: int
    out: str
    err: str


Cli = Callable[..., Coroutine[Any, Any, Ran]]


def invoke(argv: list[str]) -> int:
    try:
        return cli.main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


@pytest.fixture
def turns() -> asyncio.Lock:
    """The test's one database connection, taken in turns by requests and the worker."""
    return asyncio.Lock()


@pytest.fixture
async def server(runtime: Runtime, db: AsyncConnection, turns: asyncio.Lock) -> AsyncIterator[str]:
    app = build_test_app(runtime, db)

    async def session_in_turn() -> AsyncIterator[AsyncSession]:
        async with (
            turns,
            AsyncSession(
                bind=db, join_transaction_mode="create_savepoint", expire_on_commit=False
            ) as session,
        ):
            yield session

    app.dependency_overrides[get_session] = session_in_turn
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, lifespan="off", log_config=None, log_level="warning")
    served = uvicorn.Server(config)
    task = asyncio.create_task(served.serve(sockets=[sock]))
    while not served.started:
        assert not task.done(), "uvicorn did not start"
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    served.should_exit = True
    await task


@pytest.fixture
async def lifecycle(runtime: Runtime, mlflow_uri: str) -> AsyncIterator[Lifecycle]:
    runtime._lifecycle = Lifecycle(Tracker(mlflow_uri), runtime.settings.org_models_dir)
    yield runtime._lifecycle
    runtime._lifecycle = None


@pytest.fixture
def worker(
    db: AsyncConnection, lifecycle: Lifecycle, turns: asyncio.Lock, tmp_path: Path
) -> TrainingWorker:
    """The training worker on the test's transaction, taking its turn on the connection."""
    sessions = async_sessionmaker(
        bind=db, class_=AsyncSession, join_transaction_mode="create_savepoint"
    )

    @contextlib.asynccontextmanager
    async def session_in_turn() -> AsyncIterator[AsyncSession]:
        async with turns, sessions() as session:
            yield session

    return TrainingWorker(
        session_in_turn,  # type: ignore[arg-type]
        lifecycle,
        workdir=tmp_path,
        heartbeat_s=3600,
        use_ray=False,
    )


async def create_key(client: httpx.AsyncClient, tenant: Tenant, scopes: list[str]) -> str:
    r = await client.post(
        "/api/v1/api-keys", headers=tenant.headers, json={"name": "ml cli", "scopes": scopes}
    )
    assert r.status_code == 201, r.text
    key: str = r.json()["key"]
    assert key.startswith("sb_")
    return key


async def gate(session: AsyncSession, tenant: Tenant, *, metric: str, margin: float) -> None:
    """The organization's promotion gate; a generous latency limit, as this machine is shared."""
    rule = {"metric": metric, "margin": margin, "max_latency_p95_ms": 1000}
    await session.execute(
        update(Organization)
        .where(Organization.id == uuid.UUID(tenant.org_id))
        .values(settings={"promotion_gate": rule})
    )


def server_side_removed(out: str) -> str:
    """The MLflow client in the server (this process) prints links to what it logs."""
    lines = out.splitlines(keepends=True)
    return "".join(line for line in lines if not MLFLOW_LINK.match(line))


@pytest.fixture
def run_cli(
    server: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[[str], Cli]:
    """`run_cli(key)(*argv)`: the CLI in a thread against the server, the key in
    SWITCHBOARD_API_KEY (unless `in_env=False`) and never in what the CLI prints."""
    monkeypatch.setenv("SWITCHBOARD_URL", server)
    monkeypatch.setattr(models_cli, "POLL_S", 0.5)

    def with_key(key: str, *, in_env: bool = True) -> Cli:
        async def run(*argv: str) -> Ran:
            monkeypatch.setenv("SWITCHBOARD_API_KEY", key if in_env else "")
            code = await asyncio.to_thread(invoke, list(argv))
            out, err = capsys.readouterr()
            assert key not in out + err
            return Ran(code, server_side_removed(out), err)

        return run

    return with_key


async def test_train_wait_models_evaluate_promote_refuse_and_roll_back(
    client: httpx.AsyncClient,
    tenant: Tenant,
    run_cli: Callable[[str], Cli],
    worker: TrainingWorker,
    session: AsyncSession,
) -> None:
    sb = run_cli(await create_key(client, tenant, MODEL_SCOPES))
    await gate(session, tenant, metric="accuracy", margin=0.005)

    following = asyncio.ensure_future(sb(*TRAIN, "--wait"))
    async with asyncio.timeout(600):
        while await worker.run_once() is None:  # until the CLI's run is queued
            assert not following.done(), following.result()
            await asyncio.sleep(0.1)
        trained = await following
    assert trained.code == 0, trained.err
    lines = trained.out.splitlines()
    assert lines[0].startswith("run ") and lines[0].endswith(" queued")
    run_id = lines[0].split()[1]
    assert any(line.split()[:2] == ["succeeded", "100%"] for line in lines)
    assert "succeeded: intent version 2, now the challenger" in trained.out
    for metric in ("accuracy", "macro_f1", "ece", "test_accuracy", "gate_accuracy"):
        assert any(line.split()[:1] == [metric] for line in lines), metric
    assert "latency_p95_ms" in trained.out
    assert "switchboard promote --version 2" in trained.out

    runs = await sb("runs")
    assert runs.code == 0
    row = next(line.split() for line in runs.out.splitlines() if line.startswith(run_id))
    assert row[1:6] == ["succeeded", "100%", "banking77", "embedding-logreg", "2"]
    assert 0.0 <= float(row[6]) <= 1.0

    models = await sb("models")
    assert models.code == 0
    assert models.out.startswith("intent: champion 1, challenger 2")
    versions = {line.split()[0]: line.split()[1] for line in models.out.splitlines()[2:]}
    assert versions == {"1": "champion", "2": "challenger"}

    scored = await sb("evaluate", "--version", "2", "--dataset", "banking77", "--limit", "20")
    assert scored.code == 0, scored.err
    assert scored.out.startswith("intent version 2 on banking77 test:")
    assert "test_accuracy" in scored.out and "logged to MLflow run" in scored.out

    promoted = await sb("promote", "--version", "2")
    assert promoted.code == 0, promoted.err
    assert promoted.out.startswith("promoted: intent version 2 is champion")
    assert "gate on accuracy (banking77" in promoted.out
    assert "challenger v2" in promoted.out and "champion   v1" in promoted.out
    assert "latency p95" in promoted.out

    await gate(session, tenant, metric="macro_f1", margin=0.01)
    refused = await sb("promote", "--version", "1")
    assert refused.code == 1
    assert refused.out.startswith("refused: gate macro_f1")
    assert "gate on macro_f1" in refused.out and "margin 0.01" in refused.out
    assert "challenger v1" in refused.out and "champion   v2" in refused.out

    back = await sb("rollback")
    assert back.code == 0, back.err
    assert back.out.strip() == "rolled back intent: champion 2 -> 1"


async def test_train_wait_exits_1_with_the_error_when_the_run_fails(
    client: httpx.AsyncClient,
    tenant: Tenant,
    run_cli: Callable[[str], Cli],
    worker: TrainingWorker,
) -> None:
    sb = run_cli(await create_key(client, tenant, MODEL_SCOPES))
    following = asyncio.ensure_future(
        sb("train", "--dataset", "org", "--param", "base=none", "--wait")
    )
    async with asyncio.timeout(300):
        while await worker.run_once() is None:
            assert not following.done(), following.result()
            await asyncio.sleep(0.1)
        failed = await following
    assert failed.code == 1
    assert failed.out.splitlines()[-1].split()[:2] == ["failed", "0%"]
    assert "failed: the organization has 0 labelled intent examples" in failed.err


async def test_train_queues_a_run_with_parsed_params_from_a_token_file(
    client: httpx.AsyncClient,
    tenant: Tenant,
    run_cli: Callable[[str], Cli],
    lifecycle: Lifecycle,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(await create_key(client, tenant, MODEL_SCOPES) + "\n")
    sb = run_cli(key_file.read_text().strip(), in_env=False)  # the file is the credential
    queued = await sb(*TRAIN, "--token-file", str(key_file))
    assert queued.code == 0, queued.err
    run_id = queued.out.split()[1]
    assert uuid.UUID(run_id)

    listed = await sb("runs", "--status", "queued", "--json", "--token-file", str(key_file))
    assert listed.code == 0
    [run] = json.loads(listed.out)["items"]
    assert run["id"] == run_id
    assert run["params"] == {"labels": LABELS, "limit": 40, "ngrams": False}

    invalid = await sb(
        "train", "--dataset", "bitext", "--param", "epochs=0", "--token-file", str(key_file)
    )
    assert invalid.code == 1
    assert "switchboard: 422 invalid request" in invalid.err
    assert "params: Value error, params.epochs must be between 1 and 50" in invalid.err

    missing = await sb(
        "evaluate", "--version", "99", "--dataset", "banking77", "--token-file", str(key_file)
    )
    assert (missing.code, missing.err) == (1, "switchboard: 404 model intent has no version 99\n")


async def test_a_key_without_the_scope_or_a_bad_key_exits_2_with_a_hint(
    client: httpx.AsyncClient, tenant: Tenant, run_cli: Callable[[str], Cli]
) -> None:
    reader = run_cli(await create_key(client, tenant, ["read:models"]))
    assert (await reader("runs")).out == "no training runs\n"
    denied = await reader(*TRAIN)
    assert denied.code == 2
    assert denied.err.startswith("switchboard: 403 missing permission train:models\n")
    assert "hint: the key lacks train:models" in denied.err

    full = run_cli(await create_key(client, tenant, MODEL_SCOPES))
    forced = await full("promote", "--version", "1", "--force")
    assert forced.code == 2 and "an admin user's token (--token-file)" in forced.err

    bogus = await run_cli("sb_notarealkey_0123456789")("models")
    assert bogus.code == 2
    assert "401" in bogus.err and "invalid, revoked or expired" in bogus.err


def test_without_a_credential_the_cli_exits_2_and_says_what_to_set(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.delenv("SWITCHBOARD_API_KEY", raising=False)
    assert invoke(["models"]) == 2
    assert "set SWITCHBOARD_API_KEY" in capsys.readouterr().err
    assert invoke(["models", "--token-file", str(tmp_path / "absent")]) == 2
    assert "cannot read --token-file" in capsys.readouterr().err


def test_an_unreachable_server_exits_1_without_showing_the_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:  # a port nobody listens on once it is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("SWITCHBOARD_API_KEY", "sb_secret_never_printed")
    assert invoke(["runs", "--url", f"http://127.0.0.1:{port}"]) == 1
    out, err = capsys.readouterr()
    assert f"cannot connect to http://127.0.0.1:{port}" in err
    assert "sb_secret_never_printed" not in out + err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("epochs=3", ("epochs", 3)),
        ("learning_rate=2e-5", ("learning_rate", 2e-5)),
        ("ngrams=false", ("ngrams", False)),
        ("ngrams=True", ("ngrams", True)),
        ("ngrams=auto", ("ngrams", "auto")),
        ("base=none", ("base", "none")),
        ("labels=a, b,c", ("labels", ["a", "b", "c"])),
        ('labels=["a","b"]', ("labels", ["a", "b"])),
        ("c_grid=1,4.5,16", ("c_grid", [1, 4.5, 16])),
    ],
)
def test_params_parse_as_json_values_and_comma_lists(text: str, expected: tuple[str, Any]) -> None:
    assert models_cli.param(text) == expected


def test_a_param_without_a_value_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert invoke(["train", "--dataset", "bitext", "--param", "epochs"]) == 2
    assert "use key=value" in capsys.readouterr().err
