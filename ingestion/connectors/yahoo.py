"""Yahoo Mail: the IMAP/SMTP mailbox behaviour, logging in with OAuth 2.0 (SASL XOAUTH2)."""

from __future__ import annotations

from pydantic import Field

from ingestion.connectors.base import Capability, ConnectorSpec, OAuthEndpoints
from ingestion.connectors.capabilities import Connection
from ingestion.connectors.imap_session import MailAccount
from ingestion.connectors.mailbox import MailboxConnector, MailboxOptions
from ingestion.connectors.oauth import OAuthConfig, fresh_access_token
from store.errors import Fatal


class YahooConfig(OAuthConfig, MailboxOptions):
    """A Yahoo mailbox connected through OAuth; the hosts are overridable (tests, proxies)."""

    email_address: str = Field(min_length=3, max_length=320, description="the Yahoo address")
    imap_host: str = Field(default="imap.mail.yahoo.com", min_length=1, max_length=255)
    imap_port: int = Field(default=993, ge=1, le=65535)
    imap_ssl: bool = True
    smtp_host: str = Field(default="smtp.mail.yahoo.com", min_length=1, max_length=255)
    smtp_port: int = Field(default=465, ge=1, le=65535)
    smtp_ssl: bool = Field(default=True, description="implicit TLS on 465; off for 587 STARTTLS")
    smtp_starttls: bool = False


class YahooConnector(MailboxConnector):
    """The mailbox behaviour of MailboxConnector, reached with a fresh OAuth access token."""

    async def account(self, conn: Connection) -> MailAccount:
        config = conn.config
        if not isinstance(config, YahooConfig):
            raise Fatal(f"yahoo: expected YahooConfig, got {type(config).__name__}")
        token = await fresh_access_token(SPEC, conn)
        return MailAccount(
            username=config.email_address,
            from_address=config.email_address,
            imap_host=config.imap_host,
            imap_port=config.imap_port,
            imap_ssl=config.imap_ssl,
            smtp_host=config.smtp_host,
            smtp_port=config.smtp_port,
            smtp_ssl=config.smtp_ssl,
            smtp_starttls=config.smtp_starttls,
            folder=config.folder,
            sent_folder=config.sent_folder,
            from_name=config.from_name,
            backfill_days=config.backfill_days,
            batch_size=config.batch_size,
            oauth_token=token,
        )


SPEC = ConnectorSpec(
    slug="yahoo",
    name="Yahoo Mail",
    kind="email",
    auth_type="oauth2",
    config_model=YahooConfig,
    capabilities=frozenset(
        {
            Capability.POLLER,
            Capability.SENDER,
            Capability.THREADS,
            Capability.LABELS,
            Capability.OAUTH,
        }
    ),
    description="A Yahoo Mail mailbox over IMAP (IDLE) and SMTP, connected with OAuth 2.0.",
    factory=YahooConnector,
    oauth=OAuthEndpoints(
        authorize_url="https://api.login.yahoo.com/oauth2/request_auth",
        token_url="https://api.login.yahoo.com/oauth2/get_token",
        scopes=("mail-w",),
    ),
)
