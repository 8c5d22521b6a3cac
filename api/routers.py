"""Every router the ingress serves, in one list."""

from fastapi import APIRouter

from api import health
from api.analytics.routes import router as analytics
from api.api_keys.routes import router as api_keys
from api.audit_log.routes import router as audit_log
from api.auth.routes import me_router
from api.auth.routes import router as auth
from api.classify.routes import router as classify
from api.contacts.routes import router as contacts
from api.conversations.routes import messages_router
from api.conversations.routes import router as conversations
from api.conversations.summary import router as summaries
from api.deadletters.routes import router as deadletters
from api.drafts.routes import router as drafts
from api.events.ws import router as events_ws
from api.inbound.routes import router as inbound
from api.integrations.oauth import router as oauth
from api.integrations.routes import connectors_router
from api.integrations.routes import router as integrations
from api.kb.routes import router as kb
from api.labels.routes import router as labels
from api.llm.routes import router as llm
from api.notes.routes import router as notes
from api.organizations.routes import router as organization
from api.registry.routes import router as registry
from api.routing.routes import router as routing
from api.training.routes import router as training
from api.users.routes import router as users
from api.webhooks.routes import router as webhooks
from api.widget.routes import router as widget
from api.workflows.routes import router as workflows

ROUTERS: list[APIRouter] = [
    llm,  # first: the OpenAI-compatible hot path is matched before ~150 other routes
    health.router,
    auth,
    me_router,
    organization,
    users,
    api_keys,
    integrations,
    oauth,
    connectors_router,
    contacts,
    conversations,
    messages_router,
    summaries,
    drafts,
    notes,
    labels,
    audit_log,
    classify,
    inbound,
    webhooks,
    widget,
    deadletters,
    events_ws,
    workflows,
    kb,
    routing,
    training,
    registry,
    analytics,
]
