"""Push subscriptions are created and renewed by the poller runner, once per expiry window."""

from __future__ import annotations

import time

from nats.js import JetStreamContext
from pydantic import SecretStr

from api.runtime import Runtime
from ingestion.connections import Connections
from ingestion.connectors.outlook import OutlookConfig
from ingestion.pollers import PollerRunner
from store.tables import Integration
from tests.fakes.graph import GraphFake
from tests.fakes.http_server import serve_app
from tests.fakes.oauth_server import OAuthServer
from tests.ingestion.conftest import make_org


async def test_the_graph_subscription_is_created_then_left_alone_until_it_nears_expiry(
    runtime: Runtime, js: JetStreamContext
) -> None:
    fake = GraphFake(oauth=OAuthServer())
    with serve_app(fake.app()) as url:
        config = OutlookConfig(
            client_id=fake.oauth.client_id,
            client_secret=SecretStr(fake.oauth.client_secret),
            access_token=SecretStr(fake.oauth.issue_access_token()),
            refresh_token=SecretStr(fake.oauth.issue_refresh_token()),
            token_expires_at=int(time.time()) + 3600,
            oauth_base_url=url,
            api_base_url=url,
            email_address=fake.address,
            client_state=SecretStr("client-state-secret-123"),
        )
        org = await make_org(runtime, "outlook", config)
        integration_id = org.integration_id

        async def jetstream() -> JetStreamContext:
            return js

        connections = Connections(runtime.sessions, runtime.secret_box)
        runner = PollerRunner(runtime.sessions, connections, jetstream, "https://sb.example")
        await runner.poll_once(integration_id)
        await runner.poll_once(integration_id)
    (subscription,) = fake.subscriptions
    assert subscription["notificationUrl"] == (
        f"https://sb.example/api/v1/webhooks/outlook/{integration_id}"
    )
    async with runtime.sessions() as s:
        state = (await s.get(Integration, integration_id)).state  # type: ignore[union-attr]
    assert state["subscription_expires"] and state["delta_link"]
