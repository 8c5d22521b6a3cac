"""The model lifecycle through the API, on a real MLflow server and real PostgreSQL:
train (queued → worker → succeeded, logged and registered), gate, promote, classify with the new
version, refuse, force, roll back."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from mlflow.tracking import MlflowClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from api.runtime import Runtime
from models.registry import registered_name
from store.tables import Organization
from tests.conftest import Tenant, add_user
from training.lifecycle import Lifecycle
from training.runner import TrainingWorker
from training.tracking import Tracker

# Five Banking77 intents, 60 examples per split: a run takes seconds.
LABELS = ["card_arrival", "lost_or_stolen_card", "exchange_rate", "top_up_failed", "pin_blocked"]
RUN = {
    "dataset": "banking77",
    "trainer": "embedding-logreg",
    "params": {"labels": LABELS, "limit": 60, "c_grid": [4.0, 16.0], "ngrams": False},
}


@pytest.fixture
async def lifecycle(
    runtime: Runtime, mlflow_uri: str, settings: object
) -> AsyncIterator[Lifecycle]:
    runtime._lifecycle = Lifecycle(Tracker(mlflow_uri), runtime.settings.org_models_dir)
    yield runtime._lifecycle
    runtime._lifecycle = None


@pytest.fixture
def worker(db: AsyncConnection, lifecycle: Lifecycle, tmp_path: Path) -> TrainingWorker:
    """The training worker on the test's transaction (it sees the tenant the test made)."""
    sessions = async_sessionmaker(
        bind=db,
        class_=AsyncSession,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
    )
    return TrainingWorker(sessions, lifecycle, workdir=tmp_path, heartbeat_s=3600, use_ray=False)


async def _train(client: httpx.AsyncClient, tenant: Tenant, worker: TrainingWorker) -> dict:
    r = await client.post("/api/v1/training/runs", headers=tenant.headers, json=RUN)
    assert r.status_code == 202, r.text
    run_id = r.json()["id"]
    assert r.json()["status"] == "queued"
    queued = await client.get(f"/api/v1/training/runs/{run_id}", headers=tenant.headers)
    assert queued.json()["status"] == "queued" and queued.json()["progress"] == 0.0
    assert str(await worker.run_once()) == run_id
    done = await client.get(f"/api/v1/training/runs/{run_id}", headers=tenant.headers)
    assert done.status_code == 200
    return done.json()


async def _classify(client: httpx.AsyncClient, tenant: Tenant, text: str) -> dict:
    r = await client.post("/api/v1/classify", headers=tenant.headers, json={"text": text})
    assert r.status_code == 200, r.text
    return r.json()


async def test_train_promote_classify_refuse_force_and_roll_back(
    client: httpx.AsyncClient,
    tenant: Tenant,
    worker: TrainingWorker,
    mlflow_uri: str,
    session: AsyncSession,
) -> None:
    before = await _classify(client, tenant, "My card still hasn't arrived, when will it come?")
    assert before["model_version"].startswith("default-intent")

    run = await _train(client, tenant, worker)
    assert run["status"] == "succeeded", run["error"]
    assert run["progress"] == 1.0
    assert run["model_name"] == "intent" and run["model_version"] == "2"
    metrics = run["metrics"]
    for key in ("accuracy", "macro_f1", "ece", "gate_accuracy", "validation_accuracy"):
        assert 0.0 <= metrics[key] <= 1.0, key
    assert metrics["test_accuracy"] > 0.6  # five intents: far above chance (0.2)
    assert metrics["latency_p95_ms"] > 0 and metrics["snapshot_id"].startswith("snap-")

    # MLflow holds the run (params, metrics, tags, evaluation artifacts) and the registered
    # versions: the shipped default as champion (1), the new one as challenger (2).
    mlflow = MlflowClient(tracking_uri=mlflow_uri, registry_uri=mlflow_uri)
    name = registered_name(tenant.org_id, "intent")
    assert mlflow.get_model_version_by_alias(name, "champion").version == "1"
    assert mlflow.get_model_version_by_alias(name, "challenger").version == "2"
    logged = mlflow.get_run(run["mlflow_run_id"])
    assert logged.data.params["dataset"] == "banking77"
    assert logged.data.metrics["test_accuracy"] == pytest.approx(metrics["test_accuracy"])
    assert logged.data.tags["snapshot_id"] == metrics["snapshot_id"]
    assert logged.data.tags["code_version"]
    files = {f.path for f in mlflow.list_artifacts(run["mlflow_run_id"], "evaluation")}
    assert "evaluation/test_confusion.json" in files and "evaluation/test_report.json" in files

    listed = await client.get("/api/v1/models", headers=tenant.headers)
    model = listed.json()["items"][0]
    assert (model["champion"], model["challenger"]) == ("1", "2")
    assert [v["version"] for v in model["versions"]] == ["1", "2"]

    promoted = await client.post(
        "/api/v1/models/intent/promote", headers=tenant.headers, json={"version": "2"}
    )
    assert promoted.status_code == 200, promoted.text
    body = promoted.json()
    assert body["outcome"] == "promoted" and body["from_version"] == "1"
    numbers = body["numbers"]
    assert numbers["challenger"]["accuracy"] > numbers["champion"]["accuracy"] + 0.005
    assert numbers["gate_examples"] == numbers["challenger"]["n"] == numbers["champion"]["n"]
    assert mlflow.get_model_version_by_alias(name, "champion").version == "2"

    after = await _classify(client, tenant, "My card still hasn't arrived, when will it come?")
    assert after["model_version"] == "intent:2"
    assert after["intent"]["label"] in LABELS

    # A stricter gate refuses going back to the default: 409 with the numbers, and recorded.
    await session.execute(
        update(Organization)
        .where(Organization.id == uuid.UUID(tenant.org_id))
        .values(settings={"promotion_gate": {"metric": "macro_f1", "margin": 0.01}})
    )
    refused = await client.post(
        "/api/v1/models/intent/promote", headers=tenant.headers, json={"version": "1"}
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["details"], refused.text
    details = refused.json()["error"]["details"]["numbers"]
    assert details["metric"] == "macro_f1" and details["passed"] is False
    assert (await _classify(client, tenant, "hello"))["model_version"] == "intent:2"

    member = await add_user(client, tenant, "member")
    forbidden = await client.post(
        "/api/v1/models/intent/promote", headers=member.headers, json={"version": "1"}
    )
    assert forbidden.status_code == 403
    forced = await client.post(
        "/api/v1/models/intent/promote",
        headers=tenant.headers,
        json={"version": "1", "force": True},
    )
    assert forced.status_code == 200 and forced.json()["outcome"] == "forced"

    back = await client.post("/api/v1/models/intent/rollback", headers=tenant.headers, json={})
    assert back.status_code == 200, back.text
    assert (back.json()["from_version"], back.json()["to_version"]) == ("1", "2")
    assert (await _classify(client, tenant, "hello"))["model_version"] == "intent:2"
    assert mlflow.get_model_version_by_alias(name, "champion").version == "2"

    history = await client.get("/api/v1/models/intent/promotions", headers=tenant.headers)
    outcomes = [p["outcome"] for p in history.json()["items"]]
    assert outcomes == ["rolled_back", "forced", "refused", "promoted"]


async def test_bad_training_requests_are_refused_with_reasons(
    client: httpx.AsyncClient, tenant: Tenant, lifecycle: Lifecycle
) -> None:
    cases = [
        {"dataset": "imagenet"},
        {"dataset": "banking77", "trainer": "magic"},
        {"dataset": "banking77", "params": {"epochs": 0}},
        {"dataset": "banking77", "params": {"epochs": 2.5}},
        {"dataset": "banking77", "params": {"learning_rate": "fast"}},
        {"dataset": "banking77", "params": {"rm -rf": 1}},
        {"dataset": "banking77", "params": {"labels": ["only-one"]}},
        {"dataset": "banking77", "task": "summarize"},
        {"dataset": "banking77", "surprise": True},
    ]
    for body in cases:
        r = await client.post("/api/v1/training/runs", headers=tenant.headers, json=body)
        assert r.status_code == 422, (body, r.text)
    listed = await client.get("/api/v1/training/runs", headers=tenant.headers)
    assert listed.json()["items"] == []
    member = await add_user(client, tenant, "member")
    r = await client.post("/api/v1/training/runs", headers=member.headers, json=RUN)
    assert r.status_code == 403


async def test_runs_and_models_are_scoped_to_the_organization(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    lifecycle: Lifecycle,
) -> None:
    r = await client.post("/api/v1/training/runs", headers=tenant.headers, json=RUN)
    run_id = r.json()["id"]
    assert (
        await client.get(f"/api/v1/training/runs/{run_id}", headers=other_tenant.headers)
    ).status_code == 404
    assert (await client.get("/api/v1/training/runs", headers=other_tenant.headers)).json()[
        "items"
    ] == []
    promote = await client.post(
        "/api/v1/models/intent/promote", headers=other_tenant.headers, json={"version": "2"}
    )
    assert promote.status_code == 404


async def test_without_a_registry_training_answers_503(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime
) -> None:
    assert runtime.settings.mlflow_tracking_uri is None and runtime._lifecycle is None
    r = await client.post("/api/v1/training/runs", headers=tenant.headers, json=RUN)
    assert r.status_code == 503


async def test_the_promotion_gate_is_validated_when_set(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for gate in ({"metric": "vibes"}, {"margin": -1}, {"max_latency_p95_ms": 0}, {"extra": 1}):
        r = await client.patch(
            "/api/v1/organization",
            headers=tenant.headers,
            json={"settings": {"promotion_gate": gate}},
        )
        assert r.status_code == 422, (gate, r.text)
    r = await client.patch(
        "/api/v1/organization",
        headers=tenant.headers,
        json={"settings": {"promotion_gate": {"metric": "macro_f1", "margin": 0.01}}},
    )
    assert r.status_code == 200, r.text
    assert r.json()["settings"]["promotion_gate"] == {
        "metric": "macro_f1",
        "margin": 0.01,
        "max_latency_p95_ms": 100.0,
    }


async def test_version_details_show_the_evaluation_training_logged(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, worker: TrainingWorker
) -> None:
    small = {**RUN, "params": {**RUN["params"], "limit": 30}}
    r = await client.post("/api/v1/training/runs", headers=tenant.headers, json=small)
    assert r.status_code == 202, r.text
    await worker.run_once()
    path = "/api/v1/models/intent/versions/{}/details"

    trained = await client.get(path.format(2), headers=tenant.headers)
    assert trained.status_code == 200, trained.text
    details = trained.json()
    assert details["version"] == "2" and details["aliases"] == ["challenger"]
    assert details["split"] == details["metrics"]["reported_on"] == "test"
    assert details["metrics"]["test_accuracy"] > 0.4
    report, confusion = details["report"], details["confusion"]
    assert {c["label"] for c in report} == set(confusion["labels"]) <= set(LABELS)
    for row in report:
        assert set(row) == {"label", "precision", "recall", "f1", "support"}
        assert 0 <= row["f1"] <= 1 and row["support"] >= 0
    size = len(confusion["labels"])
    assert len(confusion["matrix"]) == size and all(len(r) == size for r in confusion["matrix"])
    assert sum(map(sum, confusion["matrix"])) == sum(c["support"] for c in report)

    # The shipped default logged no evaluation: metrics only.
    default = (await client.get(path.format(1), headers=tenant.headers)).json()
    assert default["version"] == "1" and default["report"] is None and default["confusion"] is None

    for who, url, status in (
        (tenant, path.format(9), 404),
        (other_tenant, path.format(2), 404),
        (tenant, "/api/v1/models/sentiment/versions/1/details", 404),
        (tenant, path.format("two"), 422),
    ):
        answer = await client.get(url, headers=who.headers)
        assert answer.status_code == status, (url, answer.text)
