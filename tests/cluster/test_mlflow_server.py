"""The MLflow server the platform runs (PostgreSQL registry, served artifacts), through MLflow's
own client: a run with a metric and an artifact, a registered version with an alias, a download."""

from __future__ import annotations

import json
import uuid
from contextlib import ExitStack
from pathlib import Path

import mlflow
from mlflow import MlflowClient

from cluster import up
from store.settings import Settings


def test_a_run_its_artifact_and_a_registered_champion_round_trip(
    mlflow_uri: str, tmp_path: Path
) -> None:
    client = MlflowClient(tracking_uri=mlflow_uri, registry_uri=mlflow_uri)
    suffix = uuid.uuid4().hex[:8]
    experiment_id = client.create_experiment(f"intent-{suffix}")
    run = client.create_run(experiment_id)
    run_id = run.info.run_id
    # Served artifacts: the client uploads through the server, never to a path of its own.
    assert run.info.artifact_uri.startswith("mlflow-artifacts:/")

    client.log_metric(run_id, "macro_f1", 0.91, step=1)
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "head.json").write_text(json.dumps({"labels": ["refund", "track_order"]}))
    client.log_artifacts(run_id, str(bundle), artifact_path="model")
    client.set_terminated(run_id)

    finished = client.get_run(run_id)
    assert finished.info.status == "FINISHED"
    assert finished.data.metrics == {"macro_f1": 0.91}
    assert [f.path for f in client.list_artifacts(run_id, "model")] == ["model/head.json"]

    name = f"intent-head-{suffix}"
    client.create_registered_model(name, description="intent head (test)")
    version = client.create_model_version(
        name, source=f"{run.info.artifact_uri}/model", run_id=run_id
    )
    assert version.version == "1"
    client.set_registered_model_alias(name, "champion", version.version)

    champion = client.get_model_version_by_alias(name, "champion")
    assert (champion.name, champion.version, champion.run_id) == (name, "1", run_id)
    assert champion.aliases == ["champion"]

    # The champion's files, downloaded from the server's artifact store. (Not `models:/` with
    # download_artifacts(tracking_uri=): that resolves the registry from the process's default,
    # a ./mlflow.db, unless MLFLOW_TRACKING_URI or MLFLOW_REGISTRY_URI is set.)
    source = client.get_model_version_download_uri(name, champion.version)
    assert source.startswith("mlflow-artifacts:/")
    local = mlflow.artifacts.download_artifacts(
        artifact_uri=source, dst_path=str(tmp_path / "down"), tracking_uri=mlflow_uri
    )
    head = json.loads((Path(local) / "head.json").read_text())
    assert head == {"labels": ["refund", "track_order"]}


def test_the_launcher_uses_a_given_mlflow_and_hands_its_uri_to_the_replicas(tmp_path: Path) -> None:
    given = "http://mlflow.internal:5000"
    settings = Settings(data_dir=tmp_path, database_url="postgresql://db/x", redis_url="redis://r/0",
                        nats_url="nats://n:4222", mlflow_tracking_uri=given)  # fmt: skip
    with ExitStack() as stack:
        assert up.start_mlflow(settings, stack) is None  # nothing started: it is given
    assert not any(tmp_path.iterdir())
    assert up.replica_env(settings)["MLFLOW_TRACKING_URI"] == given
