"""BigCommerce, a context connector: a customer's recent orders for drafts to quote.

Lookup (`X-Auth-Token` of a store API account with read-only Orders and Customers scopes): the
customer by email (`GET /v3/customers?email:in=`, for `customer_id` and `customer_since`), their
newest orders (`GET /v2/orders?customer_id=&sort=date_created:desc`; guests, who have no
customer record, by `?email=`), and the newest order's shipments (`GET /v2/orders/{id}/shipments`)
for its tracking number. BigCommerce answers an empty v2 list with `204 No Content`.

Lookup only: BigCommerce signs no webhook (it can only add the custom headers given when the
webhook is created) and its order webhooks carry just an id, so a lookup, made when a draft
needs it, is both simpler and as fresh.
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import Any

from pydantic import Field, SecretStr

from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import Connection
from ingestion.connectors.provider_http import call_json
from ingestion.context_facts import MAX_ITEMS, iso_utc, summarize
from ingestion.contract import Party
from store.errors import Fatal, Retriable

P = "bigcommerce"
API_URL = "https://api.bigcommerce.com"
PAID = frozenset({"captured", "paid", "settled"})


class BigCommerceConfig(ConnectorConfig):
    """One store: its hash (from the API path) and a store-level API account's access token."""

    store_hash: str = Field(pattern=r"^[a-z0-9]{5,20}$", description="from /stores/<hash>/")
    access_token: SecretStr = Secret("store API account access token (X-Auth-Token)", min_length=8)
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")


class BigCommerceConnector:
    """Context only (ContextLookup + HealthCheck): stateless."""

    async def lookup(self, conn: Connection, customer: Party) -> dict[str, Any]:
        if not customer.email:
            return {}
        found = await _get(conn, "/v3/customers", {"email:in": customer.email})
        people = found.get("data") if isinstance(found, dict) else None
        person = next((p for p in people or [] if isinstance(p, dict) and p.get("id")), None)
        query = {"customer_id": person["id"]} if person else {"email": customer.email}
        orders = _list(
            await _get(
                conn, "/v2/orders", {**query, "sort": "date_created:desc", "limit": MAX_ITEMS}
            )
        )
        if person is None and not orders:
            return {}
        items = [order_item(o) for o in orders]
        if items:
            shipments = _list(await _get(conn, f"/v2/orders/{orders[0]['id']}/shipments", {}))
            items[0].update(_tracking(shipments))
        return summarize({
            "customer_id": str(person["id"]) if person else None,
            "customer_since": iso_utc(person.get("date_created")) if person else None,
            "orders": items,
        })  # fmt: skip

    async def check(self, conn: Connection) -> str:
        await _get(conn, "/v2/orders", {"limit": 1})
        return "BigCommerce store answers with the API account token"


def order_item(order: dict[str, Any]) -> dict[str, Any]:
    """An order as drafts quote it (v2 dates are RFC 2822, amounts decimal strings)."""
    shipped, total = order.get("items_shipped"), order.get("items_total")
    fulfillment = None
    if isinstance(shipped, int) and isinstance(total, int) and shipped > 0:
        fulfillment = "shipped" if shipped >= total else "partially shipped"
    payment = str(order.get("payment_status") or "").lower() or None
    return {
        "id": str(order.get("id") or ""),
        "order_number": str(order.get("id") or "") or None,
        "status": order.get("custom_status") or order.get("status") or None,
        "financial_status": "paid" if payment in PAID else payment,
        "fulfillment_status": fulfillment,
        "total": order.get("total_inc_tax"),
        "currency": order.get("currency_code"),
        "created_at": _rfc2822(order.get("date_created")),
    }


def _tracking(shipments: list[dict[str, Any]]) -> dict[str, Any]:
    for shipment in reversed(shipments):
        if shipment.get("tracking_number"):
            carrier = shipment.get("tracking_carrier") or shipment.get("shipping_provider")
            return {"tracking_number": str(shipment["tracking_number"]),
                    "tracking_url": shipment.get("tracking_link") or None,
                    "carrier": carrier or None}  # fmt: skip
    return {}


def _rfc2822(value: Any) -> str | None:
    try:
        return iso_utc(parsedate_to_datetime(str(value)).timestamp()) if value else None
    except (TypeError, ValueError, IndexError):
        return iso_utc(value)


def _list(answer: Any) -> list[dict[str, Any]]:
    if answer is None:
        return []  # 204 No Content: nothing found
    if not isinstance(answer, list):
        raise Retriable("bigcommerce: the store answered with an unexpected body")
    return [item for item in answer if isinstance(item, dict)]


async def _get(conn: Connection, path: str, params: dict[str, Any]) -> Any:
    config = _config(conn)
    url = f"{(config.api_base_url or API_URL).rstrip('/')}/stores/{config.store_hash}{path}"
    headers = {"X-Auth-Token": config.access_token.get_secret_value(), "Accept": "application/json"}
    return await call_json(conn.client(), P, "GET", url, params=params, headers=headers)


def _config(conn: Connection) -> BigCommerceConfig:
    if not isinstance(conn.config, BigCommerceConfig):
        raise Fatal("bigcommerce: connection carries another connector's config")
    return conn.config


SPEC = ConnectorSpec(
    slug="bigcommerce",
    name="BigCommerce",
    kind="context",
    auth_type="token",
    config_model=BigCommerceConfig,
    capabilities=frozenset({Capability.CONTEXT}),
    description=(
        "Context connector: a customer's recent BigCommerce orders, statuses and tracking "
        "numbers, looked up by email for drafts to quote."
    ),
    factory=BigCommerceConnector,
)
