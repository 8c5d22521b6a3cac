"""All tables, imported together so metadata (and Alembic) sees every one."""

from store.base import Base
from store.tables.identity import ApiKey, Invitation, Organization, RefreshToken, User
from store.tables.inbox import (
    Contact,
    Conversation,
    Draft,
    Integration,
    LabelCorrection,
    Message,
    Note,
)
from store.tables.operations import AIModel, AnalyticsEvent, AuditLog, ProviderUsage, Workflow
from store.tables.routing import KbArticle, RoutingPolicy
from store.tables.training import Promotion, TrainingRun

__all__ = [
    "AIModel",
    "AnalyticsEvent",
    "ApiKey",
    "AuditLog",
    "Base",
    "Contact",
    "Conversation",
    "Draft",
    "Integration",
    "Invitation",
    "KbArticle",
    "LabelCorrection",
    "Message",
    "Note",
    "Organization",
    "Promotion",
    "ProviderUsage",
    "RefreshToken",
    "RoutingPolicy",
    "TrainingRun",
    "User",
    "Workflow",
]
