"""Fetching an organization's model bundle from the model registry (MLflow) onto this node.

The trainer writes each bundle into the shared model folder and logs it to MLflow as the
registered version's `bundle` artifact. A replica on a node that lacks the folder downloads it
from there (`MLFLOW_TRACKING_URI`), into a temporary folder renamed into place, so a half
download is never loaded.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from models.registry import parse_model_id, registered_name


def fetch_from_registry(model_id: str, path: Path) -> None:
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if not uri:
        raise FileNotFoundError(
            f"model {model_id} is not on this node and MLFLOW_TRACKING_URI is unset"
        )
    import mlflow
    from mlflow.exceptions import MlflowException

    organization_id, name, version = parse_model_id(model_id)
    source = f"models:/{registered_name(organization_id, name)}/{version}"
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as scratch:
        mlflow.set_tracking_uri(uri)
        mlflow.set_registry_uri(uri)
        try:
            local = Path(mlflow.artifacts.download_artifacts(artifact_uri=source, dst_path=scratch))
        except MlflowException as exc:  # unknown to the registry: as missing as can be
            raise FileNotFoundError(f"model {model_id} is in neither {path} nor {source}") from exc
        bundle = local / "artifacts" / "bundle"
        if not (bundle / "manifest.json").exists():
            raise FileNotFoundError(f"{source} has no bundle artifact")
        if not path.exists():
            shutil.move(str(bundle), str(path))
