"""Magento and BigCommerce context lookups beyond the table, and Apple Messages for Business
bearer-JWT calls (gzip bodies, token age, wrong secrets)."""

from __future__ import annotations

import gzip
import json
import time
from typing import Any

import jwt
import pytest

from ingestion.connectors.capabilities import (
    WebhookRequest,
)
from ingestion.connectors.registry import REGISTRY
from store.errors import BadInput, Unauthorized
from tests.fakes.http_server import serve_app
from tests.fakes.recorder import Answer, Recorder
from tests.ingestion.connectors.cases import json_body
from tests.ingestion.connectors.examples import apple_messages as am
from tests.ingestion.connectors.generic_support import connect, reply

# --- context lookups (magento, bigcommerce) beyond the table ----------------------------------


async def _lookup(
    slug: str, config: dict[str, Any], by_path: dict[str, Answer], **who: str
) -> tuple[dict[str, Any], Recorder]:
    from ingestion.contract import Party

    recorder = Recorder()
    recorder.reset(Answer(404, {"error": "not found"}), by_path)
    with serve_app(recorder.app()) as base:
        conn = connect(slug, config, base)
        facts = await REGISTRY[slug].connector().lookup(conn, Party(**who))
        if conn.http is not None:
            await conn.http.aclose()
    return facts, recorder


async def test_bigcommerce_guest_orders_are_found_by_email_and_empty_lists_are_204() -> None:
    from tests.ingestion.connectors.examples import bigcommerce as bc

    config = bc.CASES[0].config
    prefix = "/stores/abc123xyz"
    guest = [{**bc.ORDERS[0], "customer_id": 0}]
    facts, recorder = await _lookup(
        "bigcommerce",
        config,
        {
            f"{prefix}/v3/customers": Answer(200, {"data": [], "meta": {}}),
            f"{prefix}/v2/orders": Answer(200, guest),
            f"{prefix}/v2/orders/100/shipments": Answer(204, ""),
        },
        email="janedoe@example.com",
    )
    orders_call = next(r for r in recorder.requests if r.path == f"{prefix}/v2/orders")
    assert orders_call.query["email"] == "janedoe@example.com"
    assert recorder.requests[0].query == {"email:in": "janedoe@example.com"}
    assert facts["order_number"] == "100" and "tracking_number" not in facts
    nobody, _ = await _lookup(
        "bigcommerce",
        config,
        {
            f"{prefix}/v3/customers": Answer(200, {"data": []}),
            f"{prefix}/v2/orders": Answer(204, ""),
        },
        email="who@example.com",
    )
    assert nobody == {}


async def test_magento_filters_by_email_and_ignores_other_customers_orders() -> None:
    from tests.ingestion.connectors.examples import magento as mag

    foreign = {"items": [{**mag.ORDERS["items"][0], "customer_email": "else@example.com"}]}
    facts, recorder = await _lookup(
        "magento",
        mag.CASES[0].config,
        {"/rest/V1/orders": Answer(200, foreign)},
        email="roni_cost@example.com",
    )
    assert facts == {}
    query = recorder.requests[0].query
    assert query["searchCriteria[filter_groups][0][filters][0][field]"] == "customer_email"
    assert query["searchCriteria[filter_groups][0][filters][0][value]"] == "roni_cost@example.com"
    assert query["searchCriteria[sortOrders][0][direction]"] == "DESC"
    assert (
        recorder.requests[0].headers["authorization"]
        == "Bearer magento-integration-token-0123456789"
    )
    no_email, calls = await _lookup("magento", mag.CASES[0].config, {}, phone="+15550100")
    assert no_email == {} and calls.requests == []


# --- apple_messages: the bearer-JWT rows the table cannot hold yet ----------------------------


def apple_call(body: bytes, headers: dict[str, str], gzipped: bool = False) -> WebhookRequest:
    extra = {"content-encoding": "gzip"} if gzipped else {}
    data = gzip.compress(body) if gzipped else body
    return WebhookRequest(
        method="POST",
        url="https://switchboard.example.com/api/v1/webhooks/apple_messages/x",
        headers={"content-type": "application/json", **extra, **headers},
        query={},
        body=data,
    )


@pytest.mark.parametrize("gzipped", [False, True])
@pytest.mark.parametrize("row", am.BEARER_ROWS, ids=lambda r: r.name)
async def test_apple_documented_message_with_a_bearer_jwt(row: Any, gzipped: bool) -> None:
    connector, conn = REGISTRY["apple_messages"].connector(), connect("apple_messages", am.CONFIG)
    request = apple_call(row.body, row.sign(row.body, "", time.time()), gzipped)
    connector.verify(conn, request)
    messages = await connector.parse(conn, request)
    assert len(messages) == row.count
    for path, expected in row.expect.items():
        value: Any = messages[0]
        for part in path.split("."):
            value = getattr(value, part)
        assert value == expected, path


def _apple_token(claims: dict[str, Any], key: bytes = am.SECRET_BYTES) -> str:
    return jwt.encode(claims, key, algorithm="HS256")


def test_apple_refuses_foreign_tokens_and_other_businesses() -> None:
    connector, conn = REGISTRY["apple_messages"].connector(), connect("apple_messages", am.CONFIG)
    body, now = json_body(am.TEXT), int(time.time())
    good = am.bearer(body, "", now)
    forged = {
        "no token": {k: v for k, v in good.items() if k != "authorization"},
        "raw secret used": {
            **good,
            "authorization": "Bearer "
            + _apple_token({"aud": am.CSP_ID, "iat": now}, am.SECRET.encode()),
        },
        "other audience": {
            **good,
            "authorization": "Bearer " + _apple_token({"aud": "someone-else", "iat": now}),
        },
        "no audience": {**good, "authorization": "Bearer " + _apple_token({"iat": now})},
        "expired": {
            **good,
            "authorization": "Bearer "
            + _apple_token({"aud": am.CSP_ID, "iat": now - 7200, "exp": now - 3600}),
        },
        "too old": {
            **good,
            "authorization": "Bearer " + _apple_token({"aud": am.CSP_ID, "iat": now - 4000}),
        },
        "other business": {**good, "destination-id": "another-business"},
    }
    for name, headers in forged.items():
        with pytest.raises(Unauthorized):
            connector.verify(conn, apple_call(body, headers))
        assert name
    with pytest.raises(ValueError, match="base64"):
        REGISTRY["apple_messages"].config_model.model_validate(
            {**am.CONFIG, "api_secret": "not base64 at all!!"}
        )


async def test_apple_interactive_reply_and_corrupt_or_huge_gzip() -> None:
    from store.errors import PayloadTooLarge

    connector, conn = REGISTRY["apple_messages"].connector(), connect("apple_messages", am.CONFIG)
    picked = {
        **am.TEXT,
        "type": "interactive",
        "id": "i-1",
        "interactiveData": {"receivedMessage": {"title": "Tuesday 10:00"}},
    }
    [message] = await connector.parse(conn, apple_call(json_body(picked), {}))
    assert (message.external_id, message.text) == ("i-1", "Tuesday 10:00")
    broken = WebhookRequest("POST", "u", {"content-encoding": "gzip"}, {}, b"not gzip")
    with pytest.raises(BadInput):
        await connector.parse(conn, broken)
    bomb = apple_call(b"{" + b" " * (5 * 1024 * 1024) + b"}", {}, gzipped=True)
    with pytest.raises(PayloadTooLarge):
        await connector.parse(conn, bomb)


async def test_apple_send_is_gzip_json_with_a_token_apple_accepts() -> None:
    recorder = Recorder()
    recorder.reset(Answer(200, ""))
    connector = REGISTRY["apple_messages"].connector()
    with serve_app(recorder.app()) as base:
        conn = connect("apple_messages", am.CONFIG, base)
        message = reply(text="Yes: reply with the new address.", thread_key=am.CUSTOMER)
        result = await connector.send(conn, message)
        assert conn.http is not None
        await conn.http.aclose()
    sent = recorder.requests[-1]
    assert sent.path == "/v1/message" and sent.headers["id"] == str(message.message_id)
    body = json.loads(gzip.decompress(sent.body))
    assert body == {
        "v": 1,
        "type": "text",
        "id": str(message.message_id),
        "sourceId": am.BUSINESS_ID,
        "destinationId": am.CUSTOMER,
        "body": "Yes: reply with the new address.",
    }
    token = sent.headers["authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, am.SECRET_BYTES, algorithms=["HS256"], audience=am.CSP_ID)
    assert claims["iss"] == am.CSP_ID
    assert result.external_id == str(message.message_id)
