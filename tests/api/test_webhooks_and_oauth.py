"""Provider webhooks through the API (verified by the connector; forged → 401, nothing stored)
and the OAuth connect flow (start → provider → callback → sealed tokens)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from nats.js import JetStreamContext

from api.runtime import Runtime
from tests.conftest import Tenant
from tests.fakes.gmail import GmailFake
from tests.fakes.http_server import serve_app
from tests.fakes.oauth_server import OAuthServer
from tests.fakes.zendesk import (
    AGENT_ID,
    API_TOKEN,
    EMAIL,
    ZendeskFake,
    comment_added_event,
    signed_headers,
)
from tests.jetstream import published

SIGNING = "c2lnbmluZy1zZWNyZXQtZm9yLXRlc3Rz"


@pytest.fixture
def zendesk() -> Iterator[tuple[ZendeskFake, str]]:
    fake = ZendeskFake()
    with serve_app(fake.app()) as base:
        yield fake, base


async def _zendesk_integration(client: httpx.AsyncClient, tenant: Tenant, base: str) -> str:
    r = await client.post(
        "/api/v1/integrations",
        headers=tenant.headers,
        json={
            "name": "Zendesk",
            "type": "zendesk",
            "config": {
                "subdomain": "acme",
                "email": EMAIL,
                "api_token": API_TOKEN,
                "webhook_signing_secret": SIGNING,
                "agent_user_id": AGENT_ID,
                "api_base_url": base,
            },
        },
    )
    assert r.status_code == 201, r.text
    assert (
        "api_token" not in r.json()["config"]
        and "webhook_signing_secret" in r.json()["secrets_set"]
    )
    return str(r.json()["id"])


async def _inbound(js: JetStreamContext, tenant: Tenant) -> list[dict[str, Any]]:
    return await published(js, tenant.org_id, "zendesk")


async def test_a_signed_zendesk_webhook_is_published_and_a_forged_one_is_401(
    client: httpx.AsyncClient,
    tenant: Tenant,
    js: JetStreamContext,
    zendesk: tuple[ZendeskFake, str],
) -> None:
    fake, base = zendesk
    iid = await _zendesk_integration(client, tenant, base)
    ticket = fake.add_ticket("Where is my order?", "Order 1042 has not arrived.")
    body = comment_added_event(ticket, fake.tickets[ticket]["comments"][0])
    url = f"/api/v1/webhooks/zendesk/{iid}"
    forged = signed_headers("another-secret", body)
    assert (await client.post(url, content=body, headers=forged)).status_code == 401
    assert (await client.post(url, content=body)).status_code == 401
    assert await _inbound(js, tenant) == []
    r = await client.post(url, content=body, headers=signed_headers(SIGNING, body))
    assert r.status_code == 200 and r.json() == {"accepted": 1}
    again = await client.post(url, content=body, headers=signed_headers(SIGNING, body))
    assert again.status_code == 200
    (message,) = await _inbound(js, tenant)  # the provider's retry is de-duplicated
    assert message["text"] == "Order 1042 has not arrived." and message["thread_key"] == str(ticket)


async def test_webhooks_for_unknown_or_mismatched_integrations_are_404(
    client: httpx.AsyncClient, tenant: Tenant, zendesk: tuple[ZendeskFake, str]
) -> None:
    _, base = zendesk
    iid = await _zendesk_integration(client, tenant, base)
    assert (
        await client.post(f"/api/v1/webhooks/zendesk/{uuid.uuid4()}", content=b"{}")
    ).status_code == 404
    assert (await client.post(f"/api/v1/webhooks/intercom/{iid}", content=b"{}")).status_code == 404
    assert (await client.get(f"/api/v1/webhooks/zendesk/{iid}")).status_code == 404  # no handshake


async def test_outlook_validation_handshake_echoes_the_token(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    r = await client.post(
        "/api/v1/integrations",
        headers=tenant.headers,
        json={
            "name": "Outlook",
            "type": "outlook",
            "config": {"client_id": "c", "client_secret": "s", "client_state": "state-secret-123"},
        },
    )
    assert r.status_code == 201, r.text
    url = f"/api/v1/webhooks/outlook/{r.json()['id']}?validationToken=Validation%3A%20Testing"
    answer = await client.post(url)
    assert answer.status_code == 200 and answer.text == "Validation: Testing"
    assert answer.headers["content-type"].startswith("text/plain")


async def test_oauth_connect_stores_sealed_tokens_and_refuses_a_forged_state(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    oauth = OAuthServer()
    fake = GmailFake(oauth=oauth)
    with serve_app(fake.app()) as base:
        r = await client.post(
            "/api/v1/integrations",
            headers=tenant.headers,
            json={
                "name": "Gmail",
                "type": "gmail",
                "config": {
                    "client_id": oauth.client_id,
                    "client_secret": oauth.client_secret,
                    "oauth_base_url": base,
                    "api_base_url": base,
                },
            },
        )
        assert r.status_code == 201, r.text
        iid = r.json()["id"]
        redirect = "https://sb.example/api/v1/oauth/callback"
        started = await client.post(
            f"/api/v1/integrations/{iid}/oauth/start",
            headers=tenant.headers,
            json={"redirect_uri": redirect},
        )
        assert started.status_code == 200, started.text
        query = parse_qs(urlsplit(started.json()["authorize_url"]).query)
        assert query["client_id"] == [oauth.client_id] and query["access_type"] == ["offline"]
        assert "https://www.googleapis.com/auth/gmail.send" in query["scope"][0]
        code = oauth.issue_code(redirect)
        bad = await client.get("/api/v1/oauth/callback", params={"code": code, "state": "forged"})
        assert bad.status_code == 401
        done = await client.get(
            "/api/v1/oauth/callback", params={"code": code, "state": query["state"][0]}
        )
        assert done.status_code == 200, done.text
    row = (await client.get(f"/api/v1/integrations/{iid}", headers=tenant.headers)).json()
    assert {"access_token", "refresh_token"} <= set(row["secrets_set"])
    assert row["health"]["token_expires_at"] > 0
    assert "access_token" not in row["config"] and "refresh_token" not in str(row["config"])


async def test_oauth_start_is_refused_for_non_oauth_connectors_and_other_orgs(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    r = await client.post(
        "/api/v1/integrations",
        headers=tenant.headers,
        json={"name": "API", "type": "api", "config": {}},
    )
    iid = r.json()["id"]
    assert (
        await client.post(
            f"/api/v1/integrations/{iid}/oauth/start", headers=tenant.headers, json={}
        )
    ).status_code == 400
    assert (
        await client.post(
            f"/api/v1/integrations/{iid}/oauth/start", headers=other_tenant.headers, json={}
        )
    ).status_code == 404


def test_runtime_type_is_used(runtime: Runtime) -> None:
    assert runtime.secret_box is not None
