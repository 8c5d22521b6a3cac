"""The workflows a new organization starts with (editable and switchable in the dashboard).

Without one, nothing asks the router for drafts: a new team would see its first customer message
arrive with no AI draft to review. The default asks for a draft on every inbound message; the
router's policy and budget still decide whether a paid model writes it or the local drafter does.
"""

from __future__ import annotations

import uuid
from typing import Any

from store.tables import Workflow
from workflows.schema import Definition

DRAFT_EVERY_MESSAGE = {
    "name": "AI draft for every customer message",
    "description": (
        "Asks the router for a reply draft when a customer writes; an agent reviews it. "
        "Disable it, or add conditions, to draft only some messages."
    ),
    "definition": Definition.model_validate(
        {"trigger": "message.received", "actions": [{"type": "request_draft"}]}
    ).model_dump(mode="json"),
}


def default_workflows(organization_id: uuid.UUID, created_by_id: uuid.UUID | None) -> list[Any]:
    return [
        Workflow(
            organization_id=organization_id, created_by_id=created_by_id, **DRAFT_EVERY_MESSAGE
        )
    ]
