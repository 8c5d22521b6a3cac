"""A model version's evaluation as the Models page shows it: the per-class report and the
confusion matrix that training logged to the version's MLflow run (training/jobs.py)."""

from __future__ import annotations

from typing import Any

from api.registry.schemas import ClassReport, ConfusionMatrix, VersionDetails
from store.tables import AIModel
from training.tracking import Tracker

SPLITS = ("test", "gate")  # the held-out splits training logs in detail, best first
AVERAGES = {"accuracy", "macro avg", "weighted avg", "micro avg"}


def version_details(row: AIModel, tracker: Tracker | None) -> VersionDetails:
    """Blocking (MLflow downloads): call it in a thread. A version with no logged evaluation
    (the shipped default) has metrics only."""
    details = VersionDetails(
        version=row.version,
        aliases=row.aliases,
        metrics=row.metrics,
        mlflow_run_id=row.mlflow_run_id,
        split=None,
        report=None,
        confusion=None,
    )
    if tracker is None or row.mlflow_run_id is None:
        return details
    for split in _splits(row.metrics):
        report = tracker.load_document(row.mlflow_run_id, f"evaluation/{split}_report.json")
        if isinstance(report, dict):
            details.split, details.report = split, _classes(report)
            confusion = tracker.load_document(
                row.mlflow_run_id, f"evaluation/{split}_confusion.json"
            )
            if isinstance(confusion, dict):
                details.confusion = ConfusionMatrix.model_validate(confusion)
            break
    return details


def _splits(metrics: dict[str, Any]) -> list[str]:
    reported = metrics.get("reported_on")
    first = [reported] if reported in SPLITS else []
    return first + [s for s in SPLITS if s != reported]


def _classes(report: dict[str, Any]) -> list[ClassReport]:
    """scikit-learn's `classification_report(output_dict=True)`, its averages left out."""
    return [
        ClassReport(
            label=label,
            precision=scores["precision"],
            recall=scores["recall"],
            f1=scores["f1-score"],
            support=int(scores["support"]),
        )
        for label, scores in report.items()
        if label not in AVERAGES and isinstance(scores, dict)
    ]
