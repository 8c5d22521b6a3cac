"""The checks every connector passes, whatever its provider (run for each registry entry)."""

from __future__ import annotations

from ingestion.connectors.base import Capability, ConnectorSpec
from ingestion.connectors.capabilities import (
    Handshake,
    Inbound,
    Labeler,
    Poller,
    Sender,
    WebhookVerifier,
)

PROTOCOLS = {
    Capability.INBOUND_WEBHOOK: (WebhookVerifier, Inbound),
    Capability.POLLER: (Poller,),
    Capability.SENDER: (Sender,),
    Capability.LABELS: (Labeler,),
}


def check_spec(spec: ConnectorSpec) -> bool:
    """True when well formed; an AssertionError names what is not."""
    assert spec.slug.isidentifier() and spec.slug == spec.slug.lower()
    assert spec.kind in {"email", "helpdesk", "chat", "commerce", "crm", "api", "context", "sms"}
    assert spec.auth_type in {"none", "api_key", "basic", "oauth2", "hmac", "token"}
    assert spec.description
    schema = spec.config_schema()
    props = schema.get("properties", {})
    for name in spec.config_model.secret_fields():
        assert props[name].get("writeOnly") is True, f"{spec.slug}.{name} must be writeOnly"
    if spec.auth_type == "oauth2":
        assert spec.oauth is not None and spec.oauth.scopes
        assert Capability.OAUTH in spec.capabilities
    return True


def check_implementation(spec: ConnectorSpec) -> bool:
    """Declared capabilities and implemented protocols agree, both ways (True, or an error)."""
    connector = spec.connector()
    for capability, protocols in PROTOCOLS.items():
        implemented = all(isinstance(connector, p) for p in protocols)
        declared = capability in spec.capabilities
        assert implemented == declared, f"{spec.slug}: {capability} declared={declared}"
    if isinstance(connector, Handshake):
        assert Capability.INBOUND_WEBHOOK in spec.capabilities
    return True
