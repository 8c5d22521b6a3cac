"""Train, evaluate, register, gate, promote and roll back an organization's models.

The database (`ai_models`, `training_runs`, `model_promotions`) is what serving reads: the
version holding the `champion` alias in `ai_models` is the one `/api/v1/classify` and the
pipeline use (ingestion/org_models.py caches it for 5 s). MLflow holds the runs, the model
artifacts and the same aliases, set before the database commit that makes them live.

The first time an organization registers a model for a task, the shipped default head is
registered as version 1 and made champion, so every gate has a champion to beat and a rollback
always has somewhere to go.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.bundle import DEFAULT_BUNDLE, Bundle
from models.registry import registered_name
from store.errors import Conflict, NotFound
from store.tables import AIModel, Organization, Promotion
from training import sources
from training.evaluation import Scorer, evaluate, latency_ms, oos_figures, shared_encoder
from training.gate import GateConfig, GateFailed, decide, gate_numbers
from training.tracking import CHALLENGER, CHAMPION, Tracker
from training.versions import (
    TASK,
    bundle_path,
    default_intent_bundle,
    holder,
    install_bundle,
    move_alias,
    version_number,
    versions,
)

__all__ = ["GateConfig", "GateFailed", "Lifecycle"]


class Lifecycle:
    """What the API, the CLI and the training worker do to models, in one place."""

    def __init__(self, tracker: Tracker, models_dir: Path) -> None:
        self.tracker = tracker
        self.models_dir = models_dir

    # -- registration -------------------------------------------------------------------

    async def ensure_default_champion(
        self, session: AsyncSession, organization_id: uuid.UUID, name: str = "intent"
    ) -> None:
        """Registers the shipped head as version 1 (champion) when the organization has none."""
        if await versions(session, organization_id, name):
            return
        org = str(organization_id)
        run_key = f"default-{org}-{name}"
        scratch = self.models_dir / ".work" / run_key
        bundle = default_intent_bundle(scratch)
        default = Bundle.load(DEFAULT_BUNDLE)
        mlflow_run, version = await asyncio.to_thread(
            self.tracker.log_version,
            organization_id=org,
            name=name,
            run_id=run_key,
            run_name="shipped-default",
            bundle_dir=bundle,
            params={"trainer": "shipped-default", "dataset": "bitext"},
            metrics={},
            tags={
                "switchboard.source": "shipped default",
                "default_ref": default.head("intent").ref,
            },
        )
        await asyncio.to_thread(self.tracker.set_alias, org, name, CHAMPION, version)
        install_bundle(bundle, bundle_path(self.models_dir, org, name, version))
        shutil.rmtree(scratch, ignore_errors=True)
        session.add(
            AIModel(
                organization_id=organization_id,
                name=name,
                task=TASK,
                version=version,
                aliases=[CHAMPION],
                metrics={"source": "shipped default"},
                mlflow_run_id=mlflow_run,
                artifact_uri=f"models:/{registered_name(org, name)}/{version}",
            )
        )
        await session.flush()

    async def record_version(
        self,
        session: AsyncSession,
        organization_id: uuid.UUID,
        name: str,
        version: str,
        *,
        bundle: Path,
        metrics: dict[str, Any],
        mlflow_run_id: str,
    ) -> AIModel:
        """The serving copy of a new registered version, marked `challenger`."""
        install_bundle(bundle, bundle_path(self.models_dir, organization_id, name, version))
        rows = await versions(session, organization_id, name)
        row = next((r for r in rows if r.version == version), None)
        if row is None:
            row = AIModel(
                organization_id=organization_id,
                name=name,
                task=TASK,
                version=version,
                aliases=[],
                metrics=metrics,
                mlflow_run_id=mlflow_run_id,
                artifact_uri=f"models:/{registered_name(str(organization_id), name)}/{version}",
            )
            session.add(row)
            rows.append(row)
        move_alias(rows, CHALLENGER, row)
        await asyncio.to_thread(
            self.tracker.set_alias, str(organization_id), name, CHALLENGER, version
        )
        await session.flush()
        return row

    # -- the gate -----------------------------------------------------------------------

    def _scorer(self, organization_id: uuid.UUID, name: str, version: str) -> Scorer:
        path = bundle_path(self.models_dir, organization_id, name, version)
        if not (path / "manifest.json").exists():  # a bundle another node trained
            self.tracker.download_bundle(str(organization_id), name, version, path)
        return Scorer.load(path, shared=shared_encoder())

    def evaluate_version(
        self,
        organization_id: uuid.UUID,
        name: str,
        version: str,
        dataset: str,
        split: str,
        limit: int | None = None,
    ) -> dict[str, Any]:
        """One version on one split of a public dataset, logged to MLflow as an evaluation."""
        source = sources.load(dataset)
        examples = source.split(split)
        if limit:
            examples = sources.Source(dataset, test=examples).limited(limit).test
        scorer = self._scorer(organization_id, name, version)
        metrics = evaluate(scorer, examples, prefix=f"{split}_", detail=True)
        documents = {
            f"evaluation/{dataset}_{split}_{part}.json": metrics.pop(part)
            for part in ("report", "confusion")
            if part in metrics
        }
        metrics.update(latency_ms(scorer, [t for t, _ in examples]))
        if dataset == "clinc150" and split == "test" and not limit:
            metrics.update(
                oos_figures(
                    scorer, source.validation, source.oos_validation, source.test, source.oos_test
                )
            )
        mlflow_run = self.tracker.log_evaluation(
            str(organization_id), name, version, dataset, split, metrics, documents
        )
        return {
            "model": name,
            "version": version,
            "dataset": dataset,
            "split": split,
            "metrics": metrics,
            "mlflow_run_id": mlflow_run,
        }

    async def promote(
        self,
        session: AsyncSession,
        organization_id: uuid.UUID,
        name: str,
        version: str,
        *,
        actor_id: uuid.UUID | None,
        force: bool = False,
        extra: list[tuple[str, str]] | None = None,
    ) -> Promotion:
        """Runs the gate and moves `champion` when it passes (or when forced). A refusal is
        recorded too, and raised as `GateFailed` with its numbers."""
        rows = await versions(session, organization_id, name)
        target = next((r for r in rows if r.version == version), None)
        if target is None:
            raise NotFound(f"model {name} has no version {version}")
        champion = holder(rows, CHAMPION)
        if champion is target:
            raise Conflict(f"version {version} is already the champion of {name}")
        settings = await session.scalar(
            select(Organization.settings).where(Organization.id == organization_id)
        )
        try:
            gate = GateConfig.of(settings)
        except ValueError as exc:
            raise Conflict(str(exc)) from exc
        # The gate split of the challenger's data; a version without any (the shipped
        # default) is judged on the champion's.
        recorded = next(
            (
                r.metrics
                for r in (target, champion)
                if r is not None and (r.metrics or {}).get("dataset")
            ),
            None,
        )
        if recorded is None:
            raise Conflict(
                f"neither version {version} nor the champion of {name} has data to gate on"
            )
        dataset = str(recorded["dataset"])
        data_params = dict(recorded.get("data_params") or {})
        numbers = await asyncio.to_thread(
            gate_numbers,
            lambda v: self._scorer(organization_id, name, v),
            version,
            champion.version if champion else None,
            dataset,
            gate,
            extra,
            data_params,
        )
        passed, reason = decide(numbers, gate)
        numbers["gate"] = asdict(gate)
        numbers["passed"] = passed
        outcome = "promoted" if passed else ("forced" if force else "refused")
        record = Promotion(
            organization_id=organization_id,
            model_name=name,
            action="promote",
            outcome=outcome,
            from_version=champion.version if champion else None,
            to_version=version,
            numbers=numbers,
            reason=reason,
            actor_id=actor_id,
        )
        session.add(record)
        if outcome == "refused":
            await session.flush()
            raise GateFailed(reason, record)
        await self._make_champion(session, organization_id, name, rows, target)
        await session.flush()
        return record

    async def rollback(
        self,
        session: AsyncSession,
        organization_id: uuid.UUID,
        name: str,
        *,
        version: str | None,
        actor_id: uuid.UUID | None,
    ) -> Promotion:
        """Moves `champion` back: to `version`, else to the champion before the current one."""
        rows = await versions(session, organization_id, name)
        current = holder(rows, CHAMPION)
        if current is None:
            raise NotFound(f"model {name} has no champion to roll back")
        if version is None:
            history = await session.scalars(
                select(Promotion)
                .where(
                    Promotion.organization_id == organization_id,
                    Promotion.model_name == name,
                    Promotion.to_version == current.version,
                    Promotion.outcome.in_(("promoted", "forced", "rolled_back")),
                )
                .order_by(Promotion.created_at.desc())
                .limit(1)
            )
            last = history.first()
            version = last.from_version if last else None
            if version is None:
                earlier = [
                    r
                    for r in rows
                    if r is not current
                    and version_number(r.version) < version_number(current.version)
                ]
                version = earlier[-1].version if earlier else None
            if version is None:
                raise Conflict(f"model {name} has no earlier version to roll back to")
        target = next((r for r in rows if r.version == version), None)
        if target is None:
            raise NotFound(f"model {name} has no version {version}")
        if target is current:
            raise Conflict(f"version {version} is already the champion of {name}")
        record = Promotion(
            organization_id=organization_id,
            model_name=name,
            action="rollback",
            outcome="rolled_back",
            from_version=current.version,
            to_version=version,
            numbers={},
            reason=f"champion moved back from {current.version} to {version}",
            actor_id=actor_id,
        )
        session.add(record)
        await self._make_champion(session, organization_id, name, rows, target)
        await session.flush()
        return record

    async def _make_champion(
        self,
        session: AsyncSession,
        organization_id: uuid.UUID,
        name: str,
        rows: list[AIModel],
        target: AIModel,
    ) -> None:
        # The bundle must be on this node before serving is pointed at it.
        await asyncio.to_thread(self._scorer, organization_id, name, target.version)
        move_alias(rows, CHAMPION, target)
        if CHALLENGER in (target.aliases or []):
            move_alias(rows, CHALLENGER, None)
            await asyncio.to_thread(
                self.tracker.delete_alias, str(organization_id), name, CHALLENGER
            )
        await asyncio.to_thread(
            self.tracker.set_alias, str(organization_id), name, CHAMPION, target.version
        )
