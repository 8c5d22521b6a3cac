"""Generic IMAP (receive) + SMTP (send) mailbox."""

from __future__ import annotations

from pydantic import Field, SecretStr

from ingestion.connectors.base import Capability, ConnectorConfig, ConnectorSpec, Secret


class ImapConfig(ConnectorConfig):
    host: str = Field(min_length=1, max_length=255, description="IMAP server host name")
    port: int = Field(default=993, ge=1, le=65535)
    use_ssl: bool = True
    username: str = Field(min_length=1, max_length=320)
    password: SecretStr = Secret("IMAP/SMTP password or app password", min_length=1)
    folder: str = Field(default="INBOX", min_length=1, max_length=255)
    smtp_host: str | None = Field(default=None, max_length=255, description="defaults to host")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_starttls: bool = True
    from_address: str | None = Field(default=None, max_length=320)


SPEC = ConnectorSpec(
    slug="imap",
    name="IMAP / SMTP mailbox",
    kind="email",
    auth_type="basic",
    config_model=ImapConfig,
    capabilities=frozenset(
        {Capability.POLLER, Capability.SENDER, Capability.THREADS, Capability.LABELS}
    ),
    description="Any mailbox reachable over IMAP (IDLE or polling) and SMTP.",
)
