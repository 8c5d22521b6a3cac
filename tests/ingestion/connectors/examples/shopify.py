"""Shopify: documented Admin REST responses (API 2024-10) and the documented order webhook.

The REST bodies are Shopify's own reference examples (the ones shopify-api-ruby's generated
tests replay for `Customer.search` and `Customer.orders`), trimmed to the fields a support reply
reads; every value kept is verbatim. The webhook body is the reference example of the orders
topics, trimmed the same way. Shopify has no Python signing helper, so the test signs with the
documented algorithm directly: base64 HMAC-SHA256 of the raw body under the app's secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from tests.ingestion.connectors.cases import Case, Inbound, Lookup, json_body

SHOP = "jsmith.myshopify.com"
SECRET = "hush-shopify-client-secret"
API = "/admin/api/2024-10"
CUSTOMERS_DOC = "https://shopify.dev/docs/api/admin-rest/2024-10/resources/customer"
WEBHOOK_DOC = "https://shopify.dev/docs/api/webhooks?reference=toml#list-topics-orders/updated"

# GET /admin/api/2024-10/customers/search.json?query=email:bob.norman@mail.example.com
SEARCH = {
    "customers": [{
        "id": 207119551, "email": "bob.norman@mail.example.com",
        "created_at": "2024-10-02T09:21:37-05:00", "updated_at": "2024-10-02T09:21:37-05:00",
        "first_name": "Bob", "last_name": "Norman", "orders_count": 1, "state": "disabled",
        "total_spent": "199.65", "last_order_id": 450789469, "note": None,
        "verified_email": True, "multipass_identifier": None, "tax_exempt": False,
        "tags": "Léon, Noël", "last_order_name": "#1001", "currency": "USD",
        "phone": "+16136120707", "tax_exemptions": [],
        "admin_graphql_api_id": "gid://shopify/Customer/207119551",
    }]
}  # fmt: skip

# GET /admin/api/2024-10/customers/207119551/orders.json?status=any
ORDERS = {
    "orders": [{
        "id": 450789469, "admin_graphql_api_id": "gid://shopify/Order/450789469",
        "cancel_reason": None, "cancelled_at": None, "closed_at": None, "confirmed": True,
        "contact_email": "bob.norman@mail.example.com",
        "created_at": "2008-01-10T11:00:00-05:00", "currency": "USD",
        "current_total_price": "199.65", "email": "bob.norman@mail.example.com",
        "financial_status": "partially_refunded", "fulfillment_status": None,
        "name": "#1001", "number": 1, "order_number": 1001, "phone": "+557734881234",
        "processed_at": "2008-01-10T11:00:00-05:00", "total_price": "598.94",
        "updated_at": "2008-01-10T11:00:00-05:00",
        "customer": {"id": 207119551, "email": "bob.norman@mail.example.com",
                     "created_at": "2024-10-02T09:18:20-05:00", "first_name": "Bob",
                     "last_name": "Norman", "phone": "+16136120707"},
        "fulfillments": [{
            "id": 255858046, "created_at": "2024-10-02T09:18:20-05:00",
            "location_id": 655441491, "name": "#1001.0", "order_id": 450789469,
            "service": "manual", "shipment_status": None, "status": "failure",
            "tracking_company": "USPS", "tracking_number": "1Z2345",
            "tracking_numbers": ["1Z2345"],
            "tracking_url": "https://tools.usps.com/go/TrackConfirmAction_input?qtc_tLabels1=1Z2345",
            "tracking_urls": ["https://tools.usps.com/go/TrackConfirmAction_input?qtc_tLabels1=1Z2345"],
            "updated_at": "2024-10-02T09:18:20-05:00",
        }],
        "line_items": [
            {"id": 466157049, "name": "IPod Nano - 8gb - green", "price": "199.00",
             "quantity": 1, "sku": "IPOD2008GREEN", "title": "IPod Nano - 8gb"},
            {"id": 518995019, "name": "IPod Nano - 8gb - red", "price": "199.00",
             "quantity": 1, "sku": "IPOD2008RED", "title": "IPod Nano - 8gb"},
            {"id": 703073504, "name": "IPod Nano - 8gb - black", "price": "199.00",
             "quantity": 1, "sku": "IPOD2008BLACK", "title": "IPod Nano - 8gb"},
        ],
    }]
}  # fmt: skip

# The orders/* webhook reference example (orders/cancelled, orders/updated...).
ORDER_WEBHOOK: dict[str, Any] = {
    "id": 820982911946154508, "admin_graphql_api_id": "gid://shopify/Order/820982911946154508",
    "cancel_reason": "customer", "cancelled_at": "2021-12-31T19:00:00-05:00",
    "closed_at": None, "confirmed": False, "contact_email": "jon@example.com",
    "created_at": "2021-12-31T19:00:00-05:00", "currency": "USD",
    "email": "jon@example.com", "financial_status": "voided", "fulfillment_status": None,
    "name": "#9999", "number": 234, "order_number": 1234, "phone": None,
    "total_price": "388.00", "updated_at": "2021-12-31T19:00:00-05:00", "test": True,
    "customer": {"id": 115310627314723954, "email": "john@example.com", "created_at": None,
                 "first_name": "John", "last_name": "Smith", "phone": None},
    "fulfillments": [],
    "line_items": [
        {"id": 866550311766439020, "name": "IPod Nano - 8GB", "price": "199.00",
         "quantity": 1, "sku": "IPOD2008PINK", "title": "IPod Nano - 8GB"},
        {"id": 141249953214522974, "name": "IPod Nano - 8GB", "price": "199.00",
         "quantity": 1, "sku": "IPOD2008PINK", "title": "IPod Nano - 8GB"},
    ],
}  # fmt: skip


def sign(topic: str) -> Any:
    def signer(body: bytes, url: str, now: float) -> dict[str, str]:
        mac = hmac.new(SECRET.encode(), body, hashlib.sha256).digest()
        return {
            "x-shopify-hmac-sha256": base64.b64encode(mac).decode(),
            "x-shopify-topic": topic,
            "x-shopify-shop-domain": SHOP,
            "x-shopify-api-version": "2024-10",
        }

    return signer


CASES = [
    Case(
        slug="shopify",
        config={
            "shop": SHOP,
            "admin_api_access_token": "this_is_a_test_token",
            "api_secret": SECRET,
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="orders/updated creates no conversation",
                body=json_body(ORDER_WEBHOOK),
                sign=sign("orders/updated"),
                expect={},
                count=0,
                source=WEBHOOK_DOC,
            ),
        ],
        send=None,
        lookup=Lookup(
            customer={"email": "bob.norman@mail.example.com", "name": "Bob Norman"},
            replies={
                f"{API}/customers/search.json": SEARCH,
                f"{API}/customers/207119551/orders.json": ORDERS,
            },
            expect={
                "order_number": "#1001",
                "order_status": "unfulfilled",
                "financial_status": "partially_refunded",
                "order_total": "598.94",
                "order_currency": "USD",
                "order_date": "2008-01-10T16:00:00Z",
                "customer_id": "207119551",
                "customer_since": "2024-10-02T14:21:37Z",
            },
            path=f"{API}/customers/207119551/orders.json",
            source=CUSTOMERS_DOC,
        ),
    )
]
