"""Every documented example through the real webhook route, as a provider (or an attacker) would
send it: the integration is created through the API (secrets sealed), the genuine call is
published to JetStream once, a tampered or unsigned one is 401 and publishes nothing, a replay
is refused where the provider signs a timestamp and de-duplicated where it does not."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from nats.js import JetStreamContext

from tests.conftest import Tenant
from tests.fakes.http_server import serve_app
from tests.fakes.recorder import Answer, Recorder
from tests.ingestion.connectors.cases import Case, Inbound, now, split_signed
from tests.ingestion.connectors.test_documented_examples import CASES, _fill, _id
from tests.jetstream import published

STALE_S = 3600
# Providers that read our answer: what they must get (content type, a piece of the body).
ACKS = {
    "salesforce": ("text/xml", b"<Ack>true</Ack>"),
    "twilio_sms": ("text/xml", b"<Response></Response>"),
    "twilio_whatsapp": ("text/xml", b"<Response></Response>"),
    "plivo": ("text/xml", b"<Response></Response>"),
    "discord": ("application/json", b'"type":4'),
    "zulip": ("application/json", b'"response_not_required":true'),
}
# The first documented row of each connector that yields a message.
ROWS = [
    (case, row)
    for case in CASES
    for row in [next((r for r in case.inbound if r.count >= 1), None)]
    if row is not None
]


@pytest.fixture(scope="module")
def provider() -> Iterator[tuple[Recorder, str]]:
    recorder = Recorder()
    with serve_app(recorder.app()) as base:
        yield recorder, base


async def _post(client: httpx.AsyncClient, url: str, row: Inbound, body: bytes,
                signed: dict[str, str]) -> httpx.Response:  # fmt: skip
    headers, params = split_signed(signed)
    query = "&".join(f"{k}={v}" for k, v in {**row.query, **params}.items())
    return await client.post(
        url + (f"?{query}" if query else ""),
        content=body,
        headers={"content-type": row.content_type, **headers},
    )


@pytest.mark.parametrize(("case", "row"), ROWS, ids=_id)
async def test_genuine_is_published_once_forged_and_replayed_are_refused(
    client: httpx.AsyncClient,
    tenant: Tenant,
    js: JetStreamContext,
    provider: tuple[Recorder, str],
    case: Case,
    row: Inbound,
) -> None:
    recorder, base = provider
    recorder.reset(
        Answer(404, {"error": "not found"}),
        {path: Answer(200, body) for path, body in row.replies.items()},
    )
    made = await client.post(
        "/api/v1/integrations",
        headers=tenant.headers,
        json={"name": case.slug, "type": case.slug, "config": _fill(case.config, base)},
    )
    assert made.status_code == 201, made.text
    secrets = set(made.json()["secrets_set"])
    assert secrets and not secrets & set(made.json()["config"])
    path = f"/api/v1/webhooks/{case.slug}/{made.json()['id']}"
    url = f"http://testserver{path}"
    if row.query:
        url += "?" + "&".join(f"{k}={v}" for k, v in row.query.items())
    body, headers = row.signed(url, now())

    if case.forge is not None:
        forged = await _post(client, path, row, body, case.forge(body, url, now()))
    else:
        forged = await _post(client, path, row, row.tamper(body), headers)
    unsigned = await _post(client, path, row, row.body, {})
    assert (forged.status_code, unsigned.status_code) == (401, 401), forged.text
    assert await published(js, tenant.org_id, case.slug) == []

    genuine = await _post(client, path, row, body, headers)
    assert 200 <= genuine.status_code < 300, genuine.text
    if case.slug in ACKS:
        media_type, piece = ACKS[case.slug]
        assert genuine.headers["content-type"].startswith(media_type)
        assert piece in genuine.content.replace(b" ", b""), genuine.text
    first = await published(js, tenant.org_id, case.slug)
    assert len(first) == row.count

    if case.replay_window_s is not None:
        replay = await _post(client, path, row, *row.signed(url, now() - STALE_S))
        assert replay.status_code == 401, replay.text
    else:
        replay = await _post(client, path, row, body, headers)
        assert 200 <= replay.status_code < 300, replay.text
    again = await published(js, tenant.org_id, case.slug)
    assert [m["external_id"] for m in again] == [m["external_id"] for m in first]


async def test_a_webhook_for_another_organizations_integration_type_is_404(
    client: httpx.AsyncClient,
) -> None:
    r = await client.post(f"/api/v1/webhooks/slack/{uuid.uuid4()}", content=b"{}")
    assert r.status_code == 404


async def test_an_edited_secret_or_a_pause_applies_to_the_very_next_call(
    client: httpx.AsyncClient, tenant: Tenant, js: JetStreamContext
) -> None:
    from slack_sdk.signature import SignatureVerifier

    from tests.ingestion.connectors.examples import slack

    case, row = slack.CASES[0], slack.CASES[0].inbound[0]
    body = {"name": "Slack", "type": "slack", "config": case.config}
    made = await client.post("/api/v1/integrations", headers=tenant.headers, json=body)
    iid = made.json()["id"]
    path = f"/api/v1/webhooks/slack/{iid}"

    def signed(secret: str) -> dict[str, str]:
        stamp = str(int(now()))
        signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=row.body)
        return {"x-slack-request-timestamp": stamp, "x-slack-signature": signature or ""}

    assert (await _post(client, path, row, row.body, signed(slack.SIGNING_SECRET))).is_success
    rotated = "0123456789abcdef0123456789abcdef"
    edit = await client.patch(f"/api/v1/integrations/{iid}", headers=tenant.headers,
                              json={"config": {"signing_secret": rotated}})  # fmt: skip
    assert edit.status_code == 200, edit.text
    old = await _post(client, path, row, row.body, signed(slack.SIGNING_SECRET))
    assert old.status_code == 401
    assert (await _post(client, path, row, row.body, signed(rotated))).is_success
    paused = await client.patch(f"/api/v1/integrations/{iid}", headers=tenant.headers,
                                json={"status": "paused"})  # fmt: skip
    assert paused.status_code == 200
    assert (await _post(client, path, row, row.body, signed(rotated))).status_code == 404
