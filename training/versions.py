"""An organization's model versions as serving sees them: the `ai_models` rows with their
aliases, and the bundles in the model folder."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.bundle import DEFAULT_BUNDLE, Bundle
from store.tables import AIModel

TASK = "classifier"  # ai_models.task of intent models (ingestion/org_models.py reads it)


def bundle_path(
    models_dir: Path, organization_id: uuid.UUID | str, name: str, version: str
) -> Path:
    return models_dir / str(organization_id) / name / version


def install_bundle(source: Path, target: Path) -> None:
    """Copies a bundle into the serving folder through a temporary name: a replica never sees
    half a bundle."""
    if (target / "manifest.json").exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.parent / f".{target.name}.{uuid.uuid4().hex[:8]}"
    shutil.copytree(source, scratch)
    if target.exists():
        shutil.rmtree(target)
    scratch.rename(target)


def default_intent_bundle(out: Path) -> Path:
    """The shipped intent head alone, as an organization bundle (it reads the shared encoder)."""
    default = Bundle.load(DEFAULT_BUNDLE)
    Bundle(
        name="intent",
        version="1",
        heads={"intent": default.head("intent")},
        categories=default.categories,
        review_threshold=default.review_threshold,
        scope_threshold=default.scope_threshold,
    ).save(out)
    return out


async def versions(session: AsyncSession, organization_id: uuid.UUID, name: str) -> list[AIModel]:
    rows = await session.scalars(
        select(AIModel)
        .where(AIModel.organization_id == organization_id, AIModel.name == name)
        .order_by(AIModel.created_at)
    )
    return sorted(rows, key=lambda row: int(row.version) if row.version.isdigit() else 0)


def holder(rows: list[AIModel], alias: str) -> AIModel | None:
    return next((row for row in rows if alias in (row.aliases or [])), None)


def move_alias(rows: list[AIModel], alias: str, target: AIModel | None) -> None:
    for row in rows:
        if alias in (row.aliases or []) and row is not target:
            row.aliases = [a for a in row.aliases if a != alias]
    if target is not None and alias not in (target.aliases or []):
        target.aliases = [*(target.aliases or []), alias]


def version_number(version: str) -> int:
    return int(version) if version.isdigit() else 0
