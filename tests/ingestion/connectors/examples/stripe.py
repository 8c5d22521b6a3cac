"""Stripe: the API reference's Customer, Charge and Dispute examples, and signed events.

Objects are verbatim from the API reference (nested card details and evidence fields trimmed);
events use the reference's Event envelope. Headers are signed with the stripe SDK's own helper
exactly as stripe-python's test suite builds them (`generate_header`), and Stripe signs a
timestamp, so a call older than its 300 s tolerance must be refused.
"""

from __future__ import annotations

from typing import Any

import stripe

from tests.ingestion.connectors.cases import Case, Inbound, Lookup, json_body

SECRET = "whsec_test_secret_for_switchboard_examples"
API_DOC = "https://docs.stripe.com/api"
EVENTS_DOC = "https://docs.stripe.com/api/events/object"
DISPUTE_DOC = "https://docs.stripe.com/api/disputes/object"

CUSTOMER: dict[str, Any] = {
    "id": "cus_NffrFeUfNV2Hib", "object": "customer", "address": None, "balance": 0,
    "created": 1680893993, "currency": None, "default_source": None, "delinquent": False,
    "description": None, "discount": None, "email": "jennyrosen@example.com",
    "invoice_prefix": "0759376C",
    "invoice_settings": {"custom_fields": None, "default_payment_method": None,
                         "footer": None, "rendering_options": None},
    "livemode": False, "metadata": {}, "name": "Jenny Rosen", "next_invoice_sequence": 1,
    "phone": None, "preferred_locales": [], "shipping": None, "tax_exempt": "none",
    "test_clock": None,
}  # fmt: skip

CHARGE: dict[str, Any] = {
    "id": "ch_3MmlLrLkdIwHu7ix0snN0B15", "object": "charge", "amount": 1099,
    "amount_captured": 1099, "amount_refunded": 0, "application": None,
    "application_fee": None, "application_fee_amount": None,
    "balance_transaction": "txn_3MmlLrLkdIwHu7ix0uke3Ezy",
    "billing_details": {"address": {"city": None, "country": None, "line1": None,
                                    "line2": None, "postal_code": None, "state": None},
                        "email": None, "name": None, "phone": None},
    "calculated_statement_descriptor": "Stripe", "captured": True, "created": 1679090539,
    "currency": "usd", "customer": None, "description": None, "disputed": False,
    "failure_balance_transaction": None, "failure_code": None, "failure_message": None,
    "fraud_details": {}, "invoice": None, "livemode": False, "metadata": {},
    "on_behalf_of": None, "paid": True, "payment_intent": None,
    "payment_method": "card_1MmlLrLkdIwHu7ixIJwEWSNR",
    "receipt_email": None, "receipt_number": None,
    "receipt_url": "https://pay.stripe.com/receipts/payment/CAcaFwoVYWNjdF8xTTJKVGtMa2RJd0h1N2l4KOvG06AGMgZfBXyr1aw6LBa9vaaSRWU96d8qBwz9z2J_CObiV_H2-e8RezSK_sw0KISesp4czsOUlVKY",
    "refunded": False, "review": None, "shipping": None, "source_transfer": None,
    "statement_descriptor": None, "statement_descriptor_suffix": None,
    "status": "succeeded", "transfer_data": None, "transfer_group": None,
}  # fmt: skip

DISPUTE: dict[str, Any] = {
    "id": "du_1MtJUT2eZvKYlo2CNaw2HvEv", "object": "dispute", "amount": 1000,
    "balance_transactions": [], "charge": "ch_1AZtxr2eZvKYlo2CJDX8whov",
    "created": 1680651737, "currency": "usd",
    "evidence_details": {"due_by": 1682294399, "has_evidence": False, "past_due": False,
                         "submission_count": 0},
    "is_charge_refundable": True, "livemode": False, "metadata": {},
    "payment_intent": None, "reason": "general", "status": "warning_needs_response",
}  # fmt: skip


def event(kind: str, thing: dict[str, Any]) -> dict[str, Any]:
    """The reference's Event envelope around a documented object."""
    return {
        "id": "evt_1NG8Du2eZvKYlo2CUI79vXWy", "object": "event", "api_version": "2019-02-19",
        "created": 1686089970, "data": {"object": thing}, "livemode": False,
        "pending_webhooks": 0, "request": {"id": None, "idempotency_key": None}, "type": kind,
    }  # fmt: skip


def sign(body: bytes, url: str, now: float) -> dict[str, str]:
    """stripe-python's tests' `generate_header`: `t=<ts>,v1=<HMAC of "<ts>.<payload>">`."""
    timestamp = int(now)
    payload = "%d.%s" % (timestamp, body.decode())  # noqa: UP031 - the SDK helper's own format
    signature = stripe.WebhookSignature._compute_signature(payload, SECRET)  # type: ignore[no-untyped-call]
    scheme = stripe.WebhookSignature.EXPECTED_SCHEME
    return {"stripe-signature": "t=%d,%s=%s" % (timestamp, scheme, signature)}  # noqa: UP031


CASES = [
    Case(
        slug="stripe",
        config={
            "secret_key": "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
            "webhook_secret": SECRET,
            "api_base_url": "{base}",
        },
        inbound=[
            Inbound(
                name="charge.dispute.created creates no conversation",
                body=json_body(event("charge.dispute.created", DISPUTE)),
                sign=sign,
                expect={},
                count=0,
                source=DISPUTE_DOC,
            ),
            Inbound(
                name="charge.refunded creates no conversation",
                body=json_body(event("charge.refunded", CHARGE)),
                sign=sign,
                expect={},
                count=0,
                source=EVENTS_DOC,
            ),
        ],
        send=None,
        lookup=Lookup(
            customer={"email": "jennyrosen@example.com", "name": "Jenny Rosen"},
            replies={
                "/v1/customers": {
                    "object": "list",
                    "url": "/v1/customers",
                    "has_more": False,
                    "data": [CUSTOMER],
                },
                "/v1/charges": {
                    "object": "list",
                    "url": "/v1/charges",
                    "has_more": False,
                    "data": [CHARGE],
                },
            },
            expect={
                "customer_id": "cus_NffrFeUfNV2Hib",
                "customer_since": "2023-04-07T18:59:53Z",
                "last_charge_amount": "10.99",
                "last_charge_currency": "USD",
                "last_charge_status": "succeeded",
                "receipt_url": CHARGE["receipt_url"],
            },
            path="/v1/charges",
            source=API_DOC,
        ),
        replay_window_s=300,
    )
]
