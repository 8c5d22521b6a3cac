"""Roles, permissions and the defaults each role carries."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"


READ = frozenset(
    {
        "read:conversations",
        "read:messages",
        "read:contacts",
        "read:integrations",
        "read:users",
        "read:analytics",
        "read:models",
        "read:routing",
        "read:workflows",
        "read:drafts",
        "classify",
    }
)
MEMBER_WRITE = frozenset(
    {
        "write:conversations",
        "write:messages",
        "write:contacts",
        "write:drafts",
        "write:labels",
        "inbound",
        # The OpenAI-compatible endpoint: calls that may spend the organization's budget.
        "llm",
    }
)
GRANTABLE = frozenset({"train:models", "promote:models", "write:routing"})
ADMIN_ONLY = frozenset(
    {
        "write:integrations",
        "write:users",
        "read:api_keys",
        "write:api_keys",
        "read:audit",
        "write:organization",
        "write:workflows",
        "admin:deadletters",
    }
)
ALL = READ | MEMBER_WRITE | GRANTABLE | ADMIN_ONLY

DEFAULTS: dict[Role, frozenset[str]] = {
    Role.ADMIN: ALL,
    Role.MEMBER: READ | MEMBER_WRITE,
    Role.VIEWER: READ,
}


def effective_permissions(role: str, extra: list[str] | None = None) -> frozenset[str]:
    """A role's defaults plus the extra grants admins may give members (never viewers)."""
    base = DEFAULTS[Role(role)]
    if Role(role) is Role.MEMBER and extra:
        return base | (frozenset(extra) & GRANTABLE)
    return base
