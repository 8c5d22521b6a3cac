"""Org-scoped access: the only way routes read tenant rows. Another org's row is a plain 404."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar, cast

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.errors import NotFound

T = TypeVar("T")


def scoped(model: type[T], org_id: uuid.UUID) -> Select[Any]:
    """SELECT model WHERE organization_id = org_id: the base of every tenant query."""
    return select(model).where(model.organization_id == org_id)  # type: ignore[attr-defined]


async def get_scoped(
    session: AsyncSession,
    model: type[T],
    org_id: uuid.UUID,
    object_id: uuid.UUID | str,
    *,
    for_update: bool = False,
) -> T:
    """Fetch one row of the caller's organization or raise NotFound (never Forbidden)."""
    try:
        key = object_id if isinstance(object_id, uuid.UUID) else uuid.UUID(str(object_id))
    except ValueError:
        raise NotFound(f"{_label(model)} not found") from None
    stmt = scoped(model, org_id).where(model.id == key)  # type: ignore[attr-defined]
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"{_label(model)} not found")
    return cast(T, row)


async def exists_scoped(
    session: AsyncSession, model: type[Any], org_id: uuid.UUID, object_id: uuid.UUID
) -> bool:
    stmt = scoped(model, org_id).where(model.id == object_id).limit(1)
    return (await session.execute(stmt)).first() is not None


def _label(model: type[Any]) -> str:
    return str(getattr(model, "__tablename__", model.__name__)).rstrip("s").replace("_", " ")
