"""Adobe Commerce (Magento 2), a context connector: a customer's recent orders for drafts to quote.

Lookup (REST, `Authorization: Bearer <integration access token>`): the newest orders whose
`customer_email` is the customer's (`GET /rest/V1/orders`, or `/rest/<store view>/V1/orders`,
with a searchCriteria filter; guest orders included), then their shipments (`GET /V1/shipments`,
`order_id in (...)`) for tracking numbers. Nothing comes in, nothing goes out.

Magento 2.4.4+ only accepts an integration's access token as a Bearer token when *Stores >
Configuration > Services > OAuth > Consumer Settings > Allow OAuth Access Tokens to be used as
standalone Bearer tokens* is on; the token needs the Sales > Orders and Shipments resources.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr

from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import Connection
from ingestion.connectors.provider_http import call_json
from ingestion.context_facts import MAX_ITEMS, iso_utc, summarize
from ingestion.contract import Party
from store.errors import Fatal, Retriable

P = "magento"
MAX_LINE_ITEMS = 10
FILTER = "searchCriteria[filter_groups][0][filters][0]"


class MagentoConfig(ConnectorConfig):
    """One Adobe Commerce store: its HTTPS address, store view code and integration token."""

    store_url: str = Field(
        pattern=r"^https://[^\s/?#]+(/[^\s?#]*)?$",
        max_length=500,
        description="the store's address, https://shop.example.com",
    )
    store_code: str | None = Field(
        default=None, pattern=r"^[a-z0-9_]{1,32}$", description="a store view code (else default)"
    )
    access_token: SecretStr = Secret("an integration's access token (Bearer)", min_length=16)
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")


class MagentoConnector:
    """Context only (ContextLookup + HealthCheck): stateless."""

    async def lookup(self, conn: Connection, customer: Party) -> dict[str, Any]:
        if not customer.email:
            return {}  # orders are found by the email they were placed with
        email = customer.email
        page = await _get(conn, "/orders", {
            f"{FILTER}[field]": "customer_email", f"{FILTER}[value]": email,
            f"{FILTER}[condition_type]": "eq",
            "searchCriteria[sortOrders][0][field]": "created_at",
            "searchCriteria[sortOrders][0][direction]": "DESC",
            "searchCriteria[pageSize]": MAX_ITEMS,
        })  # fmt: skip
        orders = [o for o in _items(page) if str(o.get("customer_email") or "").lower() == email]
        if not orders:
            return {}
        tracks = await _tracks(conn, [str(o["entity_id"]) for o in orders if o.get("entity_id")])
        customer_id = next((o.get("customer_id") for o in orders if o.get("customer_id")), None)
        return summarize({
            "customer_id": str(customer_id) if customer_id else None,
            "orders": [order_item(o, tracks.get(str(o.get("entity_id")), [])) for o in orders],
        })  # fmt: skip

    async def check(self, conn: Connection) -> str:
        await _get(conn, "/orders", {"searchCriteria[pageSize]": 1})
        return "Adobe Commerce answers with the integration token"


def order_item(order: dict[str, Any], tracks: list[dict[str, Any]]) -> dict[str, Any]:
    """An order as drafts quote it; its newest tracking number when it shipped."""
    track = max(tracks, key=lambda t: str(t.get("created_at") or ""), default={})
    items = [
        {
            "name": str(i.get("name") or "")[:120],
            "sku": i.get("sku"),
            "quantity": i.get("qty_ordered"),
        }
        for i in order.get("items") or []
        if isinstance(i, dict) and not i.get("parent_item_id")  # configurable children repeat
    ][:MAX_LINE_ITEMS]
    status = str(order.get("status") or "") or None
    due = order.get("total_due")
    return {
        "id": str(order.get("entity_id") or ""),
        "order_number": str(order.get("increment_id") or "") or None,
        "status": status.replace("_", " ") if status else None,
        "financial_status": ("paid" if due == 0 else "unpaid")
        if isinstance(due, int | float)
        else None,
        "fulfillment_status": "shipped" if tracks else None,
        "tracking_number": str(track["track_number"]) if track.get("track_number") else None,
        "carrier": track.get("title") or track.get("carrier_code") or None,
        "total": order.get("grand_total"),
        "currency": order.get("order_currency_code"),
        "created_at": iso_utc(order.get("created_at")),  # Magento stores UTC without an offset
        "items": items,
    }


async def _tracks(conn: Connection, order_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Shipment tracks by order id, in one search."""
    if not order_ids:
        return {}
    page = await _get(conn, "/shipments", {
        f"{FILTER}[field]": "order_id", f"{FILTER}[value]": ",".join(order_ids),
        f"{FILTER}[condition_type]": "in",
    })  # fmt: skip
    found: dict[str, list[dict[str, Any]]] = {}
    for shipment in _items(page):
        tracks = [t for t in shipment.get("tracks") or [] if isinstance(t, dict)]
        found.setdefault(str(shipment.get("order_id")), []).extend(tracks)
    return found


def _items(page: Any) -> list[dict[str, Any]]:
    if not isinstance(page, dict) or not isinstance(page.get("items", []), list):
        raise Retriable("magento: the store answered with an unexpected body")
    return [item for item in page.get("items") or [] if isinstance(item, dict)]


async def _get(conn: Connection, path: str, params: dict[str, Any]) -> Any:
    config = _config(conn)
    base = (config.api_base_url or config.store_url).rstrip("/")
    scope = f"/{config.store_code}" if config.store_code else ""
    url = f"{base}/rest{scope}/V1{path}"
    headers = {"Authorization": f"Bearer {config.access_token.get_secret_value()}"}
    return await call_json(conn.client(), P, "GET", url, params=params, headers=headers)


def _config(conn: Connection) -> MagentoConfig:
    if not isinstance(conn.config, MagentoConfig):
        raise Fatal("magento: connection carries another connector's config")
    return conn.config


SPEC = ConnectorSpec(
    slug="magento",
    name="Adobe Commerce (Magento 2)",
    kind="context",
    auth_type="token",
    config_model=MagentoConfig,
    capabilities=frozenset({Capability.CONTEXT}),
    description=(
        "Context connector: a customer's recent Adobe Commerce (Magento 2) orders, statuses and "
        "tracking numbers, looked up by email for drafts to quote."
    ),
    factory=MagentoConnector,
)
