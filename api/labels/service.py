"""Labels inside the caller's organization: recording an agent's label, and listing them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import record
from api.deps import ClientInfo, Principal
from api.labels.schemas import LabelCreate
from store.errors import BadInput
from store.pagination import Page, paginate
from store.scoped import get_scoped, scoped
from store.tables import LabelCorrection, Message
from training.export import classifier_text


class NotLabellable(BadInput):
    """The message is not something the classifier learns from (an agent's reply, no text)."""

    code = "not_labellable"
    status = 422


@dataclass(frozen=True)
class LabelFilters:
    head: str | None = None
    label: str | None = None


async def add_label(
    session: AsyncSession,
    *,
    principal: Principal,
    message_id: uuid.UUID,
    body: LabelCreate,
    client: ClientInfo,
) -> LabelCorrection:
    """Records the agent's label beside the model's; a confirmation is recorded the same way,
    since it is a training example too."""
    message = await get_scoped(session, Message, principal.org_id, message_id)
    _check_labellable(message)
    row = LabelCorrection(
        organization_id=principal.org_id,
        message_id=message.id,
        head=body.head,
        old_label=model_label(message.classification, body.head),
        new_label=body.label,
        user_id=principal.user_id,
    )
    session.add(row)
    await session.flush()
    details = {
        "message_id": str(message.id),
        "head": row.head,
        "old_label": row.old_label,
        "new_label": row.new_label,
    }
    record(session, principal, client, "label.create", row, details=details)
    await session.commit()
    return row


async def list_message_labels(
    session: AsyncSession, *, principal: Principal, message_id: uuid.UUID
) -> list[LabelCorrection]:
    await get_scoped(session, Message, principal.org_id, message_id)
    stmt = (
        scoped(LabelCorrection, principal.org_id)
        .where(LabelCorrection.message_id == message_id)
        .order_by(LabelCorrection.created_at.desc(), LabelCorrection.id.desc())
    )
    return list((await session.execute(stmt)).scalars())


async def list_labels(
    session: AsyncSession,
    *,
    principal: Principal,
    filters: LabelFilters,
    limit: int,
    cursor: str | None,
) -> Page[LabelCorrection]:
    """Newest first."""
    stmt = scoped(LabelCorrection, principal.org_id)
    if filters.head is not None:
        stmt = stmt.where(LabelCorrection.head == filters.head)
    if filters.label is not None:
        stmt = stmt.where(LabelCorrection.new_label == filters.label)
    return await paginate(
        session,
        stmt,
        sort_col=LabelCorrection.created_at,
        id_col=LabelCorrection.id,
        limit=limit,
        cursor=cursor,
    )


def model_label(classification: dict[str, Any] | None, head: str) -> str | None:
    """The label the model stored for `head`, if the message was classified."""
    guess = (classification or {}).get(head)
    label = guess.get("label") if isinstance(guess, dict) else None
    return label if isinstance(label, str) else None


def _check_labellable(message: Message) -> None:
    if message.direction != "inbound":
        raise NotLabellable(
            "only inbound messages can be labelled; this one is an outbound reply",
            details={"direction": message.direction},
        )
    if not classifier_text(message.text, message.subject):
        raise NotLabellable("this message has no text to learn from, so it cannot be labelled")
