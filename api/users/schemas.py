"""User bodies."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import EmailStr, Field, computed_field

from api.schemas import ReadModel, RequestModel
from api.security.permissions import GRANTABLE, Role, effective_permissions
from store.errors import BadInput

Password = Field(min_length=10, max_length=256)


class UserRead(ReadModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    email: str
    name: str
    role: Role
    extra_permissions: list[str]
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def permissions(self) -> list[str]:
        return sorted(effective_permissions(self.role, self.extra_permissions))


class UserCreate(RequestModel):
    email: EmailStr
    name: str = Field(min_length=1, max_length=200)
    role: Role = Role.MEMBER
    password: str | None = Field(default=None, min_length=10, max_length=256)
    extra_permissions: list[str] = []


class UserUpdate(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    role: Role | None = None
    is_active: bool | None = None
    extra_permissions: list[str] | None = None


class UserCreated(UserRead):
    invitation_token: str | None = None
    invitation_url: str | None = None


def check_grants(extra: list[str]) -> list[str]:
    unknown = sorted(set(extra) - GRANTABLE)
    if unknown:
        raise BadInput(
            f"permissions not grantable: {', '.join(unknown)}",
            details={"grantable": sorted(GRANTABLE)},
        )
    return sorted(set(extra))
