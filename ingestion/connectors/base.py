"""What every connector declares: identity, capabilities and a typed config with secret fields."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class Capability(StrEnum):
    INBOUND_WEBHOOK = "inbound_webhook"
    POLLER = "poller"
    SENDER = "sender"
    THREADS = "threads"
    LABELS = "labels"
    CONTEXT = "context"
    OAUTH = "oauth"
    LIVE_CHAT = "live_chat"  # inbound over our own websocket (the website widget)


@dataclass(frozen=True)
class OAuthEndpoints:
    """A provider's OAuth 2.0 authorization-code endpoints and the scopes the connector needs.

    Config fields `oauth_base_url` (when set) replace the scheme and host, for local fakes."""

    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]
    extra_authorize_params: tuple[tuple[str, str], ...] = ()
    # How the client authenticates at the token endpoint: HTTP Basic (RFC 6749's default) or
    # client_id/client_secret form fields (HubSpot and Salesforce document the latter).
    token_auth_method: str = "client_secret_basic"


class ConnectorConfig(BaseModel):
    """Base of every connector config: unknown fields are refused, secrets are SecretStr."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @classmethod
    def secret_fields(cls) -> list[str]:
        return [
            name
            for name, info in cls.model_fields.items()
            if info.annotation is SecretStr or info.annotation == SecretStr | None
        ]

    def split(self) -> tuple[dict[str, Any], dict[str, str]]:
        """(public fields, secret fields in clear): the caller encrypts the second half."""
        secrets = self.secret_fields()
        public = self.model_dump(mode="json", exclude=set(secrets), exclude_none=True)
        hidden = {
            name: value.get_secret_value()
            for name in secrets
            if (value := getattr(self, name)) is not None
        }
        return public, hidden


def Secret(description: str, **kwargs: Any) -> Any:
    """A write-only config field: accepted on write, never returned."""
    return Field(description=description, json_schema_extra={"writeOnly": True}, **kwargs)


@dataclass(frozen=True)
class ConnectorSpec:
    slug: str
    name: str
    kind: str  # email | helpdesk | chat | commerce | crm | api | context
    auth_type: str  # none | api_key | basic | oauth2 | hmac
    config_model: type[ConnectorConfig]
    capabilities: frozenset[Capability] = field(default_factory=frozenset)
    description: str = ""
    # Builds the object implementing the capability protocols (ingestion/connectors/capabilities).
    factory: Callable[[], Any] | None = None
    oauth: OAuthEndpoints | None = None
    # What `Labeler.apply_labels` is given: the provider's message id ("message"), or its
    # thread/ticket/conversation id for providers that tag whole conversations ("thread").
    labels_on: str = "message"

    def connector(self) -> Any:
        if self.factory is None:
            raise LookupError(f"connector {self.slug!r} has no implementation")
        return self.factory()

    def config_schema(self) -> dict[str, Any]:
        return self.config_model.model_json_schema()
