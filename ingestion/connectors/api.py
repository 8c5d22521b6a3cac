"""The generic API channel: clients post messages to /api/v1/inbound/{integration_id}."""

from __future__ import annotations

from pydantic import Field, HttpUrl, SecretStr

from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret


class ApiChannelConfig(ConnectorConfig):
    callback_url: HttpUrl | None = Field(
        default=None, description="Where replies are POSTed as JSON, signed with HMAC-SHA256."
    )
    callback_secret: SecretStr | None = Secret(
        "HMAC-SHA256 key for the X-Switchboard-Signature header of callbacks.",
        default=None,
        min_length=16,
    )


SPEC = ConnectorSpec(
    slug="api",
    name="Generic API",
    kind="api",
    auth_type="api_key",
    config_model=ApiChannelConfig,
    capabilities=frozenset({Capability.INBOUND_WEBHOOK, Capability.SENDER, Capability.THREADS}),
    description="Post messages over HTTP with an organization API key; replies go to a callback.",
)
