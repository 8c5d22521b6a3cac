"""WooCommerce, a context connector: a customer's recent orders for drafts to quote.

Lookup (REST API v3, HTTP Basic with a read-only consumer key and secret, over HTTPS): the
registered customer (`GET /wp-json/wc/v3/customers?email=`, for `customer_since`), then the
newest orders (`GET /wp-json/wc/v3/orders?search=<email>&orderby=date`), kept only where the
billing email is exactly the customer's: search matches substrings, and guests have no customer
id. Tracking comes from the Shipment Tracking extension's `_wc_shipment_tracking_items` meta when
the store has it (core WooCommerce records none).

Webhooks are signed `X-WC-Webhook-Signature: base64(HMAC-SHA256(webhook secret, raw body))`
with no timestamp. Order and customer topics refresh facts (`context_update`) and create no
conversation. WooCommerce pings a new webhook's URL with an unsigned form body `webhook_id=N`
and saves the webhook only if that answers 200: `handshake` answers it.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs

from pydantic import Field, SecretStr

from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import Connection, WebhookReply, WebhookRequest
from ingestion.connectors.provider_http import call_json
from ingestion.connectors.signing import check_hmac, secret_bytes
from ingestion.context_facts import iso_utc, summarize
from ingestion.contract import InboundMessage, Party
from store.errors import BadInput, Fatal, Retriable

PROVIDER = "woocommerce"
API = "/wp-json/wc/v3"
SEARCH_PAGE = 10  # search matches substrings: fetch a few more than we keep
TRACKING_META = "_wc_shipment_tracking_items"
MAX_LINE_ITEMS = 10


class WooCommerceConfig(ConnectorConfig):
    """One store: its HTTPS address, REST API keys (Read is enough), the webhooks' secret."""

    store_url: str = Field(
        pattern=r"^https://[^\s/?#]+(/[^\s?#]*)?$",
        max_length=500,
        description="the store's address, https://shop.example.com",
    )
    consumer_key: SecretStr = Secret("REST API consumer key (ck_...)", min_length=8)
    consumer_secret: SecretStr = Secret("REST API consumer secret (cs_...)", min_length=8)
    webhook_secret: SecretStr | None = Secret("the secret set on each webhook", default=None)
    api_base_url: str | None = Field(
        default=None, max_length=500, description="defaults to store_url (tests only)"
    )


class WooCommerceConnector:
    """Stateless: every call is told its store through the Connection."""

    def handshake(self, conn: Connection, request: WebhookRequest) -> WebhookReply | None:
        """The unsigned creation ping (`webhook_id=N`) must see a 200; nothing else is one."""
        if request.method != "POST" or request.header("x-wc-webhook-signature"):
            return None
        form = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
        if set(form) != {"webhook_id"} or not form["webhook_id"][0].isdigit():
            return None
        return WebhookReply(status=200, body={"accepted": 0})

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        check_hmac(
            PROVIDER,
            key=secret_bytes(_config(conn).webhook_secret, PROVIDER),
            message=request.body,
            given=request.header("x-wc-webhook-signature"),
            encoding="base64",
            header="X-WC-Webhook-Signature",
        )

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        """Order and customer events carry no customer message: nothing enters the inbox."""
        _payload(request)
        return []

    async def context_update(
        self, conn: Connection, request: WebhookRequest
    ) -> tuple[Party, dict[str, Any]] | None:
        resource, _, event = (request.header("x-wc-webhook-topic") or "").partition(".")
        payload = _payload(request)
        if event == "deleted" or not payload.get("id"):
            return None  # a deleted order's body is just its id
        if resource == "order":
            billing = payload.get("billing") or {}
            customer_id = payload.get("customer_id") or None
            party = _party(billing.get("email"), billing.get("phone"), customer_id)
            facts: dict[str, Any] = {"orders": [order_item(payload)]}
        elif resource == "customer":
            party = _party(payload.get("email"), None, payload.get("id"))
            facts = _customer_facts(payload)
        else:
            return None
        return (party, facts) if party is not None else None

    async def lookup(self, conn: Connection, customer: Party) -> dict[str, Any]:
        if not customer.email:
            return {}  # WooCommerce searches orders by text; a phone is too loose a key
        email = customer.email
        people = await _get(conn, "/customers", {"email": email, "role": "all"})
        person = next((p for p in people if str(p.get("email") or "").lower() == email), None)
        found = await _get(conn, "/orders", {"search": email, "per_page": SEARCH_PAGE,
                                             "orderby": "date", "order": "desc"})  # fmt: skip
        mine = [o for o in found if _billing_email(o) == email
                or (person and o.get("customer_id") == person.get("id"))]  # fmt: skip
        if person is None and not mine:
            return {}
        facts = _customer_facts(person) if person else {}
        return summarize({**facts, "orders": [order_item(o) for o in mine]})

    async def check(self, conn: Connection) -> str:
        await _get(conn, "/orders", {"per_page": 1})
        return "WooCommerce store answers with the REST API keys"


def order_item(order: dict[str, Any]) -> dict[str, Any]:
    """An order as drafts quote it; WooCommerce's one status covers payment and shipping."""
    items = [
        {"name": str(li.get("name") or "")[:120], "quantity": li.get("quantity")}
        for li in (order.get("line_items") or [])[:MAX_LINE_ITEMS]
        if isinstance(li, dict)
    ]
    status = str(order.get("status") or "") or None
    return {
        "id": str(order.get("id") or ""),
        "order_number": str(order.get("number") or order.get("id") or "") or None,
        "status": status.replace("-", " ") if status else None,
        "financial_status": "paid"
        if order.get("date_paid_gmt") or order.get("date_paid")
        else None,
        **_tracking(order.get("meta_data") or []),
        "total": order.get("total"),
        "currency": order.get("currency"),
        # The `_gmt` fields are UTC without an offset; the others are the store's local time.
        "created_at": iso_utc(order.get("date_created_gmt") or order.get("date_created")),
        "items": items,
    }


def _tracking(meta: list[Any]) -> dict[str, Any]:
    entries = next(
        (m.get("value") for m in meta if isinstance(m, dict) and m.get("key") == TRACKING_META),
        None,
    )
    for entry in reversed(entries if isinstance(entries, list) else []):
        if isinstance(entry, dict) and entry.get("tracking_number"):
            carrier = entry.get("custom_tracking_provider") or entry.get("tracking_provider")
            return {"tracking_number": str(entry["tracking_number"]),
                    "tracking_url": entry.get("custom_tracking_link") or None,
                    "carrier": carrier or None}  # fmt: skip
    return {}


def _customer_facts(person: dict[str, Any]) -> dict[str, Any]:
    return {
        "customer_id": str(person["id"]) if person.get("id") else None,
        "customer_since": iso_utc(person.get("date_created_gmt") or person.get("date_created")),
    }


def _billing_email(order: dict[str, Any]) -> str:
    return str((order.get("billing") or {}).get("email") or "").strip().lower()


async def _get(conn: Connection, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    config = _config(conn)
    base = (config.api_base_url or config.store_url).rstrip("/")
    auth = (config.consumer_key.get_secret_value(), config.consumer_secret.get_secret_value())
    data = await call_json(conn.client(), PROVIDER, "GET", f"{base}{API}{path}",
                           params=params, auth=auth)  # fmt: skip
    if not isinstance(data, list):
        raise Retriable("woocommerce: the store answered with an unexpected body")
    return [item for item in data if isinstance(item, dict)]


def _payload(request: WebhookRequest) -> dict[str, Any]:
    payload = request.json()
    if not isinstance(payload, dict):
        raise BadInput("woocommerce: the webhook body is not a JSON object", code="unknown_payload")
    return payload


def _party(email: Any, phone: Any, customer_id: Any) -> Party | None:
    if not (email or phone or customer_id):
        return None
    return Party(
        email=str(email)[:320] if email else None,
        phone=re.sub(r"[^\d+() -]", "", str(phone))[:40] or None if phone else None,
        external_id=str(customer_id) if customer_id else None,
    )


def _config(conn: Connection) -> WooCommerceConfig:
    if not isinstance(conn.config, WooCommerceConfig):
        raise Fatal("woocommerce: connection carries another connector's config")
    return conn.config


SPEC = ConnectorSpec(
    slug="woocommerce",
    name="WooCommerce",
    kind="commerce",
    auth_type="basic",
    config_model=WooCommerceConfig,
    capabilities=frozenset({Capability.CONTEXT, Capability.INBOUND_WEBHOOK}),
    description=(
        "WooCommerce context connector: a customer's recent orders, their status and tracking "
        "for drafts to quote; signed order webhooks keep them fresh. It brings in no messages."
    ),
    factory=WooCommerceConnector,
)
