"""Validating a workflow without saving it: every problem as a path and a message."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.workflows.schemas import ValidationProblem, ValidationResult, WorkflowCreate
from store.tables import User
from workflows.lint import lint
from workflows.schema import Assign


async def validate(session: AsyncSession, org_id: uuid.UUID, raw: Any) -> ValidationResult:
    """Schema errors first; only a schema-valid body is checked further (conditions that can
    never hold, assignees outside the organization)."""
    if not isinstance(raw, dict):
        return _result([ValidationProblem(path="", message="the body must be a JSON object")])
    try:
        body = WorkflowCreate.model_validate(raw)
    except ValidationError as exc:
        return _result(_schema_problems(exc, raw))
    problems = [
        ValidationProblem(path=f"definition.{p.path}", message=p.message)
        for p in lint(body.definition)
    ]
    problems += await _assignee_problems(session, org_id, body)
    return _result(problems)


def _result(problems: list[ValidationProblem]) -> ValidationResult:
    return ValidationResult(valid=not problems, errors=problems)


def _schema_problems(exc: ValidationError, raw: dict[str, Any]) -> list[ValidationProblem]:
    return [
        ValidationProblem(path=_path(err["loc"], raw), message=err["msg"])
        for err in exc.errors(include_input=False, include_url=False)
    ]


def _path(loc: tuple[int | str, ...], data: Any) -> str:
    """The error's location in the submitted JSON. Pydantic puts the tag of a discriminated
    union in `loc` ("actions.0.set_priority.priority"); a key missing from the input that is
    not the last part is such a tag, and is left out."""
    parts: list[str] = []
    for depth, part in enumerate(loc):
        last = depth == len(loc) - 1
        if _has(data, part):
            data = data[part]
        elif isinstance(data, dict) and not last:
            continue
        else:
            data = None
        parts.append(str(part))
    return ".".join(parts)


def _has(data: Any, part: int | str) -> bool:
    if isinstance(data, list):
        return isinstance(part, int) and 0 <= part < len(data)
    return isinstance(data, dict) and part in data


async def _assignee_problems(
    session: AsyncSession, org_id: uuid.UUID, body: WorkflowCreate
) -> list[ValidationProblem]:
    assigns = [
        (i, a.user_id) for i, a in enumerate(body.definition.actions) if isinstance(a, Assign)
    ]
    if not assigns:
        return []
    stmt = select(User.id).where(
        User.organization_id == org_id,
        User.is_active,
        User.id.in_([user_id for _, user_id in assigns]),
    )
    members = set((await session.scalars(stmt)).all())
    return [
        ValidationProblem(
            path=f"definition.actions.{i}.user_id",
            message="no active user of this organization has this id",
        )
        for i, user_id in assigns
        if user_id not in members
    ]
