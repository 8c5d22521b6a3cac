"""/api/v1/contacts: the customers an organization talks to."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status
from sqlalchemy import func, or_

from api.audit import record
from api.contacts.schemas import ContactCreate, ContactRead, ContactUpdate
from api.deps import ClientDep, Principal, SessionDep, require
from api.pagination import Cursor, Limit, Search
from api.schemas import ListResponse
from store.errors import BadInput
from store.pagination import paginate
from store.scoped import get_scoped, scoped
from store.tables import Contact

router = APIRouter(prefix="/api/v1/contacts", tags=["contacts"])

CanRead = Annotated[Principal, Depends(require("read:contacts"))]
CanWrite = Annotated[Principal, Depends(require("write:contacts"))]


@router.get("", response_model=ListResponse[ContactRead])
async def list_contacts(
    principal: CanRead,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    q: Search = None,
) -> ListResponse[ContactRead]:
    stmt = scoped(Contact, principal.org_id)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(Contact.name).like(like),
                func.lower(Contact.email).like(like),
                Contact.phone.like(like),
            )
        )
    page = await paginate(
        session, stmt, sort_col=Contact.created_at, id_col=Contact.id, limit=limit, cursor=cursor
    )
    return ListResponse(
        items=[ContactRead.model_validate(c) for c in page.items], next_cursor=page.next_cursor
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ContactRead)
async def create_contact(
    body: ContactCreate, principal: CanWrite, session: SessionDep, client: ClientDep
) -> ContactRead:
    if not (body.name or body.email or body.phone):
        raise BadInput("a contact needs a name, email or phone")
    contact = Contact(organization_id=principal.org_id, **body.model_dump())
    if contact.email:
        contact.email = contact.email.lower()
    session.add(contact)
    await session.flush()
    record(session, principal, client, "contact.create", contact)
    await session.commit()
    return ContactRead.model_validate(contact)


@router.get("/{contact_id}", response_model=ContactRead)
async def get_contact(
    contact_id: uuid.UUID, principal: CanRead, session: SessionDep
) -> ContactRead:
    return ContactRead.model_validate(
        await get_scoped(session, Contact, principal.org_id, contact_id)
    )


@router.patch("/{contact_id}", response_model=ContactRead)
async def update_contact(
    contact_id: uuid.UUID,
    body: ContactUpdate,
    principal: CanWrite,
    session: SessionDep,
    client: ClientDep,
) -> ContactRead:
    contact = await get_scoped(session, Contact, principal.org_id, contact_id, for_update=True)
    changes = body.model_dump(exclude_unset=True)
    for field, value in changes.items():
        setattr(contact, field, value.lower() if field == "email" and value else value)
    record(
        session, principal, client, "contact.update", contact, details={"fields": sorted(changes)}
    )
    await session.commit()
    return ContactRead.model_validate(contact)


@router.delete("/{contact_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_contact(
    contact_id: uuid.UUID, principal: CanWrite, session: SessionDep, client: ClientDep
) -> None:
    contact = await get_scoped(session, Contact, principal.org_id, contact_id)
    await session.delete(contact)
    record(session, principal, client, "contact.delete", contact)
    await session.commit()
