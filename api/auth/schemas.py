"""Auth bodies (shapes fixed by ARCHITECTURE.md, "Public API shapes")."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, EmailStr, Field

from api.organizations.schemas import OrganizationRead
from api.schemas import RequestModel
from api.users.schemas import Password, UserRead


class RegisterRequest(RequestModel):
    email: EmailStr
    password: str = Password
    name: str = Field(min_length=1, max_length=200)
    organization_name: str = Field(min_length=1, max_length=200)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class RegisterResponse(TokenPair):
    user: UserRead
    organization: OrganizationRead


class RefreshRequest(RequestModel):
    refresh_token: str = Field(min_length=10, max_length=200)


class LogoutRequest(RequestModel):
    refresh_token: str | None = Field(default=None, max_length=200)


class AcceptInvitationRequest(RequestModel):
    token: str = Field(min_length=10, max_length=200)
    password: str = Password
    name: str | None = Field(default=None, min_length=1, max_length=200)


class MeResponse(BaseModel):
    user: UserRead
    organization: OrganizationRead
    permissions: list[str]
