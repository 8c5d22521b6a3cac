"""Customer context for drafts: what commerce and billing connectors know about a contact.

Context connectors (`ContextLookup`: Shopify, WooCommerce, Stripe...) answer facts about one
customer (shaped and merged by `ingestion.context_facts`). They are kept on the contact as
`attributes["commerce"]`, which `routing/draft_context` hands to the drafter, so a reply can
quote `{order_number}` or `{tracking_number}`. Three ways in:

* `ContextEnricher`, the pipeline's hook: inbound messages' contacts are looked up before
  workflows request a draft (skipped while the last fetch is under 10 minutes old);
* `enrich_contact`, the same for one contact;
* `store_facts` / `refresh_from_webhook`: a verified order or billing webhook updates the
  contacts it names, without a provider call.

Provider failures never fail the pipeline: they are logged (no secrets), shown on the
integration's health, and the previous facts stay.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ingestion.connectors.base import Capability
from ingestion.connectors.capabilities import (
    Connection,
    ContextFeed,
    ContextLookup,
    WebhookRequest,
)
from ingestion.context_facts import is_fresh, merge, summarize
from ingestion.contract import Party
from store.errors import SwitchboardError
from store.tables import Contact, Conversation, Integration, Message

if TYPE_CHECKING:  # connections imports the registry, which imports every connector
    from ingestion.connections import Connections

log = logging.getLogger(__name__)
KEY = "commerce"
LOOKUP_TIMEOUT_S = 8.0
ORG_CHECK_TTL_S = 60.0


def party_of(contact: Contact, row: Integration) -> Party:
    """The contact as one integration knows it: its handles, and that provider's customer id."""
    return Party(
        email=contact.email or None,
        phone=contact.phone or None,
        name=(contact.name or "")[:200] or None,
        external_id=(contact.external_ids or {}).get(f"{row.type}:{row.id}"),
    )


def _write(contact: Contact, commerce: dict[str, Any], row_key: str, customer_id: Any) -> None:
    contact.attributes = {**(contact.attributes or {}), KEY: commerce}
    if customer_id is not None and (contact.external_ids or {}).get(row_key) != str(customer_id):
        contact.external_ids = {**(contact.external_ids or {}), row_key: str(customer_id)}


async def store_facts(
    sessions: async_sessionmaker[AsyncSession],
    *,
    organization_id: uuid.UUID,
    integration_id: uuid.UUID,
    source: str,
    customer: Party,
    facts: dict[str, Any],
    replace: bool = False,
) -> int:
    """Merge `facts` into the cached context of the organization's contacts that `customer`
    names (email, phone, or this integration's customer id); the number updated. Customers who
    never wrote to us have no contact and are left alone: their first message looks them up."""
    row_key = f"{source}:{integration_id}"
    match = [
        func.lower(Contact.email) == customer.email if customer.email else None,
        Contact.phone == customer.phone if customer.phone else None,
        Contact.external_ids[row_key].astext == customer.external_id
        if customer.external_id
        else None,
    ]
    clauses = [c for c in match if c is not None]
    if not clauses:
        return 0
    now = datetime.now(UTC)
    async with sessions() as session, session.begin():
        contacts = list(
            await session.scalars(
                select(Contact)
                .where(Contact.organization_id == organization_id, or_(*clauses))
                .order_by(Contact.created_at)
                .limit(20)
                .with_for_update()
            )
        )
        for contact in contacts:
            current = (contact.attributes or {}).get(KEY) or {}
            commerce = merge(current, source, facts, replace=replace, now=now)
            _write(contact, commerce, row_key, customer.external_id or facts.get("customer_id"))
    return len(contacts)


async def refresh_from_webhook(
    sessions: async_sessionmaker[AsyncSession],
    connector: Any,
    conn: Connection,
    request: WebhookRequest,
) -> int:
    """For the webhook route, after a verified `parse`: a connector's order or billing event
    refreshes the facts of the contacts it names. 0 when the connector has none to give."""
    if not isinstance(connector, ContextFeed):
        return 0
    update = await connector.context_update(conn, request)
    if update is None:
        return 0
    party, facts = update
    return await store_facts(
        sessions,
        organization_id=conn.organization_id,
        integration_id=conn.integration_id,
        source=conn.channel,
        customer=party,
        facts=facts,
    )


async def context_integrations(
    session: AsyncSession, connections: Connections, organization_id: uuid.UUID
) -> list[Integration]:
    """The organization's active integrations whose connector answers `ContextLookup`."""
    rows = await session.scalars(
        select(Integration).where(
            Integration.organization_id == organization_id, Integration.status == "active"
        )
    )
    return [row for row in rows if _is_context(connections, row)]


def _is_context(connections: Connections, row: Integration) -> bool:
    try:
        spec = connections.spec_of(row)
    except SwitchboardError:
        return False  # an integration of a connector this build no longer has
    return Capability.CONTEXT in spec.capabilities and isinstance(spec.connector(), ContextLookup)


async def enrich_contact(
    sessions: async_sessionmaker[AsyncSession],
    connections: Connections,
    *,
    organization_id: uuid.UUID,
    contact_id: uuid.UUID,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Look the contact up in every context integration of its organization and keep the merged
    facts on it; skipped while the last fetch is under `FRESH_FOR` (10 minutes) old. Returns
    the facts."""
    now = now or datetime.now(UTC)
    async with sessions() as session:
        contact = await session.get(Contact, contact_id)
        if contact is None or contact.organization_id != organization_id:
            return {}
        current = dict((contact.attributes or {}).get(KEY) or {})
        if is_fresh(current, now) or not (contact.email or contact.phone):
            return current
        rows = await context_integrations(session, connections, organization_id)
        asks = [(row, party_of(contact, row)) for row in rows]
    if not asks:
        return current
    answers = await asyncio.gather(*(_lookup(connections, row, party) for row, party in asks))
    found = _by_source([(row, facts) for (row, _), facts in zip(asks, answers, strict=True)])
    if not found:
        return current  # every provider failed: keep what we had, try again on the next message
    async with sessions() as session, session.begin():
        locked = await session.get(Contact, contact_id, with_for_update=True)
        if locked is None:
            return {}
        commerce = dict((locked.attributes or {}).get(KEY) or {})
        for source, (facts, row) in found.items():
            commerce = merge(commerce, source, facts, replace=True, now=now)
            _write(locked, commerce, f"{row.type}:{row.id}", facts.get("customer_id"))
        return commerce


def _by_source(
    answers: Sequence[tuple[Integration, dict[str, Any] | None]],
) -> dict[str, tuple[dict[str, Any], Integration]]:
    """One answer per connector slug (two stores of one type are combined); a slug with any
    failed integration is left out, so its previous facts are kept whole."""
    failed = {row.type for row, facts in answers if facts is None}
    found: dict[str, tuple[dict[str, Any], Integration]] = {}
    for row, facts in answers:
        if facts is None or row.type in failed:
            continue
        if row.type in found:
            known = found[row.type][0]
            lists = {k: [*known.get(k, []), *v] for k, v in facts.items() if isinstance(v, list)}
            facts = summarize({**facts, **known, **lists})
        found[row.type] = (facts, row)
    return found


async def _lookup(
    connections: Connections, row: Integration, party: Party
) -> dict[str, Any] | None:
    """One provider's answer, or None when it failed (logged without secrets; the integration's
    health shows it). Any failure is contained on purpose: context is a garnish on the reply,
    and a broken store API must not hold a customer's message back."""
    started, conn = time.monotonic(), None
    try:
        connector = connections.spec_of(row).connector()
        conn = connections.wrap(row)
        facts = await asyncio.wait_for(connector.lookup(conn, party), LOOKUP_TIMEOUT_S)
        return dict(facts) if isinstance(facts, dict) else None
    except Exception as exc:
        reason = exc.message if isinstance(exc, SwitchboardError) else type(exc).__name__
        log.warning(
            "context lookup failed: integration=%s type=%s after %.1fs: %s",
            row.id,
            row.type,
            time.monotonic() - started,
            reason[:200],
        )
        await connections.record_health(row.id, error=f"context lookup: {reason}"[:500])
        return None
    finally:
        if conn is not None and conn.http is not None:
            await conn.http.aclose()


class ContextEnricher:
    """The pipeline's hook: before workflows request a draft, refresh the facts of the inbound
    messages' contacts, for organizations that have a context integration at all (checked once
    a minute per organization, so everyone else pays one dictionary lookup)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        connections: Connections,
        *,
        concurrency: int = 8,
    ) -> None:
        self.sessions = sessions
        self.connections = connections
        self._orgs: dict[uuid.UUID, tuple[float, bool]] = {}
        self._slots = asyncio.Semaphore(concurrency)

    async def enrich_messages(self, messages: Sequence[Message]) -> None:
        inbound = [m for m in messages if m.direction == "inbound"]
        orgs = {m.organization_id for m in inbound}
        wanted = {org for org in orgs if await self.has_context(org)}
        if not wanted:
            return
        async with self.sessions() as session:
            pairs = set(
                await session.execute(
                    select(Conversation.organization_id, Conversation.contact_id).where(
                        Conversation.id.in_(
                            {m.conversation_id for m in inbound if m.organization_id in wanted}
                        ),
                        Conversation.contact_id.is_not(None),
                    )
                )
            )
        await asyncio.gather(
            *(self._enrich(org, contact) for org, contact in pairs if contact is not None)
        )

    async def has_context(self, organization_id: uuid.UUID) -> bool:
        now = time.monotonic()
        cached = self._orgs.get(organization_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        async with self.sessions() as session:
            found = bool(await context_integrations(session, self.connections, organization_id))
        self._orgs[organization_id] = (now + ORG_CHECK_TTL_S, found)
        return found

    async def _enrich(self, organization_id: uuid.UUID, contact_id: uuid.UUID) -> None:
        async with self._slots:
            await enrich_contact(
                self.sessions,
                self.connections,
                organization_id=organization_id,
                contact_id=contact_id,
            )
