"""Training runs: what may be asked for, and what a run looks like."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator

from api.schemas import ReadModel, RequestModel

Dataset = Literal["banking77", "clinc150", "bitext", "org"]
Trainer = Literal["embedding-logreg", "finetune"]
RunStatus = Literal["queued", "running", "succeeded", "failed"]

# Parameters a caller may set, with their bounds: anything else is a 422.
PARAM_BOUNDS: dict[str, tuple[type, float, float]] = {
    "epochs": (int, 1, 50),
    "batch_size": (int, 4, 256),
    "learning_rate": (float, 1e-7, 1e-2),
    "head_learning_rate": (float, 1e-6, 1.0),
    "max_length": (int, 8, 512),
    "max_steps": (int, 1, 1_000_000),
    "label_smoothing": (float, 0.0, 0.5),
    "seed": (int, 0, 2**31 - 1),
    "limit": (int, 10, 1_000_000),
}


class TrainingRunCreate(RequestModel):
    task: Literal["intent"] = "intent"
    dataset: Dataset
    trainer: Trainer = "embedding-logreg"
    params: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "Optional: epochs, batch_size, learning_rate, head_learning_rate, max_length, "
            "max_steps, label_smoothing, seed (finetune); ngrams (true|false|'auto'), c_grid "
            "(embedding-logreg); limit (examples per split), labels (train on these only); "
            "base (for dataset 'org': the public data merged in, default 'bitext', or 'none')."
        ),
    )

    @field_validator("params")
    @classmethod
    def _check_params(cls, params: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in params.items():
            if key in PARAM_BOUNDS:
                kind, low, high = PARAM_BOUNDS[key]
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ValueError(f"params.{key} must be a number")
                if kind is int and int(value) != value:
                    raise ValueError(f"params.{key} must be a whole number")
                if not low <= value <= high:
                    raise ValueError(f"params.{key} must be between {low:g} and {high:g}")
                out[key] = kind(value)
            elif key == "ngrams":
                if value not in (True, False, "auto"):
                    raise ValueError("params.ngrams must be true, false or 'auto'")
                out[key] = value
            elif key == "c_grid":
                if (
                    not isinstance(value, list)
                    or not 1 <= len(value) <= 8
                    or not all(isinstance(c, int | float) and 0 < c <= 1e4 for c in value)
                ):
                    raise ValueError("params.c_grid must be 1-8 positive numbers")
                out[key] = [float(c) for c in value]
            elif key == "labels":
                if (
                    not isinstance(value, list)
                    or not 2 <= len(value) <= 1000
                    or not all(isinstance(x, str) and 0 < len(x) <= 80 for x in value)
                ):
                    raise ValueError("params.labels must be 2-1000 label names")
                out[key] = value
            elif key == "base":
                if value not in ("banking77", "clinc150", "bitext", "none"):
                    raise ValueError("params.base must be banking77, clinc150, bitext or none")
                out[key] = value
            else:
                raise ValueError(f"unknown parameter params.{key}")
        return out


class TrainingRunRead(ReadModel):
    id: uuid.UUID
    task: str
    dataset: str
    trainer: str
    params: dict[str, Any]
    status: RunStatus
    progress: float
    stage: str | None
    metrics: dict[str, Any]
    model_name: str | None
    model_version: str | None
    mlflow_run_id: str | None
    snapshot_id: str | None
    error: str | None
    attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class TrainingRunCreated(ReadModel):
    id: uuid.UUID
    status: RunStatus
