"""Shopify, WooCommerce and Stripe context connectors against fake providers on loopback: real
HTTP (the Stripe SDK included), real signatures, the providers' documented shapes."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import ValidationError

from ingestion.connectors.base import ConnectorConfig
from ingestion.connectors.capabilities import Connection, WebhookRequest
from ingestion.connectors.shopify import SPEC as SHOPIFY
from ingestion.connectors.shopify import ShopifyConfig
from ingestion.connectors.stripe_billing import SPEC as STRIPE
from ingestion.connectors.stripe_billing import StripeConfig, money
from ingestion.connectors.woocommerce import SPEC as WOO
from ingestion.connectors.woocommerce import WooCommerceConfig
from ingestion.contract import Party
from store.errors import BadInput, Retriable, Unauthorized
from tests.fakes import shopify as shop
from tests.fakes import stripe_api as st
from tests.fakes import woocommerce as woo
from tests.fakes.http_server import serve_app
from tests.ingestion.connectors.examples.shopify import ORDER_WEBHOOK
from tests.ingestion.connectors.examples.woocommerce import ORDER_727

CASEY = "casey@example.com"


def _conn(spec: Any, **config: Any) -> Connection:
    return Connection(
        integration_id=uuid.uuid4(),
        organization_id=uuid.uuid4(),
        channel=spec.slug,
        config=spec.config_model(**config),
    )


def _request(body: bytes, headers: dict[str, str], method: str = "POST") -> WebhookRequest:
    return WebhookRequest(method=method, url="https://sb.example/api/v1/webhooks/x/y",
                          headers=headers, query={}, body=body)  # fmt: skip


async def _lookup(spec: Any, conn: Connection, party: Party) -> dict[str, Any]:
    try:
        return dict(await spec.connector().lookup(conn, party))
    finally:
        if conn.http is not None:
            await conn.http.aclose()


# Shopify -----------------------------------------------------------------------------------


@pytest.fixture
def shopify() -> Iterator[tuple[shop.ShopifyFake, str]]:
    fake = shop.ShopifyFake()
    with serve_app(fake.app()) as base:
        yield fake, base


def _shopify_conn(base: str, **overrides: Any) -> Connection:
    values = {"shop": shop.SHOP, "admin_api_access_token": shop.ACCESS_TOKEN,
              "api_secret": shop.API_SECRET, "api_base_url": base, **overrides}  # fmt: skip
    return _conn(SHOPIFY, **values)


def _casey_orders(count: int) -> list[dict[str, Any]]:
    orders = [
        shop.order(
            5000 + n,
            1000 + n,
            f"2024-0{1 + n % 9}-1{n}T10:00:00-05:00",
            email=CASEY,
            customer_id=11,
        )
        for n in range(count - 1)
    ]
    newest = shop.order(5999, 1099, "2024-11-20T09:30:00+01:00", email=CASEY, customer_id=11,
                        tracking="1Z999AA10123456784", fulfillment_status="fulfilled",
                        shipment_status="in_transit")  # fmt: skip
    return [*orders, newest]


async def test_shopify_lookup_quotes_the_newest_order_and_its_tracking(
    shopify: tuple[shop.ShopifyFake, str],
) -> None:
    fake, base = shopify
    fake.add_customer(shop.customer(11, CASEY), *_casey_orders(7))
    fake.add_customer(
        shop.customer(12, "big.casey@example.com"),
        shop.order(7000, 2000, "2025-01-01T00:00:00Z", email="x", customer_id=12),
    )
    facts = await _lookup(SHOPIFY, _shopify_conn(base), Party(email=CASEY))
    assert facts["order_number"] == "#1099" and facts["order_status"] == "in transit"
    assert facts["tracking_number"] == "1Z999AA10123456784" and facts["carrier"] == "UPS"
    assert facts["order_date"] == "2024-11-20T08:30:00Z" and facts["customer_id"] == "11"
    assert len(facts["orders"]) == 5
    dates = [o["created_at"] for o in facts["orders"]]
    assert dates == sorted(dates, reverse=True)
    paths = [path for _, path, _ in fake.requests]
    assert paths[-1] == "/admin/api/2024-10/customers/11/orders.json"
    assert fake.requests[-1][2]["status"] == "any"
    json.dumps(facts)


async def test_shopify_lookup_of_an_unknown_customer_answers_nothing(
    shopify: tuple[shop.ShopifyFake, str],
) -> None:
    fake, base = shopify
    fake.add_customer(shop.customer(12, "big.casey@example.com"))
    assert await _lookup(SHOPIFY, _shopify_conn(base), Party(email=CASEY)) == {}
    assert [p for _, p, _ in fake.requests] == ["/admin/api/2024-10/customers/search.json"]


async def test_shopify_lookup_falls_back_to_the_phone(
    shopify: tuple[shop.ShopifyFake, str],
) -> None:
    fake, base = shopify
    fake.add_customer(shop.customer(11, CASEY, phone="+15145550123"), *_casey_orders(1))
    facts = await _lookup(SHOPIFY, _shopify_conn(base), Party(phone="+1 (514) 555-0123"))
    assert facts["order_number"] == "#1099"


async def test_shopify_errors_map_to_what_the_caller_should_do(
    shopify: tuple[shop.ShopifyFake, str],
) -> None:
    fake, base = shopify
    fake.fail_next.append((429, {"Retry-After": "7"}))
    with pytest.raises(Retriable) as limited:
        await _lookup(SHOPIFY, _shopify_conn(base), Party(email=CASEY))
    assert limited.value.retry_after == 7
    with pytest.raises(Unauthorized):
        await _lookup(SHOPIFY, _shopify_conn(base, admin_api_access_token="shpat_revoked"),
                      Party(email=CASEY))  # fmt: skip
    fake.fail_next.append((503, {}))
    with pytest.raises(Retriable):
        await _lookup(SHOPIFY, _shopify_conn(base), Party(email=CASEY))


def test_shopify_config_takes_the_store_domain_and_hides_secrets() -> None:
    config = ShopifyConfig(shop="https://Acme-Store.myshopify.com/",
                                  admin_api_access_token="shpat_0123456789")  # fmt: skip
    assert config.shop == "acme-store.myshopify.com"
    with pytest.raises(ValidationError):
        ShopifyConfig(shop="acme.example.com", admin_api_access_token="shpat_0123456789")
    schema = SHOPIFY.config_schema()["properties"]
    assert schema["admin_api_access_token"]["writeOnly"] and schema["api_secret"]["writeOnly"]
    assert isinstance(config, ConnectorConfig)
    public, hidden = config.split()
    assert "admin_api_access_token" in hidden and "admin_api_access_token" not in public


async def test_shopify_order_webhooks_refresh_context_and_open_no_conversation() -> None:
    conn, connector = _conn(SHOPIFY, shop=shop.SHOP, admin_api_access_token=shop.ACCESS_TOKEN,
                            api_secret=shop.API_SECRET), SHOPIFY.connector()  # fmt: skip
    body = json.dumps(ORDER_WEBHOOK).encode()
    request = _request(body, shop.signed_headers(body, "orders/updated"))
    connector.verify(conn, request)
    assert await connector.parse(conn, request) == []
    party, facts = await connector.context_update(conn, request)
    assert party.email == "jon@example.com" and party.external_id == "115310627314723954"
    (order,) = facts["orders"]
    assert (order["order_number"], order["status"]) == ("#9999", "cancelled")
    elsewhere = _request(body, shop.signed_headers(body, "orders/updated", shop="x.myshopify.com"))
    with pytest.raises(Unauthorized):
        connector.verify(conn, elsewhere)


async def test_shopify_fulfillment_and_customer_webhooks_update_what_they_name() -> None:
    conn, connector = _conn(SHOPIFY, shop=shop.SHOP, admin_api_access_token=shop.ACCESS_TOKEN,
                            api_secret=shop.API_SECRET), SHOPIFY.connector()  # fmt: skip
    fulfillment = {"id": 123456, "order_id": 820982911946154508, "status": "success",
                   "shipment_status": "out_for_delivery", "email": "jon@example.com",
                   "tracking_company": "UPS", "tracking_number": "1z827wk74630",
                   "tracking_numbers": ["1z827wk74630"],
                   "tracking_url": "https://www.ups.com/WebTracking?trackNums=1z827wk74630",
                   "tracking_urls": []}  # fmt: skip
    body = json.dumps(fulfillment).encode()
    _, facts = await connector.context_update(
        conn, _request(body, shop.signed_headers(body, "fulfillments/create"))
    )
    (update,) = facts["orders"]
    assert update["id"] == "820982911946154508" and "created_at" not in update
    assert update["tracking_number"] == "1z827wk74630" and update["status"] == "out for delivery"
    body = json.dumps(shop.customer(11, CASEY)).encode()
    party, facts = await connector.context_update(
        conn, _request(body, shop.signed_headers(body, "customers/update"))
    )
    assert party.external_id == "11" and facts["customer_since"] == "2023-05-02T14:20:49Z"
    body = b'{"id": 1, "title": "Hat"}'
    assert (
        await connector.context_update(
            conn, _request(body, shop.signed_headers(body, "products/update"))
        )
        is None
    )
    with pytest.raises(BadInput):
        await connector.parse(conn, _request(b"[]", shop.signed_headers(b"[]", "orders/create")))


# WooCommerce -------------------------------------------------------------------------------


@pytest.fixture
def store() -> Iterator[tuple[woo.WooFake, str]]:
    fake = woo.WooFake()
    with serve_app(fake.app()) as base:
        yield fake, base


def _woo_conn(base: str, **overrides: Any) -> Connection:
    values = {"store_url": "https://shop.example.com", "consumer_key": woo.CONSUMER_KEY,
              "consumer_secret": woo.CONSUMER_SECRET, "webhook_secret": woo.WEBHOOK_SECRET,
              "api_base_url": base, **overrides}  # fmt: skip
    return _conn(WOO, **values)


async def test_woocommerce_lookup_keeps_only_the_customers_own_orders(
    store: tuple[woo.WooFake, str],
) -> None:
    fake, base = store
    fake.customers.append({"id": 26, "email": CASEY, "date_created_gmt": "2023-03-21T19:09:28"})
    fake.orders += [
        woo.order(801, "2024-10-01T08:00:00", email=CASEY, customer_id=26, status="completed"),
        woo.order(802, "2024-11-02T08:00:00", email=CASEY, status="on-hold", tracking="9400111"),
        woo.order(803, "2024-12-24T08:00:00", email="big.casey@example.com"),
    ]
    facts = await _lookup(WOO, _woo_conn(base), Party(email=CASEY))
    assert [o["order_number"] for o in facts["orders"]] == ["802", "801"]
    assert facts["order_status"] == "on hold" and facts["tracking_number"] == "9400111"
    assert facts["carrier"] == "usps" and facts["customer_since"] == "2023-03-21T19:09:28Z"
    assert facts["customer_id"] == "26"


async def test_woocommerce_lookup_errors_and_unknown_customers(
    store: tuple[woo.WooFake, str],
) -> None:
    fake, base = store
    assert await _lookup(WOO, _woo_conn(base), Party(email=CASEY)) == {}
    assert await _lookup(WOO, _woo_conn(base), Party(phone="+15145550123")) == {}
    with pytest.raises(Unauthorized):
        await _lookup(WOO, _woo_conn(base, consumer_secret="cs_wrong_secret"), Party(email=CASEY))
    fake.fail_next.append((429, {"Retry-After": "7"}))
    with pytest.raises(Retriable) as limited:
        await _lookup(WOO, _woo_conn(base), Party(email=CASEY))
    assert limited.value.retry_after == 7


async def test_woocommerce_answers_the_creation_ping_and_verifies_deliveries() -> None:
    conn, connector = _woo_conn("http://127.0.0.1:9"), WOO.connector()
    ping = _request(b"webhook_id=12", {"content-type": "application/x-www-form-urlencoded"})
    reply = connector.handshake(conn, ping)
    assert reply is not None and reply.status == 200
    with pytest.raises(Unauthorized):
        connector.verify(conn, ping)  # the ping is unsigned: it can never be a delivery
    body = json.dumps(ORDER_727).encode()
    delivery = _request(body, woo.signed_headers(body, "order.updated"))
    assert connector.handshake(conn, delivery) is None
    connector.verify(conn, delivery)
    assert await connector.parse(conn, delivery) == []
    party, facts = await connector.context_update(conn, delivery)
    assert party.email == "john.doe@example.com" and party.external_id is None
    assert facts["orders"][0]["status"] == "processing"
    gone = b'{"id": 727}'
    assert (
        await connector.context_update(
            conn, _request(gone, woo.signed_headers(gone, "order.deleted"))
        )
        is None
    )


def test_woocommerce_store_must_be_https() -> None:
    with pytest.raises(ValidationError):
        WooCommerceConfig(store_url="http://shop.example.com", consumer_key=woo.CONSUMER_KEY,
                         consumer_secret=woo.CONSUMER_SECRET)  # fmt: skip


# Stripe ------------------------------------------------------------------------------------


@pytest.fixture
def stripe_api() -> Iterator[tuple[st.StripeFake, str]]:
    fake = st.StripeFake()
    with serve_app(fake.app()) as base:
        yield fake, base


def _stripe_conn(base: str, **overrides: Any) -> Connection:
    values = {"secret_key": st.SECRET_KEY, "webhook_secret": st.WEBHOOK_SECRET,
              "api_base_url": base, **overrides}  # fmt: skip
    return _conn(STRIPE, **values)


async def test_stripe_lookup_reads_charges_receipts_and_disputes(
    stripe_api: tuple[st.StripeFake, str],
) -> None:
    fake, base = stripe_api
    fake.customers.append(st.customer("cus_casey", CASEY))
    fake.charges += [
        st.charge("ch_old", "cus_casey", 1700000000, refunded=True, amount_refunded=1099),
        st.charge("ch_new", "cus_casey", 1710000000, amount=4200, disputed=True),
        st.charge("ch_other", "cus_other", 1720000000),
    ]
    fake.disputes.append(st.dispute("du_casey", "ch_new", 1710500000))
    facts = await _lookup(STRIPE, _stripe_conn(base), Party(email=CASEY))
    assert [c["id"] for c in facts["charges"]] == ["ch_new", "ch_old"]
    assert facts["last_charge_amount"] == "42.00" and facts["last_charge_currency"] == "USD"
    assert facts["receipt_url"] == "https://pay.stripe.com/receipts/payment/ch_new"
    assert facts["charges"][1]["status"] == "refunded"
    assert facts["dispute_status"] == "needs response"
    assert facts["dispute_reason"] == "product not received"
    assert ("GET", "/v1/disputes", {"charge": "ch_new"}) in fake.requests
    json.dumps(facts)


async def test_stripe_errors_map_through_the_sdk(stripe_api: tuple[st.StripeFake, str]) -> None:
    fake, base = stripe_api
    assert await _lookup(STRIPE, _stripe_conn(base), Party(email=CASEY)) == {}
    fake.fail_next.append((429, {"Retry-After": "7"}))
    with pytest.raises(Retriable) as limited:
        await _lookup(STRIPE, _stripe_conn(base), Party(email=CASEY))
    assert limited.value.retry_after == 7
    with pytest.raises(Unauthorized):
        await _lookup(STRIPE, _stripe_conn(base, secret_key="sk_test_revoked"), Party(email=CASEY))
    fake.fail_next.append((503, {}))
    with pytest.raises(Retriable):
        await _lookup(STRIPE, _stripe_conn(base), Party(email=CASEY))


def test_stripe_signatures_allow_a_rolled_secret_within_the_tolerance() -> None:
    conn, connector = _stripe_conn("http://127.0.0.1:9"), STRIPE.connector()
    body = st.event("charge.refunded", st.charge("ch_1", "cus_1", 1700000000))
    good = st.signature_header(body)
    stamp, signature = good.split(",")
    rolled = f"{stamp},v1={'0' * 64},{signature}"
    connector.verify(conn, _request(body, {"stripe-signature": rolled}))
    for header in (
        st.signature_header(body, timestamp=int(time.time()) - 301),
        st.signature_header(body, timestamp=int(time.time()) + 301),
        st.signature_header(body, secret="whsec_someone_else"),
        signature,  # no timestamp
        f"{stamp},v0={signature.split('=')[1]}",
    ):
        with pytest.raises(Unauthorized):
            connector.verify(conn, _request(body, {"stripe-signature": header}))


async def test_stripe_dispute_event_names_the_charges_customer(
    stripe_api: tuple[st.StripeFake, str],
) -> None:
    fake, base = stripe_api
    fake.charges.append(st.charge("ch_new", "cus_casey", 1710000000, disputed=True))
    conn, connector = _stripe_conn(base), STRIPE.connector()
    body = st.event("charge.dispute.created", st.dispute("du_casey", "ch_new", 1710500000))
    request = _request(body, {"stripe-signature": st.signature_header(body)})
    connector.verify(conn, request)
    assert await connector.parse(conn, request) == []
    party, facts = await connector.context_update(conn, request)
    assert party.external_id == "cus_casey"
    assert facts["disputes"][0]["status"] == "needs response"
    assert facts["charges"][0]["disputed"] is True
    with pytest.raises(BadInput):
        await connector.parse(conn, _request(b'{"id": "x"}', {}))


def test_stripe_amounts_are_in_the_currencys_own_units() -> None:
    assert money(1099, "usd") == "10.99" and money(5, "eur") == "0.05"
    assert money(500, "jpy") == "500" and money(1234, "kwd") == "1.234"
    assert money(-250, "usd") == "-2.50" and money(None, "usd") is None


def test_stripe_config_refuses_the_wrong_kind_of_key() -> None:
    with pytest.raises(ValidationError):
        StripeConfig(secret_key="pk_test_publishable_key")
    with pytest.raises(ValidationError):
        StripeConfig(secret_key="rk_test_restricted_key", webhook_secret="not-a-whsec")
    assert StripeConfig(secret_key="rk_test_restricted_key")
