"""Stripe, a context connector (billing): a customer's recent charges, receipts and disputes.

Named `stripe_billing` so it never shadows the `stripe` SDK it uses. Lookup goes through the
official SDK (`StripeClient`, async over httpx, no SDK-side retries: the pipeline keeps the old
facts and tries again later): the customer by email (`GET /v1/customers?email=`; Stripe matches
emails case-sensitively, and the newest customer wins), their newest charges
(`GET /v1/charges?customer=`) and the disputes of disputed ones (`GET /v1/disputes?charge=`).
A restricted key with read access to customers, charges and disputes is enough.

Webhooks are signed `Stripe-Signature: t=<ts>,v1=<hex HMAC-SHA256(whsec, "<ts>.<body>")>` (one
v1 per active secret while a secret is rolled); calls outside 300 s are refused as replays.
`charge.refunded`, `charge.dispute.*` and `customer.updated` refresh facts; none creates a
conversation.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import stripe
from pydantic import Field, SecretStr, field_validator

from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret
from ingestion.connectors.capabilities import Connection, WebhookRequest
from ingestion.connectors.provider_http import raise_for_provider
from ingestion.connectors.signing import check_any_hmac, check_fresh, require_header, secret_bytes
from ingestion.context_facts import MAX_ITEMS, iso_utc, summarize
from ingestion.contract import InboundMessage, Party
from store.errors import BadInput, Fatal, Retriable, SwitchboardError, Unauthorized

PROVIDER = "stripe"
TOLERANCE_S = 300  # Stripe's libraries' default tolerance
CHARGE_EVENTS = frozenset({"charge.refunded", "charge.succeeded", "charge.updated"})
DISPUTE_EVENTS = frozenset({"charge.dispute.created", "charge.dispute.updated",
                            "charge.dispute.closed", "charge.dispute.funds_withdrawn"})  # fmt: skip
# Amounts are in the currency's smallest unit; these have none, or three decimals.
ZERO_DECIMAL = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
     "xaf", "xof", "xpf"}
)  # fmt: skip
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})


class StripeConfig(ConnectorConfig):
    """One Stripe account: an API key (a read-only restricted key is best) and the webhook
    endpoint's signing secret."""

    secret_key: SecretStr = Secret("secret or restricted API key (sk_... / rk_...)", min_length=8)
    webhook_secret: SecretStr | None = Secret("the endpoint's signing secret (whsec_...)",
                                              default=None)  # fmt: skip
    api_base_url: str | None = Field(default=None, max_length=500, description="tests only")

    @field_validator("secret_key")
    @classmethod
    def _api_key(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith(("sk_", "rk_")):
            raise ValueError("a Stripe API key starts with sk_ or rk_ (not a publishable pk_)")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _signing_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("whsec_"):
            raise ValueError("a Stripe webhook signing secret starts with whsec_")
        return value


class StripeConnector:
    """Stateless: every call is told its account through the Connection."""

    def verify(self, conn: Connection, request: WebhookRequest) -> None:
        secret = secret_bytes(_config(conn).webhook_secret, PROVIDER)
        header = require_header(request.header("stripe-signature"), PROVIDER, "Stripe-Signature")
        pairs = [part.partition("=") for part in header.split(",")]
        stamp = next((value.strip() for key, _, value in pairs if key.strip() == "t"), None)
        candidates = [value.strip() for key, _, value in pairs if key.strip() == "v1"]
        if not stamp or not candidates:
            raise Unauthorized("stripe: the Stripe-Signature header has no t= or v1= part")
        check_any_hmac(PROVIDER, key=secret, message=stamp.encode() + b"." + request.body,
                       candidates=candidates)  # fmt: skip
        check_fresh(PROVIDER, stamp, TOLERANCE_S)

    async def parse(self, conn: Connection, request: WebhookRequest) -> list[InboundMessage]:
        """Billing events carry no customer message: nothing enters the inbox."""
        _event(request)
        return []

    async def context_update(
        self, conn: Connection, request: WebhookRequest
    ) -> tuple[Party, dict[str, Any]] | None:
        event = _event(request)
        kind, thing = str(event.get("type")), (event.get("data") or {}).get("object") or {}
        if kind in CHARGE_EVENTS and thing.get("id"):
            return _charge_party(thing), {"charges": [charge_item(thing)]}
        if kind in DISPUTE_EVENTS and thing.get("charge"):
            # A dispute names its charge only: the charge names the customer.
            async with _client(conn) as client:
                charge = (await client.v1.charges.retrieve_async(str(thing["charge"]))).to_dict()
            facts = {"disputes": [dispute_item(thing)], "charges": [charge_item(charge)]}
            return _charge_party(charge), facts
        if kind == "customer.updated" and thing.get("id"):
            party = Party(email=thing.get("email") or None, external_id=str(thing["id"]))
            return party, _customer_facts(thing)
        return None

    async def lookup(self, conn: Connection, customer: Party) -> dict[str, Any]:
        if not customer.email:
            return {}
        async with _client(conn) as client:
            found = await client.v1.customers.list_async(
                params={"email": customer.email, "limit": 1}
            )
            if not found.data:
                return {}
            person = found.data[0].to_dict()
            listed = await client.v1.charges.list_async(
                params={"customer": str(person["id"]), "limit": MAX_ITEMS}
            )
            charges = [c.to_dict() for c in listed.data]
            disputes = [
                d.to_dict()
                for c in charges
                if c.get("disputed")
                for d in (await client.v1.disputes.list_async(params={"charge": c["id"]})).data
            ]
        return summarize({**_customer_facts(person),
                          "charges": [charge_item(c) for c in charges],
                          "disputes": [dispute_item(d) for d in disputes]})  # fmt: skip

    async def check(self, conn: Connection) -> str:
        async with _client(conn) as client:
            await client.v1.customers.list_async(params={"limit": 1})
        return "Stripe answers with this API key"


def charge_item(charge: dict[str, Any]) -> dict[str, Any]:
    """A charge as drafts quote it: money in the currency's own units, and its receipt."""
    currency = str(charge.get("currency") or "")
    refunded = charge.get("amount_refunded") or 0
    status = charge.get("status")
    if charge.get("refunded"):
        status = "refunded"
    elif refunded:
        status = "partially refunded"
    return {
        "id": str(charge.get("id") or ""),
        "amount": money(charge.get("amount"), currency),
        "amount_refunded": money(refunded, currency) if refunded else None,
        "currency": currency.upper() or None,
        "status": status,
        "description": charge.get("description"),
        "receipt_url": charge.get("receipt_url"),
        "disputed": bool(charge.get("disputed")),
        "created_at": iso_utc(charge.get("created")),
    }


def dispute_item(dispute: dict[str, Any]) -> dict[str, Any]:
    currency = str(dispute.get("currency") or "")
    due = (dispute.get("evidence_details") or {}).get("due_by")
    return {
        "id": str(dispute.get("id") or ""),
        "charge": dispute.get("charge"),
        "amount": money(dispute.get("amount"), currency),
        "currency": currency.upper() or None,
        "reason": str(dispute.get("reason") or "").replace("_", " ") or None,
        "status": str(dispute.get("status") or "").replace("_", " ") or None,
        "evidence_due_by": iso_utc(due),
        "created_at": iso_utc(dispute.get("created")),
    }


def money(amount: Any, currency: str) -> str | None:
    """Stripe's integer minor units as a decimal string: 1099 usd → "10.99", 500 jpy → "500"."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        return None
    code = currency.lower()
    places = 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2
    sign, amount = ("-" if amount < 0 else ""), abs(amount)
    if not places:
        return f"{sign}{amount}"
    whole, part = divmod(amount, 10**places)
    return f"{sign}{whole}.{part:0{places}d}"


def _customer_facts(person: dict[str, Any]) -> dict[str, Any]:
    return {"customer_id": str(person["id"]), "customer_since": iso_utc(person.get("created"))}


def _charge_party(charge: dict[str, Any]) -> Party:
    email = (charge.get("billing_details") or {}).get("email") or charge.get("receipt_email")
    customer = charge.get("customer")
    customer_id = customer.get("id") if isinstance(customer, dict) else customer
    return Party(email=email or None, external_id=str(customer_id) if customer_id else None)


@asynccontextmanager
async def _client(conn: Connection) -> AsyncIterator[stripe.StripeClient]:
    """A StripeClient for one lookup; Stripe's errors become ours through the shared table."""
    config = _config(conn)
    http = stripe.HTTPXClient(timeout=20)
    client = stripe.StripeClient(
        config.secret_key.get_secret_value(),
        http_client=http,
        base_addresses={"api": config.api_base_url.rstrip("/")} if config.api_base_url else None,
        max_network_retries=0,
    )
    try:
        yield client
    except stripe.StripeError as exc:
        raise _ours(exc) from None
    finally:
        await http.close_async()  # type: ignore[no-untyped-call]


def _ours(exc: stripe.StripeError) -> SwitchboardError:
    if isinstance(exc, stripe.APIConnectionError) or not exc.http_status:
        return Retriable(f"stripe: {type(exc).__name__} talking to the provider")
    try:
        raise_for_provider(httpx.Response(exc.http_status, headers=exc.headers or {}), PROVIDER)
    except SwitchboardError as mapped:
        return mapped
    return Retriable(f"stripe: unexpected answer (HTTP {exc.http_status})")


def _event(request: WebhookRequest) -> dict[str, Any]:
    event = request.json()
    if not isinstance(event, dict) or event.get("object") != "event" or not event.get("type"):
        raise BadInput("stripe: the webhook body is not an event", code="unknown_payload")
    return event


def _config(conn: Connection) -> StripeConfig:
    if not isinstance(conn.config, StripeConfig):
        raise Fatal("stripe: connection carries another connector's config")
    return conn.config


SPEC = ConnectorSpec(
    slug="stripe",
    name="Stripe",
    kind="context",
    auth_type="api_key",
    config_model=StripeConfig,
    capabilities=frozenset({Capability.CONTEXT, Capability.INBOUND_WEBHOOK}),
    description=(
        "Stripe context connector (billing): a customer's recent charges, refunds, receipt "
        "links and open disputes for drafts to quote; signed webhooks keep them fresh. "
        "It brings in no messages."
    ),
    factory=StripeConnector,
)
