"""Adobe Commerce (Magento 2), a context connector: the orders search and shipments search in the
shapes of the REST reference (salesOrderRepositoryV1 / salesShipmentRepositoryV1 search results:
`items`, `search_criteria`, `total_count`). No webhook and no replies: a lookup row only."""

from __future__ import annotations

from tests.ingestion.connectors.cases import Case, Lookup

SEARCH_DOC = "https://developer.adobe.com/commerce/webapi/rest/use-rest/performing-searches/"
ORDERS_DOC = "https://adobe-commerce.redoc.ly/2.4.7-admin/tag/orders#operation/GetV1Orders"
SHIPMENTS_DOC = "https://adobe-commerce.redoc.ly/2.4.7-admin/tag/shipments#operation/GetV1Shipments"

ORDERS = {
    "items": [
        {
            "base_currency_code": "USD",
            "created_at": "2024-11-18 09:12:44",
            "customer_email": "roni_cost@example.com",
            "customer_firstname": "Veronica",
            "customer_id": 1,
            "customer_lastname": "Costello",
            "entity_id": 3,
            "grand_total": 36.39,
            "increment_id": "000000003",
            "order_currency_code": "USD",
            "state": "processing",
            "status": "processing",
            "total_due": 0,
            "total_paid": 36.39,
            "items": [
                {"item_id": 5, "name": "Iris Workout Top", "sku": "WS03-XS-Red", "qty_ordered": 1},
                {
                    "item_id": 6,
                    "name": "Iris Workout Top-XS-Red",
                    "sku": "WS03-XS-Red",
                    "qty_ordered": 1,
                    "parent_item_id": 5,
                },
            ],
        },
        {
            "created_at": "2024-10-02 14:00:00",
            "customer_email": "roni_cost@example.com",
            "customer_id": 1,
            "entity_id": 1,
            "grand_total": 29,
            "increment_id": "000000001",
            "order_currency_code": "USD",
            "state": "complete",
            "status": "complete",
            "total_due": 0,
            "items": [
                {"item_id": 1, "name": "Joust Duffle Bag", "sku": "24-MB01", "qty_ordered": 1}
            ],
        },
    ],
    "search_criteria": {
        "filter_groups": [
            {
                "filters": [
                    {
                        "field": "customer_email",
                        "value": "roni_cost@example.com",
                        "condition_type": "eq",
                    }
                ]
            }
        ]
    },
    "total_count": 2,
}
SHIPMENTS = {
    "items": [
        {
            "entity_id": 2,
            "order_id": 3,
            "created_at": "2024-11-19 08:00:00",
            "tracks": [
                {
                    "carrier_code": "ups",
                    "created_at": "2024-11-19 08:00:00",
                    "order_id": 3,
                    "parent_id": 2,
                    "title": "United Parcel Service",
                    "track_number": "1Z999AA10123456784",
                }
            ],
        }
    ],
    "search_criteria": {"filter_groups": []},
    "total_count": 1,
}

CASES = [
    Case(
        slug="magento",
        config={
            "store_url": "https://shop.example.com",
            "access_token": "magento-integration-token-0123456789",
            "api_base_url": "{base}",
        },
        inbound=[],
        send=None,
        lookup=Lookup(
            customer={"email": "Roni_Cost@example.com"},
            replies={"/rest/V1/orders": ORDERS, "/rest/V1/shipments": SHIPMENTS},
            path="/rest/V1/orders",
            expect={
                "order_number": "000000003",
                "order_status": "processing",
                "financial_status": "paid",
                "tracking_number": "1Z999AA10123456784",
                "carrier": "United Parcel Service",
                "order_total": 36.39,
                "order_date": "2024-11-18T09:12:44Z",
                "customer_id": "1",
            },
            source=ORDERS_DOC,
        ),
    )
]
