"""The shared conformance suite over the documented-examples table (see cases.py).

Every row of `examples/<slug>.py` runs here: verification of the provider's documented payload
(genuine accepted, tampered / unsigned refused, stale refused where a timestamp is signed),
payload → InboundMessage, and send → the documented request with error mapping.
"""

from __future__ import annotations

import importlib
import pkgutil
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from ingestion.connectors.capabilities import (
    Connection,
    ContextLookup,
    OutboundMessage,
    Sender,
    WebhookRequest,
    WebhookVerifier,
)
from ingestion.connectors.capabilities import Inbound as InboundProtocol
from ingestion.connectors.registry import REGISTRY
from ingestion.contract import Party
from store.errors import Retriable, SwitchboardError, Unauthorized
from tests.fakes.http_server import serve_app
from tests.fakes.recorder import Answer, Recorder
from tests.ingestion.connectors import examples
from tests.ingestion.connectors.cases import Case, Inbound, now, split_signed

STALE_S = 3600


def all_cases() -> list[Case]:
    found: list[Case] = []
    for info in pkgutil.iter_modules(examples.__path__):
        module = importlib.import_module(f"{examples.__name__}.{info.name}")
        found.extend(getattr(module, "CASES", []))
    return found


CASES = all_cases()
INBOUND = [(c, i) for c in CASES for i in c.inbound]
SENDS = [c for c in CASES if c.send is not None]
LOOKUPS = [c for c in CASES if c.lookup is not None]


def _id(value: Any) -> str:
    if isinstance(value, tuple):
        return f"{value[0].slug}:{value[1].name}"
    if isinstance(value, Inbound):
        return value.name
    return str(getattr(value, "slug", value))


@pytest.fixture(scope="module")
def provider() -> Iterator[tuple[Recorder, str]]:
    recorder = Recorder()
    with serve_app(recorder.app()) as base:
        yield recorder, base


def _fill(value: Any, base: str) -> Any:
    if isinstance(value, str):
        return value.replace("{base}", base)
    if isinstance(value, dict):
        return {k: _fill(v, base) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, base) for v in value]
    return value


def connection(case: Case, base: str = "http://127.0.0.1:9") -> Connection:
    spec = REGISTRY[case.slug]
    return Connection(
        integration_id=uuid.UUID("00000000-0000-4000-8000-000000000001"),
        organization_id=uuid.uuid4(),
        channel=case.slug,
        config=spec.config_model.model_validate(_fill(case.config, base)),
    )


def request(case: Case, row: Inbound, body: bytes, signed: dict[str, str]) -> WebhookRequest:
    headers, params = split_signed(signed)
    query = {**row.query, **params}
    url = case.webhook_url()
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return WebhookRequest(
        method=row.method,
        url=url,
        headers={"content-type": row.content_type, **headers},
        query=query,
        body=body,
    )


def dotted(message: Any, path: str) -> Any:
    value = message
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else getattr(value, part)
    return value


def test_every_connector_has_documented_examples() -> None:
    covered = {c.slug for c in CASES}
    # Mailboxes are covered by their own mail-server tests; the widget takes no provider
    # webhook (visitors talk to our own websocket: tests/api/test_widget.py).
    own_tests = {"imap", "gmail", "outlook", "yahoo", "widget"}
    assert set(REGISTRY) - own_tests <= covered, sorted(set(REGISTRY) - own_tests - covered)


def test_context_connectors_have_a_lookup_row() -> None:
    context = {s for s, spec in REGISTRY.items() if isinstance(spec.connector(), ContextLookup)}
    assert context <= {c.slug for c in LOOKUPS}, sorted(context - {c.slug for c in LOOKUPS})


def test_the_table_covers_every_webhook_connector() -> None:
    covered = {c.slug for c in CASES}
    webhook = {
        slug
        for slug, spec in REGISTRY.items()
        if isinstance(spec.connector(), WebhookVerifier) and slug not in {"gmail", "outlook"}
    }
    assert webhook <= covered, f"no documented examples for {sorted(webhook - covered)}"


@pytest.mark.parametrize(("case", "row"), INBOUND, ids=_id)
async def test_documented_payload_is_verified_and_parsed(
    case: Case, row: Inbound, provider: tuple[Recorder, str]
) -> None:
    recorder, base = provider
    recorder.reset(
        Answer(404, {"error": "not found"}),
        {path: Answer(200, body) for path, body in row.replies.items()},
    )
    connector = REGISTRY[case.slug].connector()
    assert isinstance(connector, WebhookVerifier) and isinstance(connector, InboundProtocol)
    conn = connection(case, base)
    incoming = request(case, row, *row.signed(case.webhook_url(), now()))
    connector.verify(conn, incoming)
    try:
        messages = await connector.parse(conn, incoming)
    finally:
        if conn.http is not None:
            await conn.http.aclose()
    assert len(messages) == row.count, messages
    for message in messages:
        assert message.channel == case.slug and message.external_id
        assert message.integration_id == conn.integration_id
    if row.count:
        for path, expected in row.expect.items():
            assert dotted(messages[0], path) == expected, path


@pytest.mark.parametrize(("case", "row"), INBOUND, ids=_id)
def test_tampered_or_unsigned_payload_is_refused(case: Case, row: Inbound) -> None:
    connector = REGISTRY[case.slug].connector()
    conn = connection(case)
    body, headers = row.signed(case.webhook_url(), now())
    if case.forge is not None:
        forged = request(case, row, body, case.forge(body, case.webhook_url(), now()))
    else:
        tampered = row.tamper(body)
        assert tampered != body
        forged = request(case, row, tampered, headers)
    with pytest.raises(Unauthorized):
        connector.verify(conn, forged)
    with pytest.raises(Unauthorized):
        connector.verify(conn, request(case, row, row.body, {}))


@pytest.mark.parametrize(("case", "row"), INBOUND, ids=_id)
def test_a_stale_signature_is_refused_where_a_timestamp_is_signed(case: Case, row: Inbound) -> None:
    connector = REGISTRY[case.slug].connector()
    conn = connection(case)
    stale = request(case, row, *row.signed(case.webhook_url(), now() - STALE_S))
    if case.replay_window_s is None:
        connector.verify(conn, stale)  # nothing signed to date it: de-duplication handles it
    else:
        assert case.replay_window_s < STALE_S
        with pytest.raises(Unauthorized):
            connector.verify(conn, stale)


def _outbound(case: Case) -> OutboundMessage:
    assert case.send is not None
    ids = {"message_id": uuid.uuid4(), "conversation_id": uuid.uuid4()}
    return OutboundMessage(**ids, **case.send.message)


@pytest.mark.parametrize("case", SENDS, ids=_id)
async def test_send_makes_the_documented_request(
    case: Case, provider: tuple[Recorder, str]
) -> None:
    recorder, base = provider
    send = case.send
    assert send is not None
    recorder.reset(
        Answer(send.reply_status, send.reply),
        {path: Answer(200, body) for path, body in send.other_replies.items()},
    )
    connector = REGISTRY[case.slug].connector()
    assert isinstance(connector, Sender)
    conn = connection(case, base)
    try:
        result = await connector.send(conn, _outbound(case))
    finally:
        if conn.http is not None:
            await conn.http.aclose()
    hits = [r for r in recorder.requests if r.path == send.path]
    assert hits, [(r.method, r.path) for r in recorder.requests]
    sent = hits[-1]
    assert sent.method == send.method
    for name, value in send.headers.items():
        assert sent.headers.get(name) == value, name
    if send.json is not None:
        import json

        body = json.loads(sent.body)
        for key, value in send.json.items():
            assert dotted(body, key) == value, key
    if send.form is not None:
        form = sent.form()
        for key, value in send.form.items():
            assert form.get(key) == value, key
    if send.external_id is not None:
        assert result.external_id == send.external_id
    assert result.external_id


@pytest.mark.parametrize("case", SENDS, ids=_id)
async def test_send_maps_rate_limits_and_errors(case: Case, provider: tuple[Recorder, str]) -> None:
    recorder, base = provider
    connector = REGISTRY[case.slug].connector()
    conn = connection(case, base)
    outcomes: list[tuple[Answer, type[SwitchboardError]]] = [
        (Answer(429, {"error": "rate limited"}, case.rate_limit_headers), Retriable),
        (Answer(401, {"error": "unauthorized"}), Unauthorized),
        (Answer(503, {"error": "unavailable"}), Retriable),
    ]
    try:
        for answer, error in outcomes:
            recorder.reset(answer)
            with pytest.raises(error) as raised:
                await connector.send(conn, _outbound(case))
            if answer.status == 429 and case.expect_retry_after is not None:
                assert getattr(raised.value, "retry_after", None) == case.expect_retry_after
    finally:
        if conn.http is not None:
            await conn.http.aclose()


@pytest.mark.parametrize("case", LOOKUPS, ids=_id)
async def test_context_lookup_reads_the_documented_response(
    case: Case, provider: tuple[Recorder, str]
) -> None:
    recorder, base = provider
    lookup = case.lookup
    assert lookup is not None
    recorder.reset(
        Answer(404, {"error": "not found"}),
        {path: Answer(200, body) for path, body in lookup.replies.items()},
    )
    connector = REGISTRY[case.slug].connector()
    assert isinstance(connector, ContextLookup)
    conn = connection(case, base)
    try:
        facts = await connector.lookup(conn, Party(**lookup.customer))
    finally:
        if conn.http is not None:
            await conn.http.aclose()
    if lookup.path:
        assert lookup.path in [r.path for r in recorder.requests]
    for key, value in lookup.expect.items():
        assert dotted(facts, key) == value, key
    import json

    json.dumps(facts)  # facts are stored on the contact as JSON
