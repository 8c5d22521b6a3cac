"""MLflow: one experiment per organization, one registered model per organization and task.

Every training run is an MLflow run with its params, metrics (per epoch where there are
epochs), the data snapshot id, the code version, the evaluation report and confusion matrix,
and the model itself (a pyfunc with signature and input example, the bundle as its artifact),
registered as a new version of `sb-<organization>-<name>`. Aliases `champion` and `challenger`
mark versions; stages are not used.

The MLflow run carries our run id as the tag `switchboard.run_id`, and registration looks for
a version with that tag first, so a run retried after a crash never registers twice.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from models.registry import registered_name

RUN_TAG = "switchboard.run_id"
CHAMPION = "champion"
CHALLENGER = "challenger"
PIP_REQUIREMENTS = ["switchboard", "onnxruntime", "tokenizers", "numpy", "scikit-learn", "pandas"]


@cache
def code_version() -> str:
    """The git commit of this checkout when there is one, else the package version."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],  # noqa: S607
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        if sha:
            return sha
    except (OSError, subprocess.SubprocessError):
        pass
    from importlib.metadata import PackageNotFoundError, version

    try:
        return "switchboard-" + version("switchboard")
    except PackageNotFoundError:
        return "unknown"


@contextlib.contextmanager
def _using(uri: str) -> Iterator[None]:
    """MLflow's fluent API on `uri`. `mlflow.set_tracking_uri` also writes the process's
    environment, which every child process (a Ray worker, a test's server) would inherit:
    the environment is put back afterwards."""
    import mlflow

    saved = {k: os.environ.get(k) for k in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")}
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _numeric(metrics: dict[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in metrics.items() if isinstance(v, int | float)}


class Tracker:
    """A thin layer over the MLflow client for one tracking server."""

    def __init__(self, uri: str) -> None:
        from mlflow.tracking import MlflowClient

        self.uri = uri
        self.client = MlflowClient(tracking_uri=uri, registry_uri=uri)

    def experiment_id(self, organization_id: str) -> str:
        name = f"switchboard/{organization_id}"
        found = self.client.get_experiment_by_name(name)
        if found is not None:
            return str(found.experiment_id)
        return str(self.client.create_experiment(name, tags={"switchboard.org": organization_id}))

    def registered(self, organization_id: str, name: str) -> str:
        """The registered model's name, created (with its tags) when missing."""
        from mlflow.exceptions import MlflowException

        registered = registered_name(organization_id, name)
        try:
            self.client.get_registered_model(registered)
        except MlflowException:
            try:
                self.client.create_registered_model(
                    registered,
                    tags={"switchboard.org": organization_id, "switchboard.task": name},
                    description=f"{name} model of organization {organization_id}",
                )
            except MlflowException:  # created meanwhile by another worker
                self.client.get_registered_model(registered)
        return registered

    def version_of_run(self, registered: str, run_id: str) -> str | None:
        found = self.client.search_model_versions(
            f"name = '{registered}' and tags.`{RUN_TAG}` = '{run_id}'"
        )
        return str(found[0].version) if found else None

    def log_version(
        self,
        *,
        organization_id: str,
        name: str,
        run_id: str,
        run_name: str,
        bundle_dir: Path,
        params: dict[str, Any],
        metrics: dict[str, Any],
        tags: dict[str, str],
        history: list[dict[str, float]] | None = None,
        documents: dict[str, Any] | None = None,
        files: list[Path] | None = None,
    ) -> tuple[str, str]:
        """Logs one MLflow run with the model and registers it: (mlflow run id, version).
        A version already registered for `run_id` is returned as it is."""
        import mlflow

        from training.pyfunc import BundleModel, signature_and_example

        registered = self.registered(organization_id, name)
        existing = self.version_of_run(registered, run_id)
        if existing is not None:
            version = self.client.get_model_version(registered, existing)
            return str(version.run_id), existing
        signature, example = signature_and_example()
        all_tags = {
            RUN_TAG: run_id,
            "switchboard.org": organization_id,
            "switchboard.task": name,
            "code_version": code_version(),
            **tags,
        }
        with (
            _using(self.uri),
            mlflow.start_run(
                experiment_id=self.experiment_id(organization_id), run_name=run_name, tags=all_tags
            ) as run,
        ):
            mlflow.log_params({k: _param(v) for k, v in params.items()})
            mlflow.log_metrics(_numeric(metrics))
            for step, epoch in enumerate(history or [], start=1):
                mlflow.log_metrics(_numeric({f"epoch_{k}": v for k, v in epoch.items()}), step=step)
            for artifact, document in (documents or {}).items():
                mlflow.log_dict(document, artifact)
            for path in files or []:
                mlflow.log_artifact(str(path), "data")
            logged = mlflow.pyfunc.log_model(
                name="model",
                python_model=BundleModel(),
                artifacts={"bundle": str(bundle_dir)},
                signature=signature,
                input_example=example,
                pip_requirements=PIP_REQUIREMENTS,
            )
        with _using(self.uri):
            version = mlflow.register_model(logged.model_uri, registered, tags={RUN_TAG: run_id})
        self.client.update_model_version(
            registered, version.version, description=json.dumps(_numeric(metrics))[:4000]
        )
        return str(run.info.run_id), str(version.version)

    def log_evaluation(
        self,
        organization_id: str,
        name: str,
        version: str,
        dataset: str,
        split: str,
        metrics: dict[str, Any],
        documents: dict[str, Any],
    ) -> str:
        """An evaluation of a registered version, as its own MLflow run."""
        import mlflow

        tags = {
            "switchboard.org": organization_id,
            "switchboard.kind": "evaluation",
            "model": registered_name(organization_id, name),
            "model_version": version,
            "dataset": dataset,
            "split": split,
            "code_version": code_version(),
        }
        with (
            _using(self.uri),
            mlflow.start_run(
                experiment_id=self.experiment_id(organization_id),
                run_name=f"evaluate-{name}-v{version}-{dataset}-{split}",
                tags=tags,
            ) as run,
        ):
            mlflow.log_metrics(_numeric(metrics))
            for artifact, document in documents.items():
                mlflow.log_dict(document, artifact)
        return str(run.info.run_id)

    def alias(self, organization_id: str, name: str, alias: str) -> str | None:
        from mlflow.exceptions import MlflowException

        try:
            found = self.client.get_model_version_by_alias(
                registered_name(organization_id, name), alias
            )
        except MlflowException:
            return None
        return str(found.version)

    def set_alias(self, organization_id: str, name: str, alias: str, version: str) -> None:
        self.client.set_registered_model_alias(
            registered_name(organization_id, name), alias, version
        )

    def delete_alias(self, organization_id: str, name: str, alias: str) -> None:
        from mlflow.exceptions import MlflowException

        with contextlib.suppress(MlflowException):
            self.client.delete_registered_model_alias(registered_name(organization_id, name), alias)

    def download_bundle(self, organization_id: str, name: str, version: str, path: Path) -> None:
        """The version's bundle artifact into `path` (through a temporary folder)."""
        import tempfile

        import mlflow

        source = f"models:/{registered_name(organization_id, name)}/{version}"
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=path.parent) as scratch, _using(self.uri):
            local = Path(mlflow.artifacts.download_artifacts(artifact_uri=source, dst_path=scratch))
            bundle = local / "artifacts" / "bundle"
            if not (bundle / "manifest.json").exists():
                raise FileNotFoundError(f"{source} has no bundle artifact")
            if not path.exists():
                bundle.rename(path)

    def load_document(self, run_id: str, artifact: str) -> Any | None:
        """A JSON document the run logged with `log_dict` (evaluation reports, confusion
        matrices), or None when the run has no such artifact."""
        import tempfile

        from mlflow.exceptions import MlflowException

        with tempfile.TemporaryDirectory() as scratch:
            try:
                local = self.client.download_artifacts(run_id, artifact, scratch)
                return json.loads(Path(local).read_text())
            except (MlflowException, OSError, ValueError):
                return None

    def run_url(self, experiment_id: str, run_id: str) -> str:
        return f"{self.uri.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}"


def _param(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text[:500]
