"""A fake Shopify store speaking the Admin REST API's documented shapes, plus signed webhooks.

The access token is checked for real (`X-Shopify-Access-Token`); customer search matches
loosely, as Shopify's does, so the connector must pick the exact customer itself; `fail_next`
answers the next call with an error status (and headers, e.g. Retry-After). Orders follow the
Order resource of API 2024-10 (the fields a support reply reads).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

SHOP = "switchboard-test.myshopify.com"
ACCESS_TOKEN = "shpat_0123456789abcdef0123456789abcdef"
API_SECRET = "shpss_fake_client_secret"
API_VERSION = "2024-10"


def signed_headers(body: bytes, topic: str, *, secret: str = API_SECRET,
                   shop: str = SHOP) -> dict[str, str]:  # fmt: skip
    """What Shopify sends: base64 HMAC-SHA256 of the raw body under the app's client secret."""
    mac = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return {
        "x-shopify-hmac-sha256": mac,
        "x-shopify-topic": topic,
        "x-shopify-shop-domain": shop,
        "x-shopify-api-version": API_VERSION,
        "x-shopify-webhook-id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        "content-type": "application/json",
    }


def customer(customer_id: int, email: str, *, phone: str | None = None,
             created_at: str = "2023-05-02T09:20:49-05:00") -> dict[str, Any]:  # fmt: skip
    return {
        "id": customer_id,
        "email": email,
        "phone": phone,
        "first_name": "Casey",
        "last_name": "Customer",
        "created_at": created_at,
        "orders_count": 0,
        "state": "enabled",
        "admin_graphql_api_id": f"gid://shopify/Customer/{customer_id}",
    }


def order(order_id: int, number: int, created_at: str, *, email: str,
          customer_id: int, tracking: str | None = None, carrier: str = "UPS",
          fulfillment_status: str | None = None, shipment_status: str | None = None,
          financial_status: str = "paid", total: str = "59.00") -> dict[str, Any]:  # fmt: skip
    fulfillments = []
    if tracking:
        fulfillments.append({
            "id": order_id + 1, "order_id": order_id, "status": "success",
            "shipment_status": shipment_status, "tracking_company": carrier,
            "tracking_number": tracking, "tracking_numbers": [tracking],
            "tracking_url": f"https://www.ups.com/track?tracknum={tracking}",
            "tracking_urls": [f"https://www.ups.com/track?tracknum={tracking}"],
            "created_at": created_at, "name": f"#{number}.1",
        })  # fmt: skip
    return {
        "id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "name": f"#{number}",
        "order_number": number,
        "email": email,
        "contact_email": email,
        "created_at": created_at,
        "cancelled_at": None,
        "currency": "USD",
        "total_price": total,
        "financial_status": financial_status,
        "fulfillment_status": fulfillment_status,
        "fulfillments": fulfillments,
        "line_items": [
            {
                "id": order_id + 2,
                "name": "Trail Runner - 42",
                "title": "Trail Runner",
                "quantity": 1,
                "price": total,
                "sku": "TR-42",
            }
        ],
        "customer": {"id": customer_id, "email": email},
    }


@dataclass
class ShopifyFake:
    """Customers with their orders, and every request received (method, path, query)."""

    customers: dict[int, dict[str, Any]] = field(default_factory=dict)
    orders: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    fail_next: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def add_customer(self, person: dict[str, Any], *orders: dict[str, Any]) -> None:
        self.customers[int(person["id"])] = person
        self.orders[int(person["id"])] = list(orders)

    def app(self) -> FastAPI:
        app = FastAPI()
        prefix = "/admin/api/{version}"

        @app.middleware("http")
        async def gate(request: Request, call_next: Any) -> Any:
            self.requests.append((request.method, request.url.path, dict(request.query_params)))
            if self.fail_next:
                status, headers = self.fail_next.pop(0)
                return JSONResponse({"errors": "failure"}, status_code=status, headers=headers)
            if request.headers.get("x-shopify-access-token") != ACCESS_TOKEN:
                body = {"errors": "[API] Invalid API key or access token (unrecognized login "
                        "or wrong password)"}  # fmt: skip
                return JSONResponse(body, status_code=401)
            return await call_next(request)

        @app.get(prefix + "/customers/search.json")
        async def search(version: str, query: str = "") -> dict[str, Any]:
            field_name, _, value = query.partition(":")
            found = [
                c for c in self.customers.values()
                if value and value.split("@")[0] in str(c.get(field_name) or "")
            ]  # fmt: skip
            return {"customers": found}

        @app.get(prefix + "/customers/{customer_id}/orders.json")
        async def orders(version: str, customer_id: int, limit: int = 50) -> dict[str, Any]:
            mine = sorted(self.orders.get(customer_id, []), key=lambda o: o["created_at"])
            return {"orders": list(reversed(mine))[:limit]}

        @app.get(prefix + "/shop.json")
        async def shop(version: str) -> dict[str, Any]:
            return {"shop": {"id": 548380009, "name": "Switchboard Test Store", "domain": SHOP}}

        return app
