"""A fake WooCommerce store speaking the REST API v3 shapes, plus signed webhooks and the ping.

HTTP Basic credentials (consumer key and secret) are checked for real; `orders?search=` matches
substrings of the billing email, as WooCommerce's search does, so the connector must keep only
the customer's own orders; `fail_next` answers the next call with an error status.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

CONSUMER_KEY = "ck_0123456789abcdef0123456789abcdef01234567"
CONSUMER_SECRET = "cs_0123456789abcdef0123456789abcdef01234567"
WEBHOOK_SECRET = "woo-webhook-secret"


def signed_headers(body: bytes, topic: str, *, secret: str = WEBHOOK_SECRET) -> dict[str, str]:
    """What WooCommerce sends (WC_Webhook::deliver): base64 HMAC-SHA256 of the raw body."""
    mac = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    resource, _, event = topic.partition(".")
    return {
        "x-wc-webhook-source": "https://shop.example.com/",
        "x-wc-webhook-topic": topic,
        "x-wc-webhook-resource": resource,
        "x-wc-webhook-event": event,
        "x-wc-webhook-signature": mac,
        "x-wc-webhook-id": "12",
        "x-wc-webhook-delivery-id": "734",
        "content-type": "application/json",
    }


def order(order_id: int, created_gmt: str, *, email: str, customer_id: int = 0,
          status: str = "processing", tracking: str | None = None,
          total: str = "29.35") -> dict[str, Any]:  # fmt: skip
    meta: list[dict[str, Any]] = []
    if tracking:
        meta.append({"id": order_id * 10, "key": "_wc_shipment_tracking_items", "value": [{
            "tracking_provider": "usps", "custom_tracking_provider": "",
            "custom_tracking_link": "", "tracking_number": tracking,
            "date_shipped": "1711929600", "tracking_id": "f1e2",
        }]})  # fmt: skip
    return {
        "id": order_id,
        "number": str(order_id),
        "status": status,
        "currency": "USD",
        "date_created": created_gmt,
        "date_created_gmt": created_gmt,
        "date_paid_gmt": created_gmt,
        "total": total,
        "customer_id": customer_id,
        "billing": {
            "first_name": "Casey",
            "last_name": "Customer",
            "email": email,
            "phone": "(555) 555-5555",
        },
        "meta_data": meta,
        "line_items": [
            {
                "id": order_id + 1,
                "name": "Woo Single #1",
                "product_id": 93,
                "quantity": 2,
                "total": "6.00",
            }
        ],
    }


@dataclass
class WooFake:
    customers: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    fail_next: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()
        expected = (
            "Basic " + base64.b64encode(f"{CONSUMER_KEY}:{CONSUMER_SECRET}".encode()).decode()
        )

        @app.middleware("http")
        async def gate(request: Request, call_next: Any) -> Any:
            self.requests.append((request.method, request.url.path, dict(request.query_params)))
            if self.fail_next:
                status, headers = self.fail_next.pop(0)
                body = {"code": "error", "message": "failure", "data": {"status": status}}
                return JSONResponse(body, status_code=status, headers=headers)
            if request.headers.get("authorization") != expected:
                body = {
                    "code": "woocommerce_rest_cannot_view",
                    "message": "Sorry, you cannot list resources.",
                    "data": {"status": 401},
                }
                return JSONResponse(body, status_code=401)
            return await call_next(request)

        @app.get("/wp-json/wc/v3/customers")
        async def customers(email: str = "") -> list[dict[str, Any]]:
            return [c for c in self.customers if c.get("email") == email]

        @app.get("/wp-json/wc/v3/orders")
        async def orders(search: str = "", per_page: int = 10) -> list[dict[str, Any]]:
            found = [o for o in self.orders if search in o["billing"]["email"]]
            found.sort(key=lambda o: o["date_created_gmt"], reverse=True)
            return found[:per_page]

        return app
