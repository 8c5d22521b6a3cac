"""Generic IMAP (receive, IDLE) + SMTP (send) mailbox, logging in with a password."""

from __future__ import annotations

from pydantic import Field, SecretStr

from ingestion.connectors.base import Capability, ConnectorSpec, Secret
from ingestion.connectors.capabilities import Connection
from ingestion.connectors.imap_session import MailAccount
from ingestion.connectors.mailbox import MailboxConnector, MailboxOptions
from store.errors import Fatal


class ImapConfig(MailboxOptions):
    """Any IMAP/SMTP server; one username and password (or app password) for both."""

    host: str = Field(min_length=1, max_length=255, description="IMAP server host name")
    port: int = Field(default=993, ge=1, le=65535)
    use_ssl: bool = True
    username: str = Field(min_length=1, max_length=320)
    password: SecretStr = Secret("IMAP/SMTP password or app password", min_length=1)
    smtp_host: str | None = Field(default=None, max_length=255, description="defaults to host")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_use_ssl: bool = Field(default=False, description="implicit TLS (port 465)")
    smtp_starttls: bool = True
    from_address: str | None = Field(default=None, max_length=320, description="else username")


class ImapConnector(MailboxConnector):
    """The mailbox behaviour of MailboxConnector, reached with the config's password."""

    async def account(self, conn: Connection) -> MailAccount:
        config = conn.config
        if not isinstance(config, ImapConfig):
            raise Fatal(f"imap: expected ImapConfig, got {type(config).__name__}")
        return MailAccount(
            username=config.username,
            from_address=config.from_address or config.username,
            imap_host=config.host,
            imap_port=config.port,
            imap_ssl=config.use_ssl,
            smtp_host=config.smtp_host or config.host,
            smtp_port=config.smtp_port,
            smtp_ssl=config.smtp_use_ssl,
            smtp_starttls=config.smtp_starttls,
            folder=config.folder,
            sent_folder=config.sent_folder,
            from_name=config.from_name,
            backfill_days=config.backfill_days,
            batch_size=config.batch_size,
            password=config.password.get_secret_value(),
        )


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
    factory=ImapConnector,
)
