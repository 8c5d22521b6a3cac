"""/api/v1/training/runs: ask for a model to be trained, and follow the run.

A run is a row: the training worker (cluster/workers.py, a Ray actor under `make up`) claims
it, trains as a Ray task, logs it to MLflow and registers the version as `challenger`.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status

from api.audit import record
from api.deps import ClientDep, Principal, RuntimeDep, SessionDep, require
from api.pagination import Cursor, Limit
from api.schemas import ListResponse
from api.training.schemas import TrainingRunCreate, TrainingRunCreated, TrainingRunRead
from store.errors import NotFound
from store.pagination import paginate
from store.scoped import scoped
from store.tables import TrainingRun

router = APIRouter(prefix="/api/v1/training", tags=["training"])
CanTrain = Annotated[Principal, Depends(require("train:models"))]
CanRead = Annotated[Principal, Depends(require("read:models"))]
StatusFilter = Annotated[
    Literal["queued", "running", "succeeded", "failed"] | None,
    Query(description="only this status"),
]


@router.post(
    "/runs",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=TrainingRunCreated,
    summary="Queue a training run; follow it with GET /api/v1/training/runs/{id}",
)
async def create_run(
    body: TrainingRunCreate,
    principal: CanTrain,
    session: SessionDep,
    client: ClientDep,
    runtime: RuntimeDep,
) -> TrainingRunCreated:
    runtime.lifecycle()  # 503 now, not a run that can never register, when MLflow is absent
    run = TrainingRun(
        organization_id=principal.org_id,
        task=body.task,
        dataset=body.dataset,
        trainer=body.trainer,
        params=body.params,
        status="queued",
        progress=0.0,
        stage="queued",
        metrics={},
        created_by_id=principal.user_id,
    )
    session.add(run)
    await session.flush()
    record(
        session,
        principal,
        client,
        "training_run.create",
        run,
        details={"dataset": body.dataset, "trainer": body.trainer},
    )
    await session.commit()
    return TrainingRunCreated(id=run.id, status="queued")


@router.get("/runs", response_model=ListResponse[TrainingRunRead])
async def list_runs(
    principal: CanRead,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    run_status: Annotated[StatusFilter, Query(alias="status")] = None,
) -> ListResponse[TrainingRunRead]:
    stmt = scoped(TrainingRun, principal.org_id)
    if run_status:
        stmt = stmt.where(TrainingRun.status == run_status)
    page = await paginate(
        session,
        stmt,
        sort_col=TrainingRun.created_at,
        id_col=TrainingRun.id,
        limit=limit,
        cursor=cursor,
    )
    return ListResponse(
        items=[TrainingRunRead.model_validate(r) for r in page.items], next_cursor=page.next_cursor
    )


@router.get("/runs/{run_id}", response_model=TrainingRunRead)
async def get_run(run_id: uuid.UUID, principal: CanRead, session: SessionDep) -> TrainingRunRead:
    run = await session.scalar(
        scoped(TrainingRun, principal.org_id).where(TrainingRun.id == run_id)
    )
    if run is None:
        raise NotFound("training run not found")
    return TrainingRunRead.model_validate(run)
