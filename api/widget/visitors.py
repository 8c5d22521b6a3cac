"""Who is on the other end of a widget socket: a visitor id we issued (with its signed token),
and, when the customer's server vouched for them, a user (identity verification).

Only what is verified may select a conversation or name a contact: an anonymous visitor's thread
is their visitor id (unguessable, and useless without its token); a verified user's thread is
their user id, shared by all their devices. Names and emails the page merely claims are kept as
details for agents, never used to match a contact (a forged email would otherwise attach the
visitor to someone else's customer record and its order history).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from api.widget.frames import Hello, Say, User
from ingestion.connectors.signing import digest, same, secret_bytes
from ingestion.connectors.widget import WidgetConfig, verify_identity
from ingestion.contract import InboundMessage, Party
from store.errors import Unauthorized

CHANNEL = "widget"
TOKEN_CONTEXT = b"switchboard widget visitor token v1"


class VisitorTokens:
    """A visitor token is hex HMAC-SHA256 over `<integration>:<visitor id>` with a key derived
    from the platform's secret: only this deployment issues them, and a token opens one visitor's
    conversation on one widget, never another's."""

    def __init__(self, platform_secret: SecretStr | str) -> None:
        self._key = bytes.fromhex(digest(secret_bytes(platform_secret, "widget"), TOKEN_CONTEXT))

    def issue(self, integration_id: uuid.UUID, visitor_id: str) -> str:
        return digest(self._key, f"{integration_id}:{visitor_id}".encode())

    def valid(self, integration_id: uuid.UUID, visitor_id: str, token: str | None) -> bool:
        return same(self.issue(integration_id, visitor_id), token)


def new_visitor_id() -> str:
    return "v_" + secrets.token_urlsafe(18)


@dataclass(frozen=True)
class Site:
    """The widget integration a socket opened with its public key."""

    integration_id: uuid.UUID
    organization_id: uuid.UUID
    config: WidgetConfig


@dataclass(frozen=True)
class Visitor:
    site: Site
    visitor_id: str
    token: str
    thread_key: str
    verified: bool
    sender: Party
    details: dict[str, Any]

    def inbound(self, say: Say) -> InboundMessage:
        """The visitor's message; its id is stable across resends of the same `client_id`."""
        return InboundMessage(
            organization_id=self.site.organization_id,
            integration_id=self.site.integration_id,
            channel=CHANNEL,
            external_id=f"{self.visitor_id}:{say.client_id}",
            thread_key=self.thread_key,
            sender=self.sender,
            text=say.text,
            metadata={"widget": self.details},
        )


def resolve(site: Site, hello: Hello, tokens: VisitorTokens) -> Visitor:
    """The visitor a hello names (or a new one); `Unauthorized` for a forged visitor token or an
    identity that does not verify."""
    visitor_id = _returning(site, hello, tokens) or new_visitor_id()
    user = hello.user
    identity = (user.user_id or user.email) if user else None
    verified = verify_identity(site.config, identity, user.user_hash if user else None)
    thread_key = _thread_key(user, visitor_id) if verified and user else visitor_id
    return Visitor(
        site=site,
        visitor_id=visitor_id,
        token=tokens.issue(site.integration_id, visitor_id),
        thread_key=thread_key,
        verified=verified,
        sender=_sender(user, thread_key, verified),
        details=_details(visitor_id, user, verified, hello.page),
    )


def _returning(site: Site, hello: Hello, tokens: VisitorTokens) -> str | None:
    if not hello.visitor_id:
        return None
    if tokens.valid(site.integration_id, hello.visitor_id, hello.visitor_token):
        return hello.visitor_id
    raise Unauthorized("widget: unknown visitor; start a new conversation", code="invalid_visitor")


def _thread_key(user: User, visitor_id: str) -> str:
    if user.user_id:
        return f"user:{user.user_id}"
    return f"email:{user.email.lower()}" if user.email else visitor_id


def _sender(user: User | None, thread_key: str, verified: bool) -> Party:
    name = user.name if user else None
    # A hash over the email (no user id) verifies the email itself: then it may match a contact.
    email = user.email if verified and user and not user.user_id else None
    return Party(external_id=thread_key, name=name, email=email)


def _details(
    visitor_id: str, user: User | None, verified: bool, page: str | None
) -> dict[str, Any]:
    details: dict[str, Any] = {"visitor_id": visitor_id, "verified": verified}
    if user is not None:
        details.update({k: v for k, v in (("user_id", user.user_id), ("email", user.email)) if v})
    if page:
        details["page"] = page
    return details
