"""/api/v1/models: an organization's registered models; promote (through the gate), roll back.

The champion alias is what serves: after a promotion this process forgets its cached answer at
once and every other process within 5 s, and the Classifier loads the new version beside the
old one (the version is part of the multiplexed model id), so no request fails during a swap.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.audit import record
from api.deps import ClientDep, Principal, RuntimeDep, SessionDep, require
from api.pagination import Cursor, Limit
from api.registry.details import version_details
from api.registry.schemas import (
    VERSION_PATTERN,
    EvaluateRequest,
    PromoteRequest,
    PromotionRead,
    ReclassifyRequest,
    ReclassifySummary,
    RegisteredModelRead,
    RegisteredModels,
    RollbackRequest,
    VersionDetails,
)
from api.runtime import Runtime
from api.schemas import ListResponse
from models.contract import Classification
from models.registry import model_id, registered_name
from store.errors import Forbidden, NotFound, Retriable
from store.pagination import paginate
from store.scoped import scoped
from store.tables import AIModel, Promotion
from training.export import export_examples
from training.gate import GateFailed
from training.reclassify import reclassify_recent
from training.versions import holder, versions

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/models", tags=["models"])
CanRead = Annotated[Principal, Depends(require("read:models"))]
CanPromote = Annotated[Principal, Depends(require("promote:models"))]
CanTrain = Annotated[Principal, Depends(require("train:models"))]  # evaluation logs an MLflow run
ModelName = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
Version = Annotated[str, Path(pattern=VERSION_PATTERN)]
TASKS = ("intent",)


def _model(name: str, org: str, rows: list[AIModel]) -> RegisteredModelRead:
    champion, challenger = holder(rows, "champion"), holder(rows, "challenger")
    return RegisteredModelRead.model_validate(
        {
            "name": name,
            "task": name,
            "registered_name": registered_name(org, name),
            "champion": champion.version if champion else None,
            "challenger": challenger.version if challenger else None,
            "versions": rows,
        }
    )


@router.get("", response_model=RegisteredModels)
async def list_models(principal: CanRead, session: SessionDep) -> RegisteredModels:
    """Every task's model: versions (with metrics), and which holds champion and challenger.
    A task with no versions yet serves the shipped default (champion null)."""
    org = principal.org_id
    items = [_model(name, str(org), await versions(session, org, name)) for name in TASKS]
    return RegisteredModels(items=items)


@router.get("/{name}", response_model=RegisteredModelRead)
async def get_model(
    name: ModelName, principal: CanRead, session: SessionDep
) -> RegisteredModelRead:
    if name not in TASKS:
        raise NotFound(f"no model {name}")
    rows = await versions(session, principal.org_id, name)
    return _model(name, str(principal.org_id), rows)


@router.get("/{name}/versions/{version}/details", response_model=VersionDetails)
async def get_version_details(
    name: ModelName, version: Version, principal: CanRead, session: SessionDep, runtime: RuntimeDep
) -> VersionDetails:
    """One version's metrics, with the per-class report and confusion matrix of its held-out
    evaluation (null for a version that logged none, such as the shipped default)."""
    rows = await versions(session, principal.org_id, name) if name in TASKS else []
    row = next((r for r in rows if r.version == version), None)
    if row is None:
        raise NotFound(f"model {name} has no version {version}")
    await session.commit()  # no connection held while MLflow answers
    tracker = runtime.lifecycle().tracker if row.mlflow_run_id else None
    return await asyncio.to_thread(version_details, row, tracker)


async def _org_examples(session: Any, principal: Principal, name: str) -> list[tuple[str, str]]:
    snapshot = await export_examples(session, principal.org_id, name)
    return list(snapshot.examples)


async def _warm(runtime: Runtime, org: str, name: str, version: str) -> None:
    """One classification with the new version before it serves: the replica loads it now."""
    if runtime.classifier is None:
        return
    try:
        await asyncio.wait_for(
            runtime.classifier.classify(
                ["warm-up"], model_id=model_id(org, name, version), review_threshold=None
            ),
            60,
        )
    except Exception:
        log.warning("warming model %s/%s/%s failed", org, name, version, exc_info=True)


@router.post("/{name}/promote", response_model=PromotionRead)
async def promote(
    name: ModelName,
    body: PromoteRequest,
    principal: CanPromote,
    session: SessionDep,
    client: ClientDep,
    runtime: RuntimeDep,
) -> PromotionRead:
    """Runs the gate (challenger vs champion on the same held-out split, plus latency); 409
    with the numbers when it refuses. `force` (admins) promotes anyway and says so."""
    if body.force and principal.role != "admin":
        raise Forbidden("only an admin may force a promotion past the gate")
    lifecycle = runtime.lifecycle()
    extra = await _org_examples(session, principal, name)
    await _warm(runtime, str(principal.org_id), name, body.version)
    try:
        promotion = await lifecycle.promote(
            session,
            principal.org_id,
            name,
            body.version,
            actor_id=principal.user_id,
            force=body.force,
            extra=extra,
        )
    except GateFailed as refused:
        record(session, principal, client, "model.promote_refused", refused.record)
        await session.commit()  # the refusal and its numbers are kept
        raise
    record(
        session,
        principal,
        client,
        "model.promote",
        promotion,
        details={"version": body.version, "outcome": promotion.outcome},
    )
    await session.commit()
    runtime.org_models.forget(principal.org_id)
    return PromotionRead.model_validate(promotion)


@router.post("/{name}/rollback", response_model=PromotionRead)
async def rollback(
    name: ModelName,
    body: RollbackRequest,
    principal: CanPromote,
    session: SessionDep,
    client: ClientDep,
    runtime: RuntimeDep,
) -> PromotionRead:
    """Moves `champion` back to `version`, or to the champion before the current one."""
    lifecycle = runtime.lifecycle()
    promotion = await lifecycle.rollback(
        session, principal.org_id, name, version=body.version, actor_id=principal.user_id
    )
    await _warm(runtime, str(principal.org_id), name, promotion.to_version)
    record(
        session,
        principal,
        client,
        "model.rollback",
        promotion,
        details={"from": promotion.from_version, "to": promotion.to_version},
    )
    await session.commit()
    runtime.org_models.forget(principal.org_id)
    return PromotionRead.model_validate(promotion)


@router.get("/{name}/promotions", response_model=ListResponse[PromotionRead])
async def list_promotions(
    name: ModelName,
    principal: CanRead,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ListResponse[PromotionRead]:
    """Every decision, refused ones included, with the gate's numbers."""
    stmt = scoped(Promotion, principal.org_id).where(Promotion.model_name == name)
    page = await paginate(
        session,
        stmt,
        sort_col=Promotion.created_at,
        id_col=Promotion.id,
        limit=limit,
        cursor=cursor,
    )
    return ListResponse(
        items=[PromotionRead.model_validate(p) for p in page.items], next_cursor=page.next_cursor
    )


@router.post("/{name}/evaluate")
async def evaluate_version(
    name: ModelName,
    body: EvaluateRequest,
    principal: CanTrain,
    session: SessionDep,
    runtime: RuntimeDep,
) -> dict[str, Any]:
    """Scores one registered version on a public dataset's split (the official test split for
    final figures) and logs the figures to the version's MLflow run."""
    lifecycle = runtime.lifecycle()
    rows = await versions(session, principal.org_id, name)
    if not any(r.version == body.version for r in rows):
        raise NotFound(f"model {name} has no version {body.version}")
    return await asyncio.to_thread(
        lifecycle.evaluate_version,
        principal.org_id,
        name,
        body.version,
        body.dataset,
        body.split,
        body.limit,
    )


def _batch_sessions(session: AsyncSession) -> async_sessionmaker[AsyncSession]:
    """Sessions on the request session's bind, one transaction per batch: the engine in
    production (each batch commits on its own, so no long transaction holds the rows the
    pipeline writes); a connection already in a transaction in the tests (each batch a
    savepoint inside it)."""
    return async_sessionmaker(
        bind=session.bind, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@router.post("/{name}/reclassify", response_model=ReclassifySummary)
async def reclassify(
    name: ModelName,
    body: ReclassifyRequest,
    principal: CanPromote,
    session: SessionDep,
    client: ClientDep,
    runtime: RuntimeDep,
) -> ReclassifySummary:
    """Re-classifies the organization's newest classified inbound messages with the champion
    and says how many intents changed. Each batch commits on its own: a failure leaves each
    message old or new, and running it again is harmless."""
    if name not in TASKS:
        raise NotFound(f"no model {name}")
    classifier = runtime.classifier
    if classifier is None:
        raise Retriable("the classifier is not available", retry_after=5)
    org = await runtime.org_models.resolve(session, principal.org_id)
    await session.commit()  # no connection held while the batches run

    async def classify(texts: list[str]) -> list[Classification]:
        return await classifier.classify(
            texts, model_id=org.model_id, review_threshold=org.review_threshold
        )

    # The version the champion answers with (the shipped default has no registry entry);
    # this also loads the model before the first batch.
    version = (await classify(["warm-up"]))[0].model_version
    summary = await reclassify_recent(
        _batch_sessions(session),
        principal.org_id,
        classify,
        model_version=version,
        limit=body.limit,
        use_ray=False,  # the classifier backend is already Serve's replicas where Ray runs
    )
    details = {k: summary[k] for k in ("examined", "changed", "model_version")}
    record(session, principal, client, "model.reclassify", details=details)
    await session.commit()
    return ReclassifySummary.model_validate(summary)
