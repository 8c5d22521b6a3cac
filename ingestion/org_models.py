"""Which model an organization classifies with, and its review threshold, cached briefly.

An organization's own model is its `ai_models` row of task `classifier` holding the alias
`champion`; none means the shipped default. The answer is cached per process for a few seconds:
promotion takes effect within that time, and a request costs no extra query.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.registry import model_id
from store.tables import AIModel, Organization

CLASSIFIER_TASK = "classifier"
CHAMPION = "champion"


@dataclass(frozen=True, slots=True)
class OrgModel:
    """The multiplexed model id ("" for the default) and the review threshold (None: default)."""

    model_id: str
    review_threshold: float | None


class OrgModels:
    """A small TTL cache in front of two indexed lookups."""

    def __init__(self, ttl_s: float = 5.0) -> None:
        self.ttl_s = ttl_s
        self._cache: dict[uuid.UUID, tuple[float, OrgModel]] = {}

    def forget(self, organization_id: uuid.UUID) -> None:
        self._cache.pop(organization_id, None)

    async def resolve(self, session: AsyncSession, organization_id: uuid.UUID) -> OrgModel:
        cached = self._cache.get(organization_id)
        if cached and time.monotonic() - cached[0] < self.ttl_s:
            return cached[1]
        answer = await _lookup(session, organization_id)
        self._cache[organization_id] = (time.monotonic(), answer)
        return answer


async def _lookup(session: AsyncSession, organization_id: uuid.UUID) -> OrgModel:
    settings = await session.scalar(
        select(Organization.settings).where(Organization.id == organization_id)
    )
    threshold = (settings or {}).get("review_threshold")
    row = await session.scalar(
        select(AIModel)
        .where(
            AIModel.organization_id == organization_id,
            AIModel.task == CLASSIFIER_TASK,
            AIModel.aliases.contains([CHAMPION]),
        )
        .order_by(AIModel.created_at.desc())
        .limit(1)
    )
    found = model_id(str(organization_id), row.name, row.version) if row else ""
    return OrgModel(found, float(threshold) if threshold is not None else None)
