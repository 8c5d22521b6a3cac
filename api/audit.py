"""The audit trail: every write records who, which org, what, when and from where."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import ClientInfo
from api.principals import Principal
from store.tables import AuditLog, Base


@dataclass(frozen=True)
class Actor:
    """Who acted, when that is not a request's Principal (sign-in, registration)."""

    org_id: uuid.UUID
    user_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None


def record(
    session: AsyncSession,
    actor: Actor | Principal,
    client: ClientInfo,
    action: str,
    target: Base | None = None,
    *,
    details: dict[str, Any] | None = None,
) -> None:
    """Adds the entry to the caller's transaction: it commits (or not) with the change itself.

    The target's type is its table's name in the singular (`contacts` -> `contact`)."""
    session.add(
        AuditLog(
            organization_id=actor.org_id,
            actor_user_id=actor.user_id,
            actor_api_key_id=actor.api_key_id,
            action=action,
            target_type=target.__tablename__.removesuffix("s") if target is not None else None,
            target_id=str(target.id) if target is not None else None,  # type: ignore[attr-defined]
            details=details or {},
            ip=client.ip,
            user_agent=client.user_agent,
            request_id=client.request_id,
        )
    )
