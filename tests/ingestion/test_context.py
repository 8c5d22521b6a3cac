"""Customer context on real PostgreSQL: facts merged and stored on contacts, refreshed by the
pipeline before a draft is requested (through a fake Shopify on loopback), and by webhooks."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from nats.js import JetStreamContext
from sqlalchemy import select

from api.runtime import Runtime
from ingestion.connections import Connections, seal_config
from ingestion.connectors.capabilities import WebhookRequest
from ingestion.connectors.shopify import SPEC as SHOPIFY
from ingestion.connectors.shopify import ShopifyConfig
from ingestion.context import ContextEnricher, enrich_contact, refresh_from_webhook, store_facts
from ingestion.context_facts import merge, summarize
from ingestion.contract import Party
from ingestion.pipeline.processor import MessageProcessor
from routing.contract import Source
from routing.draft_context import gather_context
from routing.providers.local_writing import fill_values
from store.tables import Contact, Conversation, Draft, Integration, Workflow
from tests.fakes import shopify as shop
from tests.fakes.http_server import serve_app
from tests.ingestion.conftest import Org, make_org

CASEY = "casey@example.com"
NOW = datetime(2024, 12, 1, 12, 0, tzinfo=UTC)


def _order(number: str, created_at: str, **fields: Any) -> dict[str, Any]:
    return {"id": number.strip("#"), "order_number": number, "status": "unfulfilled",
            "created_at": created_at, **fields}  # fmt: skip


# The facts' shape and merge: pure -------------------------------------------------------


def test_a_lookup_answer_is_newest_first_capped_and_lifts_the_newest_scalars() -> None:
    orders = [_order(f"#{n}", f"2024-0{n}-01T00:00:00Z") for n in range(1, 8)]
    orders[-1]["tracking_number"] = "1Z999"
    facts = summarize({"orders": orders, "customer_id": "11", "orders_count": None})
    assert [o["order_number"] for o in facts["orders"]] == ["#7", "#6", "#5", "#4", "#3"]
    assert facts["order_number"] == "#7" and facts["tracking_number"] == "1Z999"
    assert "orders_count" not in facts and facts["customer_id"] == "11"


def test_sources_merge_and_a_webhook_upserts_one_order() -> None:
    shopify = summarize({"orders": [_order("#1001", "2024-10-01T00:00:00Z")],
                         "customer_since": "2023-01-01T00:00:00Z"})  # fmt: skip
    stripe = summarize({"charges": [{"id": "ch_1", "amount": "10.00", "status": "succeeded",
                                     "created_at": "2024-11-01T00:00:00Z"}],
                        "customer_since": "2022-06-01T00:00:00Z"})  # fmt: skip
    facts = merge({}, "shopify", shopify, replace=True, now=NOW)
    facts = merge(facts, "stripe", stripe, replace=True, now=NOW)
    assert facts["order_number"] == "#1001" and facts["last_charge_status"] == "succeeded"
    assert facts["customer_since"] == "2022-06-01T00:00:00Z"
    assert set(facts["sources"]) == {"shopify", "stripe"}
    assert facts["orders"][0]["source"] == "shopify"
    shipped = {"orders": [{"id": "1001", "status": "in transit", "tracking_number": "1Z1"}]}
    facts = merge(facts, "shopify", shipped, replace=False, now=NOW + timedelta(hours=1))
    assert facts["order_status"] == "in transit" and facts["tracking_number"] == "1Z1"
    assert facts["fetched_at"] == "2024-12-01T12:00:00Z"  # a webhook is not a full fetch
    undated = {"orders": [{"id": "999", "status": "fulfilled"}]}  # an order we never saw
    assert merge(facts, "shopify", undated, replace=False, now=NOW)["orders"] == facts["orders"]
    newer = {"orders": [_order("#1002", "2024-11-30T00:00:00Z")]}
    facts = merge(facts, "shopify", newer, replace=False, now=NOW)
    assert facts["order_number"] == "#1002" and len(facts["orders"]) == 2
    replaced = merge(facts, "shopify", summarize({"orders": []}), replace=True, now=NOW)
    assert "order_number" not in replaced and replaced["last_charge_amount"] == "10.00"
    json.dumps(replaced)


# Stored on contacts -----------------------------------------------------------------------


@pytest.fixture
def shopify() -> Iterator[tuple[shop.ShopifyFake, str]]:
    fake = shop.ShopifyFake()
    fake.add_customer(
        shop.customer(11, CASEY),
        shop.order(5001, 1001, "2024-10-01T10:00:00-05:00", email=CASEY, customer_id=11),
        shop.order(5002, 1002, "2024-11-20T09:30:00+01:00", email=CASEY, customer_id=11,
                   tracking="1Z999AA10123456784", fulfillment_status="fulfilled"),
    )  # fmt: skip
    with serve_app(fake.app()) as base:
        yield fake, base


def _shopify_config(base: str) -> ShopifyConfig:
    return ShopifyConfig(shop=shop.SHOP, admin_api_access_token=shop.ACCESS_TOKEN,
                                api_secret=shop.API_SECRET, api_base_url=base)  # fmt: skip


async def _add_shopify(runtime: Runtime, org_id: uuid.UUID, base: str) -> uuid.UUID:
    async with runtime.sessions() as session, session.begin():
        row = Integration(id=uuid.uuid4(), organization_id=org_id, name="Store", type="shopify",
                          status="active", config={}, health={}, state={})  # fmt: skip
        seal_config(row, _shopify_config(base), runtime.secret_box)
        session.add(row)
    return row.id


async def _contact(runtime: Runtime, org_id: uuid.UUID, email: str = CASEY) -> uuid.UUID:
    async with runtime.sessions() as session, session.begin():
        contact = Contact(id=uuid.uuid4(), organization_id=org_id, email=email, name="Casey",
                          external_ids={}, attributes={})  # fmt: skip
        session.add(contact)
    return contact.id


async def _commerce(runtime: Runtime, contact_id: uuid.UUID) -> dict[str, Any]:
    async with runtime.sessions() as session:
        contact = await session.get(Contact, contact_id)
        assert contact is not None
        return dict((contact.attributes or {}).get("commerce") or {})


def _connections(runtime: Runtime) -> Connections:
    return Connections(runtime.sessions, runtime.secret_box)


async def test_a_contact_is_looked_up_once_per_ten_minutes(
    runtime: Runtime, shopify: tuple[shop.ShopifyFake, str]
) -> None:
    fake, base = shopify
    org = await make_org(runtime)
    integration_id = await _add_shopify(runtime, org.id, base)
    contact_id = await _contact(runtime, org.id)
    ids = {"organization_id": org.id, "contact_id": contact_id}
    facts = await enrich_contact(runtime.sessions, _connections(runtime), **ids, now=NOW)
    assert facts["order_number"] == "#1002" and facts["tracking_number"] == "1Z999AA10123456784"
    assert (await _commerce(runtime, contact_id))["order_number"] == "#1002"
    async with runtime.sessions() as session:
        contact = await session.get(Contact, contact_id)
        assert contact is not None
        assert contact.external_ids[f"shopify:{integration_id}"] == "11"
    calls = len(fake.requests)
    later = NOW + timedelta(minutes=9)
    await enrich_contact(runtime.sessions, _connections(runtime), **ids, now=later)
    assert len(fake.requests) == calls
    await enrich_contact(
        runtime.sessions, _connections(runtime), **ids, now=later + timedelta(minutes=2)
    )
    assert len(fake.requests) > calls


async def test_a_failing_provider_keeps_the_previous_facts(
    runtime: Runtime, shopify: tuple[shop.ShopifyFake, str]
) -> None:
    fake, base = shopify
    org = await make_org(runtime)
    integration_id = await _add_shopify(runtime, org.id, base)
    contact_id = await _contact(runtime, org.id)
    ids = {"organization_id": org.id, "contact_id": contact_id}
    await enrich_contact(runtime.sessions, _connections(runtime), **ids, now=NOW)
    fake.fail_next.append((503, {}))
    later = NOW + timedelta(hours=1)
    facts = await enrich_contact(runtime.sessions, _connections(runtime), **ids, now=later)
    assert facts["order_number"] == "#1002" and facts["fetched_at"] == "2024-12-01T12:00:00Z"
    assert (await _commerce(runtime, contact_id)) == facts
    async with runtime.sessions() as session:
        row = await session.get(Integration, integration_id)
        assert row is not None and "HTTP 503" in row.health["last_error"]
        assert shop.ACCESS_TOKEN not in json.dumps(row.health)


async def test_webhook_facts_reach_only_the_contacts_they_name(runtime: Runtime) -> None:
    org, other = await make_org(runtime), await make_org(runtime)
    mine, theirs = await _contact(runtime, org.id), await _contact(runtime, other.id)
    stranger = await _contact(runtime, org.id, email="someone@example.com")
    facts = {"orders": [_order("#9999", "2024-12-01T00:00:00Z")], "customer_id": "77"}
    integration_id = uuid.uuid4()
    count = await store_facts(runtime.sessions, organization_id=org.id,
                              integration_id=integration_id, source="shopify",
                              customer=Party(email="CASEY@example.com"), facts=facts)  # fmt: skip
    assert count == 1
    assert (await _commerce(runtime, mine))["order_number"] == "#9999"
    assert await _commerce(runtime, theirs) == {} and await _commerce(runtime, stranger) == {}
    # Recorded with the contact, the provider's customer id alone now finds them.
    update = {"orders": [{"id": "9999", "status": "delivered"}]}
    assert await store_facts(runtime.sessions, organization_id=org.id,
                             integration_id=integration_id, source="shopify",
                             customer=Party(external_id="77"), facts=update) == 1  # fmt: skip
    assert (await _commerce(runtime, mine))["order_status"] == "delivered"


async def test_a_signed_order_webhook_refreshes_the_customers_contact(runtime: Runtime) -> None:
    org = await make_org(runtime)
    contact_id = await _contact(runtime, org.id, email="jon@example.com")
    body = json.dumps(
        shop.order(
            820982911946154508,
            9999,
            "2024-12-01T10:00:00Z",
            email="jon@example.com",
            customer_id=5,
            tracking="1ZX",
        )
    ).encode()
    request = WebhookRequest(method="POST", url="https://sb.example/x", query={}, body=body,
                             headers=shop.signed_headers(body, "orders/fulfilled"))  # fmt: skip
    integration_id = await _add_shopify(runtime, org.id, "http://127.0.0.1:9")
    _, conn = await _connections(runtime).load(integration_id)
    connector = SHOPIFY.connector()
    connector.verify(conn, request)
    assert await connector.parse(conn, request) == []
    assert await refresh_from_webhook(runtime.sessions, connector, conn, request) == 1
    facts = await _commerce(runtime, contact_id)
    assert facts["order_number"] == "#9999" and facts["tracking_number"] == "1ZX"


# The pipeline -----------------------------------------------------------------------------


async def _no_knowledge(org_id: str, text: str) -> list[tuple[Source, str]]:
    return []


async def _draft_everything(runtime: Runtime, org: Org) -> None:
    async with runtime.sessions() as session, session.begin():
        session.add(Workflow(organization_id=org.id, name="draft all",
                             definition={"actions": [{"type": "request_draft"}]}))  # fmt: skip


@pytest.mark.parametrize("path", ["batch", "per-message"])
async def test_an_inbound_message_brings_the_customers_orders_to_its_draft(
    runtime: Runtime,
    js: JetStreamContext,
    shopify: tuple[shop.ShopifyFake, str],
    path: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="ingestion.pipeline.processor")
    fake, base = shopify
    org = await make_org(runtime)
    await _add_shopify(runtime, org.id, base)
    await _draft_everything(runtime, org)

    async def observe(step: str, msg: Any) -> None:
        return None

    assert runtime.classifier is not None
    processor = MessageProcessor(
        runtime.sessions, runtime.classifier, js,
        context=ContextEnricher(runtime.sessions, _connections(runtime)),
        checkpoint=observe if path == "per-message" else None,
    )  # fmt: skip
    text = "Hello, my parcel has not arrived yet. Can you tell me where it is?"
    msg = org.message(sender=Party(email=CASEY, name="Casey"), subject="Parcel", text=text)
    result = await processor.process(msg)
    async with runtime.sessions() as session:
        conversation = await session.get(Conversation, result.conversation_id)
        assert conversation is not None and conversation.contact_id is not None
        contact = await session.get(Contact, conversation.contact_id)
        assert contact is not None
        assert contact.attributes["commerce"]["order_number"] == "#1002"
        draft = await session.scalar(select(Draft).where(Draft.message_id == result.message_id))
        assert draft is not None
    context, _ = await gather_context(runtime.sessions, _no_knowledge, organization_id=org.id,
                                      conversation_id=result.conversation_id,
                                      message_id=result.message_id)  # fmt: skip
    assert context.commerce["order_number"] == "#1002"
    assert ("per-message path" in caplog.text) is False  # the batch path ran as a batch
    assert fill_values(context)["tracking_number"] == "1Z999AA10123456784"
    calls = len(fake.requests)
    again = await processor.process(msg)  # a redelivery: stored once, looked up once
    assert again.duplicate and len(fake.requests) == calls


async def test_organizations_without_context_integrations_pay_nothing(
    runtime: Runtime, js: JetStreamContext, org: Org
) -> None:
    assert runtime.classifier is not None
    enricher = ContextEnricher(runtime.sessions, _connections(runtime))
    processor = MessageProcessor(runtime.sessions, runtime.classifier, js, context=enricher)
    result = await processor.process(org.message(sender=Party(email=CASEY)))
    async with runtime.sessions() as session:
        conversation = await session.get(Conversation, result.conversation_id)
        assert conversation is not None and conversation.contact_id is not None
        contact = await session.get(Contact, conversation.contact_id)
        assert contact is not None and "commerce" not in contact.attributes
    assert await enricher.has_context(org.id) is False
