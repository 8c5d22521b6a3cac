"""WooCommerce: the REST API v3 documentation's order example, as a lookup answer and as the
body of an `order.updated` webhook (webhooks deliver the same JSON as the REST API).

The order is the docs' "Retrieve an order" example (id 727), trimmed to the fields a support
reply reads; every value kept is verbatim. Its customer is a guest (`customer_id` 0), so the
customer lookup documentedly answers an empty list. WooCommerce has no Python signing helper:
the test signs as `WC_Webhook::generate_signature` does, base64 HMAC-SHA256 of the raw body.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from tests.ingestion.connectors.cases import Case, Inbound, Lookup, json_body

SECRET = "hush-woo-webhook-secret"
ORDERS_DOC = "https://woocommerce.github.io/woocommerce-rest-api-docs/#retrieve-an-order"
WEBHOOKS_DOC = "https://woocommerce.com/document/webhooks/"

ORDER_727: dict[str, Any] = {
    "id": 727, "parent_id": 0, "number": "727", "order_key": "wc_order_58d2d042d1d",
    "created_via": "rest-api", "version": "3.0.0", "status": "processing", "currency": "USD",
    "date_created": "2017-03-22T16:28:02", "date_created_gmt": "2017-03-22T19:28:02",
    "date_modified": "2017-03-22T16:28:08", "date_modified_gmt": "2017-03-22T19:28:08",
    "discount_total": "0.00", "discount_tax": "0.00", "shipping_total": "10.00",
    "shipping_tax": "0.00", "cart_tax": "1.35", "total": "29.35", "total_tax": "1.35",
    "prices_include_tax": False, "customer_id": 0, "customer_note": "",
    "billing": {
        "first_name": "John", "last_name": "Doe", "company": "", "address_1": "969 Market",
        "address_2": "", "city": "San Francisco", "state": "CA", "postcode": "94103",
        "country": "US", "email": "john.doe@example.com", "phone": "(555) 555-5555",
    },
    "payment_method": "bacs", "payment_method_title": "Direct Bank Transfer",
    "transaction_id": "", "date_paid": "2017-03-22T16:28:08",
    "date_paid_gmt": "2017-03-22T19:28:08", "date_completed": None,
    "date_completed_gmt": None, "cart_hash": "",
    "meta_data": [{"id": 13106, "key": "_download_permissions_granted", "value": "yes"}],
    "line_items": [
        {"id": 315, "name": "Woo Single #1", "product_id": 93, "variation_id": 0,
         "quantity": 2, "tax_class": "", "subtotal": "6.00", "subtotal_tax": "0.45",
         "total": "6.00", "total_tax": "0.45", "sku": "", "price": 3},
        {"id": 316, "name": "Ship Your Idea &ndash; Color: Black, Size: M Test",
         "product_id": 22, "variation_id": 23, "quantity": 1, "tax_class": "",
         "subtotal": "12.00", "subtotal_tax": "0.90", "total": "12.00", "total_tax": "0.90",
         "sku": "Bar3", "price": 12},
    ],
    "shipping_lines": [{"id": 318, "method_title": "Flat Rate", "method_id": "flat_rate",
                        "total": "10.00", "total_tax": "0.00"}],
    "refunds": [],
}  # fmt: skip


def sign(topic: str) -> Any:
    def signer(body: bytes, url: str, now: float) -> dict[str, str]:
        mac = hmac.new(SECRET.encode(), body, hashlib.sha256).digest()
        resource, _, event = topic.partition(".")
        return {
            "x-wc-webhook-signature": base64.b64encode(mac).decode(),
            "x-wc-webhook-topic": topic,
            "x-wc-webhook-resource": resource,
            "x-wc-webhook-event": event,
            "x-wc-webhook-source": "https://example.com/",
            "x-wc-webhook-id": "12",
            "x-wc-webhook-delivery-id": "734",
        }

    return signer


CASES = [
    Case(
        slug="woocommerce",
        config={
            "store_url": "https://example.com",
            "consumer_key": "ck_4f4a8b0c8e0f4e2d9e1d3c5b7a9f0e1d2c3b4a5f",
            "consumer_secret": "cs_5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f",
            "webhook_secret": SECRET,
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="order.updated creates no conversation",
                body=json_body(ORDER_727),
                sign=sign("order.updated"),
                expect={},
                count=0,
                source=WEBHOOKS_DOC,
            ),
        ],
        send=None,
        lookup=Lookup(
            customer={"email": "john.doe@example.com", "name": "John Doe"},
            replies={"/wp-json/wc/v3/customers": [], "/wp-json/wc/v3/orders": [ORDER_727]},
            expect={
                "order_number": "727",
                "order_status": "processing",
                "financial_status": "paid",
                "order_total": "29.35",
                "order_currency": "USD",
                "order_date": "2017-03-22T19:28:02Z",
            },
            path="/wp-json/wc/v3/orders",
            source=ORDERS_DOC,
        ),
    )
]
