"""The audit trail: every write records who, which org, what, when and from where."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import ClientInfo
from api.principals import Principal
from store.tables import AuditLog


@dataclass(frozen=True)
class Actor:
    org_id: uuid.UUID
    user_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(principal.org_id, principal.user_id, principal.api_key_id)


def record(
    session: AsyncSession,
    *,
    actor: Actor,
    client: ClientInfo,
    action: str,
    target_type: str | None = None,
    target_id: Any = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Adds the entry to the caller's transaction: it commits (or not) with the change itself."""
    session.add(
        AuditLog(
            organization_id=actor.org_id,
            actor_user_id=actor.user_id,
            actor_api_key_id=actor.api_key_id,
            action=action,
            target_type=target_type,
            target_id=str(target_id) if target_id is not None else None,
            details=details or {},
            ip=client.ip,
            user_agent=client.user_agent,
            request_id=client.request_id,
        )
    )
