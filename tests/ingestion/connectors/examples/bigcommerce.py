"""BigCommerce, a context connector: the documented example responses of Get Customers (v3),
Get All Orders (v2) and Get Shipments (v2). No webhook and no replies: a lookup row only."""

from __future__ import annotations

from tests.ingestion.connectors.cases import Case, Lookup

CUSTOMERS_DOC = "https://developer.bigcommerce.com/docs/rest-management/customers#get-all-customers"
ORDERS_DOC = "https://developer.bigcommerce.com/docs/rest-management/orders#get-all-orders"
SHIPMENTS_DOC = (
    "https://developer.bigcommerce.com/docs/rest-management/orders/order-shipments"
    "#get-order-shipments"
)

CUSTOMERS = {
    "data": [
        {
            "id": 11,
            "authentication": {"force_password_reset": False},
            "company": "",
            "customer_group_id": 0,
            "email": "janedoe@example.com",
            "first_name": "Jane",
            "last_name": "Doe",
            "notes": "",
            "phone": "",
            "registration_ip_address": "",
            "tax_exempt_category": "",
            "date_created": "2018-09-13T18:56:33Z",
            "date_modified": "2018-11-16T19:44:51Z",
            "accepts_product_review_abandoned_cart_emails": True,
            "channel_ids": [1],
        }
    ],
    "meta": {
        "pagination": {
            "total": 1,
            "count": 1,
            "per_page": 50,
            "current_page": 1,
            "total_pages": 1,
        }
    },
}
ORDERS = [
    {
        "id": 100,
        "customer_id": 11,
        "date_created": "Tue, 20 Nov 2012 00:00:00 +0000",
        "date_modified": "Tue, 20 Nov 2012 00:00:00 +0000",
        "date_shipped": "",
        "status_id": 11,
        "status": "Awaiting Fulfillment",
        "subtotal_ex_tax": "79.0000",
        "subtotal_inc_tax": "79.0000",
        "total_ex_tax": "80.5000",
        "total_inc_tax": "80.5000",
        "items_total": 2,
        "items_shipped": 0,
        "payment_method": "Cash",
        "payment_status": "captured",
        "currency_code": "USD",
        "billing_address": {
            "first_name": "Jane",
            "last_name": "Doe",
            "email": "janedoe@example.com",
        },
    }
]
SHIPMENTS = [
    {
        "id": 1,
        "order_id": 100,
        "customer_id": 11,
        "order_address_id": 1,
        "date_created": "Tue, 20 Nov 2012 00:00:00 +0000",
        "tracking_number": "EJ958083578US",
        "shipping_method": "Free Shipping",
        "shipping_provider": "usps",
        "tracking_carrier": "usps",
        "tracking_link": "https://tools.usps.com/go/TrackConfirmAction?tLabels=EJ958083578US",
        "comments": "",
        "items": [{"order_product_id": 16, "product_id": 77, "quantity": 2}],
    }
]

CASES = [
    Case(
        slug="bigcommerce",
        config={
            "store_hash": "abc123xyz",
            "access_token": "bigcommerce-api-token-0123",
            "api_base_url": "{base}",
        },
        inbound=[],
        send=None,
        lookup=Lookup(
            customer={"email": "JaneDoe@example.com"},
            replies={
                "/stores/abc123xyz/v3/customers": CUSTOMERS,
                "/stores/abc123xyz/v2/orders": ORDERS,
                "/stores/abc123xyz/v2/orders/100/shipments": SHIPMENTS,
            },
            path="/stores/abc123xyz/v2/orders",
            expect={
                "customer_id": "11",
                "customer_since": "2018-09-13T18:56:33Z",
                "order_number": "100",
                "order_status": "Awaiting Fulfillment",
                "financial_status": "paid",
                "tracking_number": "EJ958083578US",
                "carrier": "usps",
                "order_total": "80.5000",
                "order_date": "2012-11-20T00:00:00Z",
            },
            source=ORDERS_DOC,
        ),
    )
]
