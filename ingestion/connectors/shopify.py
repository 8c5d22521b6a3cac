"""Shopify, a context connector: a customer's recent orders and shipments for drafts to quote.

Lookup (Admin REST API, `X-Shopify-Access-Token`): the customer by email, else phone
(`GET /admin/api/{v}/customers/search.json?query=email:<email>`), then their newest orders
(`GET /admin/api/{v}/customers/{id}/orders.json?status=any`, the documented per-customer list)
with tracking from each order's fulfillments. Needs the `read_customers` and `read_orders`
scopes; Shopify only serves the last 60 days of orders without `read_all_orders`.

Webhooks (orders/create, orders/updated, orders/fulfilled, fulfillments/create,
customers/update...) are signed `X-Shopify-Hmac-Sha256: base64(HMAC-SHA256(app client secret,
raw body))`, with no timestamp: a replay only re-applies the same state. They create no
conversation (`parse` returns []); `context_update` turns them into fresh facts about the
customer they name, which `ingestion.context.refresh_from_webhook` stores.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, SecretStr, field_validator

from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import Connection, WebhookRequest
from ingestion.connectors.provider_http import call_json
from ingestion.connectors.signing import check_hmac, secret_bytes
from ingestion.context_facts import MAX_ITEMS, iso_utc, summarize
from ingestion.contract import InboundMessage, Party
from store.errors import BadInput, Fatal, Retriable, Unauthorized

PROVIDER = "shopify"
ORDER_TOPICS = frozenset({"orders/create", "orders/updated", "orders/fulfilled", "orders/paid",
                          "orders/cancelled", "orders/partially_fulfilled"})  # fmt: skip
FULFILLMENT_TOPICS = frozenset({"fulfillments/create", "fulfillments/update"})
CUSTOMER_TOPICS = frozenset({"customers/create", "customers/update"})
# Fulfillments whose tracking would mislead a customer.
DEAD_FULFILLMENTS = frozenset({"cancelled", "error", "failure"})
MAX_LINE_ITEMS = 10


class ShopifyConfig(ConnectorConfig):
    """One store: its myshopify domain, a custom app's Admin API token and client secret."""

    shop: str = Field(
        pattern=r"^[a-z0-9][a-z0-9-]{0,59}\.myshopify\.com$",
        max_length=80,
        description="the store's permanent domain, <name>.myshopify.com",
    )
    admin_api_access_token: SecretStr = Secret("Admin API access token (shpat_...)", min_length=8)
    api_secret: SecretStr | None = Secret(
        "the app's client secret (API secret key): it signs webhooks", default=None
    )
    api_version: str = Field(
        default="2024-10", pattern=r"^(\d{4}-(01|04|07|10)|unstable)$", description="Admin API"
    )
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")

    @field_validator("shop", mode="before")
    @classmethod
    def _bare_domain(cls, value: Any) -> Any:
        # Admins paste the admin URL as often as the domain.
        if isinstance(value, str):
            value = re.sub(r"^https?://", "", value.strip().lower()).rstrip("/")
        return value


class ShopifyConnector:
    """Stateless: every call is told its store through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        config = _config(conn)
        check_hmac(
            PROVIDER,
            key=secret_bytes(config.api_secret, PROVIDER),
            message=request.body,
            given=request.header("x-shopify-hmac-sha256"),
            encoding="base64",
            header="X-Shopify-Hmac-Sha256",
        )
        shop = request.header("x-shopify-shop-domain")
        if shop is not None and shop.strip().lower() != config.shop:
            raise Unauthorized("shopify: the webhook comes from another store")

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        """Order and customer events carry no customer message: nothing enters the inbox."""
        _payload(request)
        return []

    async def context_update(
        self, conn: Connection, request: WebhookRequest
    ) -> tuple[Party, dict[str, Any]] | None:
        """The customer a verified webhook names, and what it changed."""
        topic, payload = request.header("x-shopify-topic") or "", _payload(request)
        if topic in ORDER_TOPICS:
            customer = payload.get("customer") or {}
            party = _party(
                payload.get("email") or payload.get("contact_email") or customer.get("email"),
                payload.get("phone") or customer.get("phone"),
                customer.get("id"),
            )
            facts: dict[str, Any] = {"orders": [order_item(payload)]}
        elif topic in FULFILLMENT_TOPICS and payload.get("order_id"):
            party = _party(payload.get("email"), None, None)
            # No order date here: the update refreshes the order only where it is known.
            shipment = payload.get("shipment_status")
            update = {"id": str(payload["order_id"]), **_tracking([payload]),
                      "status": str(shipment).replace("_", " ") if shipment else None}  # fmt: skip
            facts = {"orders": [update]}
        elif topic in CUSTOMER_TOPICS and payload.get("id"):
            party = _party(payload.get("email"), payload.get("phone"), payload.get("id"))
            facts = _customer_facts(payload)
        else:
            return None
        return (party, facts) if party is not None else None

    async def lookup(self, conn: Connection, customer: Party) -> dict[str, Any]:
        found = await _find_customer(conn, customer)
        if found is None or not str(found.get("id")).isdigit():
            return {}
        data = await _get(conn, f"customers/{found['id']}/orders.json",
                          {"status": "any", "limit": MAX_ITEMS})  # fmt: skip
        orders = [order_item(o) for o in data.get("orders") or [] if isinstance(o, dict)]
        return summarize({**_customer_facts(found), "orders": orders})

    async def check(self, conn: Connection) -> str:
        shop = (await _get(conn, "shop.json", {})).get("shop") or {}
        return f"Shopify store {shop.get('name') or _config(conn).shop} answers"


def order_item(order: dict[str, Any]) -> dict[str, Any]:
    """An order as drafts quote it: number, status, money, tracking, what was bought."""
    number = order.get("name") or (
        f"#{order['order_number']}" if order.get("order_number") else None
    )
    items = [
        {"name": str(li.get("name") or li.get("title") or "")[:120], "quantity": li.get("quantity")}
        for li in (order.get("line_items") or [])[:MAX_LINE_ITEMS]
        if isinstance(li, dict)
    ]
    return {
        "id": str(order.get("id") or ""),
        "order_number": number,
        "status": _status(order),
        "financial_status": order.get("financial_status"),
        "fulfillment_status": order.get("fulfillment_status") or "unfulfilled",
        **_tracking(order.get("fulfillments") or []),
        "total": order.get("total_price"),
        "currency": order.get("currency"),
        "created_at": iso_utc(order.get("created_at")),
        "items": items,
    }


def _status(order: dict[str, Any]) -> str:
    """One word for the customer, from Shopify's separate payment and fulfillment states."""
    if order.get("cancelled_at"):
        return "cancelled"
    financial = order.get("financial_status")
    if financial in ("refunded", "voided"):
        return str(financial)
    live = [f for f in order.get("fulfillments") or [] if f.get("status") not in DEAD_FULFILLMENTS]
    shipment = next(
        (f["shipment_status"] for f in reversed(live) if f.get("shipment_status")), None
    )
    if shipment:
        return str(shipment).replace("_", " ")
    fulfillment = order.get("fulfillment_status")
    return {"fulfilled": "fulfilled", "partial": "partially fulfilled"}.get(
        str(fulfillment), "unfulfilled"
    )


def _tracking(fulfillments: list[dict[str, Any]]) -> dict[str, Any]:
    """The newest live fulfillment's tracking number, link and carrier."""
    for fulfillment in reversed(fulfillments):
        if fulfillment.get("status") in DEAD_FULFILLMENTS:
            continue
        numbers = fulfillment.get("tracking_numbers") or [fulfillment.get("tracking_number")]
        urls = fulfillment.get("tracking_urls") or [fulfillment.get("tracking_url")]
        if numbers and numbers[0]:
            return {"tracking_number": numbers[0], "tracking_url": urls[0] if urls else None,
                    "carrier": fulfillment.get("tracking_company")}  # fmt: skip
    return {}


def _customer_facts(customer: dict[str, Any]) -> dict[str, Any]:
    return {
        "customer_id": str(customer["id"]) if customer.get("id") else None,
        "customer_since": iso_utc(customer.get("created_at")),
        "orders_count": customer.get("orders_count"),
    }


async def _find_customer(conn: Connection, customer: Party) -> dict[str, Any] | None:
    """Search matches loosely; only an exact email (or phone digits) identifies the customer."""
    if customer.email:
        query, wanted = f"email:{customer.email}", customer.email
    elif customer.phone:
        wanted = _digits(customer.phone)
        plus = "+" if customer.phone.strip().startswith("+") else ""
        query = f"phone:{plus}{wanted}"  # Shopify keeps phones in E.164
    else:
        return None
    data = await _get(conn, "customers/search.json", {"query": query})
    for found in data.get("customers") or []:
        same = (
            str(found.get("email") or "").lower() == wanted
            if customer.email
            else _digits(str(found.get("phone") or "")) == wanted
        )
        if same and found.get("id"):
            return dict(found)
    return None


async def _get(conn: Connection, path: str, params: dict[str, Any]) -> dict[str, Any]:
    config = _config(conn)
    base = (config.api_base_url or f"https://{config.shop}").rstrip("/")
    headers = {
        "X-Shopify-Access-Token": config.admin_api_access_token.get_secret_value(),
        "Accept": "application/json",
    }
    url = f"{base}/admin/api/{config.api_version}/{path}"
    data = await call_json(conn.client(), PROVIDER, "GET", url, params=params, headers=headers)
    if not isinstance(data, dict):
        raise Retriable("shopify: the provider answered with an unexpected body")
    return data


def _payload(request: WebhookRequest) -> dict[str, Any]:
    payload = request.json()
    if not isinstance(payload, dict):
        raise BadInput("shopify: the webhook body is not a JSON object", code="unknown_payload")
    return payload


def _party(email: Any, phone: Any, customer_id: Any) -> Party | None:
    if not (email or phone or customer_id):
        return None
    return Party(
        email=str(email)[:320] if email else None,
        phone=str(phone)[:40] if phone else None,
        external_id=str(customer_id) if customer_id else None,
    )


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _config(conn: Connection) -> ShopifyConfig:
    if not isinstance(conn.config, ShopifyConfig):
        raise Fatal("shopify: connection carries another connector's config")
    return conn.config


SPEC = ConnectorSpec(
    slug="shopify",
    name="Shopify",
    kind="commerce",
    auth_type="api_key",
    config_model=ShopifyConfig,
    capabilities=frozenset({Capability.CONTEXT, Capability.INBOUND_WEBHOOK}),
    description=(
        "Shopify context connector: a customer's recent orders, payment and shipment status "
        "and tracking for drafts to quote; signed order webhooks keep them fresh. "
        "It brings in no messages."
    ),
    factory=ShopifyConnector,
)
