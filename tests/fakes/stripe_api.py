"""A fake Stripe API (v1 customers, charges, disputes) for the official SDK, plus signed events.

The secret key is checked for real (`Authorization: Bearer`); list endpoints answer Stripe's
list objects; errors use Stripe's `{"error": {"type", "message"}}` shape so the SDK raises its
own exceptions; `fail_next` answers the next call with an error status. Webhook headers are made
the way stripe-python's own tests make them (`WebhookSignature._compute_signature`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import stripe
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

SECRET_KEY = "sk_test_51FakeSwitchboardKey000000000000"
WEBHOOK_SECRET = "whsec_fake_switchboard_signing_secret"
ERROR_TYPES = {401: "invalid_request_error", 429: "rate_limit_error", 503: "api_error"}


def signature_header(payload: bytes, *, secret: str = WEBHOOK_SECRET,
                     timestamp: int | None = None) -> str:  # fmt: skip
    """`t=<ts>,v1=<sig>` exactly as stripe-python's test helper `generate_header` builds it."""
    stamp = int(time.time()) if timestamp is None else timestamp
    signed = "%d.%s" % (stamp, payload.decode())  # noqa: UP031 - the SDK helper's own format
    signature = stripe.WebhookSignature._compute_signature(signed, secret)  # type: ignore[no-untyped-call]
    return "t=%d,%s=%s" % (stamp, stripe.WebhookSignature.EXPECTED_SCHEME, signature)  # noqa: UP031


def event(
    kind: str, thing: dict[str, Any], event_id: str = "evt_1NG8Du2eZvKYlo2CUI79vXWy"
) -> bytes:
    return json.dumps({
        "id": event_id, "object": "event", "api_version": "2024-06-20", "created": int(time.time()),
        "data": {"object": thing}, "livemode": False, "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None}, "type": kind,
    }).encode()  # fmt: skip


def customer(customer_id: str, email: str, created: int = 1680893993) -> dict[str, Any]:
    return {"id": customer_id, "object": "customer", "email": email, "name": "Casey Customer",
            "created": created, "livemode": False, "metadata": {}}  # fmt: skip


def charge(charge_id: str, customer_id: str, created: int, *, amount: int = 1099,
           refunded: bool = False, amount_refunded: int = 0, disputed: bool = False,
           currency: str = "usd") -> dict[str, Any]:  # fmt: skip
    return {
        "id": charge_id, "object": "charge", "amount": amount, "amount_captured": amount,
        "amount_refunded": amount_refunded, "created": created, "currency": currency,
        "customer": customer_id, "description": "Order #1002", "disputed": disputed,
        "paid": True, "refunded": refunded, "status": "succeeded",
        "billing_details": {"email": None, "name": None, "phone": None, "address": None},
        "receipt_email": None,
        "receipt_url": f"https://pay.stripe.com/receipts/payment/{charge_id}",
    }  # fmt: skip


def dispute(dispute_id: str, charge_id: str, created: int,
            status: str = "needs_response") -> dict[str, Any]:  # fmt: skip
    return {
        "id": dispute_id, "object": "dispute", "amount": 1099, "charge": charge_id,
        "created": created, "currency": "usd", "reason": "product_not_received",
        "status": status, "is_charge_refundable": False, "livemode": False, "metadata": {},
        "evidence_details": {"due_by": created + 7 * 86400, "has_evidence": False,
                             "past_due": False, "submission_count": 0},
    }  # fmt: skip


def _list(url: str, data: list[dict[str, Any]]) -> dict[str, Any]:
    return {"object": "list", "url": url, "has_more": False, "data": data}


@dataclass
class StripeFake:
    customers: list[dict[str, Any]] = field(default_factory=list)
    charges: list[dict[str, Any]] = field(default_factory=list)
    disputes: list[dict[str, Any]] = field(default_factory=list)
    fail_next: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.middleware("http")
        async def gate(request: Request, call_next: Any) -> Any:
            self.requests.append((request.method, request.url.path, dict(request.query_params)))
            if self.fail_next:
                status, headers = self.fail_next.pop(0)
                error = {"type": ERROR_TYPES.get(status, "api_error"), "message": "failure"}
                return JSONResponse({"error": error}, status_code=status, headers=headers)
            if request.headers.get("authorization") != f"Bearer {SECRET_KEY}":
                error = {"type": "invalid_request_error", "message": "Invalid API Key provided"}
                return JSONResponse({"error": error}, status_code=401)
            return await call_next(request)

        @app.get("/v1/customers")
        async def customers(email: str = "", limit: int = 10) -> dict[str, Any]:
            found = [c for c in self.customers if not email or c["email"] == email]
            found.sort(key=lambda c: c["created"], reverse=True)
            return _list("/v1/customers", found[:limit])

        @app.get("/v1/charges")
        async def charges(customer: str = "", limit: int = 10) -> dict[str, Any]:
            found = [c for c in self.charges if c["customer"] == customer]
            found.sort(key=lambda c: c["created"], reverse=True)
            return _list("/v1/charges", found[:limit])

        @app.get("/v1/charges/{charge_id}")
        async def one_charge(charge_id: str) -> Any:
            for item in self.charges:
                if item["id"] == charge_id:
                    return item
            error = {"type": "invalid_request_error", "message": f"No such charge: '{charge_id}'"}
            return JSONResponse({"error": error}, status_code=404)

        @app.get("/v1/disputes")
        async def disputes(charge: str = "") -> dict[str, Any]:
            return _list("/v1/disputes", [d for d in self.disputes if d["charge"] == charge])

        return app
