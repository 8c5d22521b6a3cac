"""/api/v1/workflows: what happens to each new message (priority, assignment, tags, drafts)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status

from api.audit import record
from api.deps import ClientDep, Principal, SessionDep, require
from api.pagination import Cursor, Limit
from api.schemas import ListResponse
from api.workflows import validation
from api.workflows.schemas import ValidationResult, WorkflowCreate, WorkflowRead, WorkflowUpdate
from store.errors import BadInput
from store.pagination import paginate
from store.scoped import get_scoped, scoped
from store.tables import Workflow
from workflows.schema import definition_json_schema

router = APIRouter(prefix="/api/v1/workflows", tags=["workflows"])
CanRead = Annotated[Principal, Depends(require("read:workflows"))]
CanWrite = Annotated[Principal, Depends(require("write:workflows"))]


@router.get("/schema", summary="The JSON schema of a workflow definition (for the builder)")
async def schema(_: CanRead) -> dict[str, Any]:
    return definition_json_schema()


# The body is read by hand: an invalid workflow is this route's answer (200), not a 422.
_CREATE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/WorkflowCreate"}}
        },
    }
}


@router.post("/validate", response_model=ValidationResult, openapi_extra=_CREATE_BODY)
async def validate_workflow(
    request: Request, principal: CanWrite, session: SessionDep
) -> ValidationResult:
    """Checks a workflow (the body POST /api/v1/workflows takes) without saving it; every
    problem comes back with its path, so the builder can point at it."""
    try:
        raw = await request.json()
    except ValueError:
        raise BadInput("request body is not valid JSON", code="malformed_json") from None
    return await validation.validate(session, principal.org_id, raw)


@router.get("", response_model=ListResponse[WorkflowRead])
async def list_workflows(
    principal: CanRead, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> ListResponse[WorkflowRead]:
    page = await paginate(session, scoped(Workflow, principal.org_id),
                          sort_col=Workflow.created_at, id_col=Workflow.id, limit=limit,
                          cursor=cursor, descending=False)  # fmt: skip
    return ListResponse(items=[WorkflowRead.model_validate(w) for w in page.items],
                        next_cursor=page.next_cursor)  # fmt: skip


@router.post("", status_code=status.HTTP_201_CREATED, response_model=WorkflowRead)
async def create_workflow(
    body: WorkflowCreate, principal: CanWrite, session: SessionDep, client: ClientDep
) -> WorkflowRead:
    row = Workflow(id=uuid.uuid4(), organization_id=principal.org_id, name=body.name,
                   description=body.description, is_enabled=body.is_enabled, version=1,
                   definition=body.definition.model_dump(mode="json"),
                   created_by_id=principal.user_id)  # fmt: skip
    session.add(row)
    await session.flush()
    record(session, principal, client, "workflow.create", row, details={"name": body.name})
    await session.commit()
    return WorkflowRead.model_validate(row)


@router.get("/{workflow_id}", response_model=WorkflowRead)
async def get_workflow(
    workflow_id: uuid.UUID, principal: CanRead, session: SessionDep
) -> WorkflowRead:
    return WorkflowRead.model_validate(
        await get_scoped(session, Workflow, principal.org_id, workflow_id)
    )


@router.patch("/{workflow_id}", response_model=WorkflowRead)
async def update_workflow(
    workflow_id: uuid.UUID,
    body: WorkflowUpdate,
    principal: CanWrite,
    session: SessionDep,
    client: ClientDep,
) -> WorkflowRead:
    row = await get_scoped(session, Workflow, principal.org_id, workflow_id, for_update=True)
    changes = body.model_dump(exclude_unset=True)
    for name in ("name", "description", "is_enabled"):
        if name in changes:
            setattr(row, name, changes[name])
    if body.definition is not None:
        row.definition = body.definition.model_dump(mode="json")
        row.version += 1
    record(session, principal, client, "workflow.update", row, details={"fields": sorted(changes)})
    await session.commit()
    return WorkflowRead.model_validate(row)


@router.delete("/{workflow_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_workflow(
    workflow_id: uuid.UUID, principal: CanWrite, session: SessionDep, client: ClientDep
) -> None:
    row = await get_scoped(session, Workflow, principal.org_id, workflow_id)
    await session.delete(row)
    record(session, principal, client, "workflow.delete", row, details={"name": row.name})
    await session.commit()
