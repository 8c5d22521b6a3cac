"""What the helpdesk and CRM connectors share: config access, shared-secret webhook checks, the
provider call with its auth header, and building the InboundMessage with our limits applied.

Each provider module keeps its own scheme and payload knowledge; only the mechanics live here, so
a fix (clipping, timestamps, auth headers) lands once for the whole family.
"""

from __future__ import annotations

import base64
import hashlib
import time
from datetime import UTC, datetime
from html import escape
from typing import Any, TypeVar

import httpx
from pydantic import SecretStr

from ingestion.connectors.base import ConnectorConfig
from ingestion.connectors.capabilities import Connection, WebhookRequest
from ingestion.connectors.mime import html_to_text
from ingestion.connectors.provider_http import (
    call_json,
    raise_for_provider,
    transport_errors_are_retriable,
)
from ingestion.connectors.signing import check_basic, check_token
from ingestion.contract import MAX_HTML_CHARS, MAX_TEXT_CHARS, InboundMessage, Party
from store.errors import BadInput, Fatal, Retriable

# The header an admin adds to a provider's webhook when the provider signs nothing.
TOKEN_HEADER = "x-switchboard-token"
Config = TypeVar("Config", bound=ConnectorConfig)


def config_of(conn: Connection, model: type[Config], provider: str) -> Config:
    if not isinstance(conn.config, model):
        raise Fatal(f"{provider}: connection carries another connector's config")
    return conn.config


def check_shared_secret(provider: str, request: WebhookRequest, secret: SecretStr | None,
                        *, basic_user: str | None = None,
                        header: str = TOKEN_HEADER) -> None:  # fmt: skip
    """For providers that sign nothing: the secret must come back in our custom header, or (when
    `basic_user` is set) as the password of HTTP Basic credentials. Nothing binds the body, so
    this proves only that the caller knows the secret: HTTPS keeps it from being read."""
    given = request.header(header)
    if given is not None or basic_user is None:
        check_token(provider, expected=secret, given=given, what=f"{header} header")
        return
    check_basic(provider, request.header("authorization"), basic_user, secret)


def basic(user: str, password: SecretStr | str) -> str:
    if isinstance(password, SecretStr):
        password = password.get_secret_value()
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def bearer(token: SecretStr | str) -> str:
    value = token.get_secret_value() if isinstance(token, SecretStr) else token
    return f"Bearer {value}"


async def call(conn: Connection, provider: str, method: str, url: str,
               headers: dict[str, str], **kwargs: Any) -> Any:  # fmt: skip
    """One provider call with our status mapping; JSON back (None for an empty body)."""
    headers = {"Accept": "application/json", **headers}
    return await call_json(conn.client(), provider, method, url, headers=headers, **kwargs)


async def call_response(conn: Connection, provider: str, method: str, url: str,
                        headers: dict[str, str], **kwargs: Any) -> httpx.Response:  # fmt: skip
    """As `call`, for the providers whose answer is in a header (Help Scout's `Resource-ID`)."""
    try:
        response = await conn.client().request(
            method, url, headers={"Accept": "application/json", **headers}, **kwargs
        )
    except httpx.TransportError as exc:
        raise await transport_errors_are_retriable(provider, exc) from exc
    raise_for_provider(response, provider)
    return response


async def cached_token(conn: Connection, provider: str, token_url: str, form: dict[str, str],
                       *, renew: bool = False) -> str:  # fmt: skip
    """An OAuth token got with `form` (client credentials, refresh token), kept in the
    integration's secrets (`access_token`, `token_expires_at`) until a minute before expiry."""
    config = conn.config
    held = getattr(config, "access_token", None)
    expires_at = float(getattr(config, "token_expires_at", None) or 0)
    if isinstance(held, SecretStr) and not renew and expires_at - 60 > time.time():
        return held.get_secret_value()
    data = as_dict(await call(conn, provider, "POST", token_url, {}, data=form), provider)
    access = str(data.get("access_token") or "")
    if not access:
        raise Retriable(f"{provider}: the token endpoint answered without an access token")
    expires = int(time.time() + float(data.get("expires_in") or 3600))
    await conn.persist_secrets({"access_token": access, "token_expires_at": str(expires)})
    config.access_token = SecretStr(access)  # type: ignore[attr-defined]
    config.token_expires_at = expires  # type: ignore[attr-defined]
    return access


def as_dict(data: Any, provider: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise Retriable(f"{provider}: the provider answered with an unexpected body")
    return data


def object_of(payload: Any, provider: str) -> dict[str, Any]:
    """A webhook body that must be a JSON object (anything else after a valid check: BadInput)."""
    if not isinstance(payload, dict):
        raise BadInput(f"{provider}: the webhook body is not a JSON object", code="unknown_payload")
    return payload


def require_id(value: Any, provider: str, what: str, pattern: str = "digits") -> str:
    """A provider id we put in a URL path: digits, or (`pattern="token"`) a URL-safe token."""
    text = str(value if value is not None else "").strip()
    ok = text.isdigit() if pattern == "digits" else _url_safe(text)
    if not ok:
        raise BadInput(f"{provider}: a {what} is required", code=f"no_{what.replace(' ', '_')}")
    return text


def _url_safe(text: str) -> bool:
    return 0 < len(text) <= 200 and all(c.isalnum() or c in "-_.:" for c in text)


def content_id(*parts: Any) -> str:
    """A stable id for a payload that names none: the same call always yields the same id."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:24]


def text_and_html(body: str | None, is_html: bool = True) -> tuple[str, str | None]:
    raw = str(body or "")
    if not is_html:
        return raw[:MAX_TEXT_CHARS], None
    return html_to_text(raw)[:MAX_TEXT_CHARS], raw[:MAX_HTML_CHARS] or None


def reply_html(text: str, html: str | None) -> str:
    """Providers that take HTML replies: ours when drafted as HTML, else the text escaped."""
    return html or "<br>".join(escape(line) for line in text.splitlines()) or escape(text)


def party(*, external_id: Any = None, email: Any = None, name: Any = None,
          phone: Any = None) -> Party:  # fmt: skip
    return Party(
        external_id=str(external_id)[:200] if external_id not in (None, "") else None,
        email=str(email)[:320] if email and "@" in str(email) else None,
        name=str(name)[:200] if name else None,
        phone=str(phone)[:40] if phone else None,
    )


def when(value: Any) -> datetime:
    """ISO 8601 text, epoch seconds or epoch milliseconds; now when absent or unreadable."""
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        stamp = float(value)
        return datetime.fromtimestamp(stamp / 1000 if stamp > 1e11 else stamp, UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return datetime.now(UTC)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return datetime.now(UTC)


def message(conn: Connection, *, external_id: str, thread_key: str, sender: Party,
            text: str, html: str | None = None, subject: Any = None, received_at: Any = None,
            raw_ref: str, metadata: dict[str, Any] | None = None) -> InboundMessage:  # fmt: skip
    """The InboundMessage, clipped to our limits: a clipped message beats a refused delivery."""
    if not external_id:
        raise BadInput("the provider's message has no id", code="no_message_id")
    return InboundMessage(
        organization_id=conn.organization_id,
        integration_id=conn.integration_id,
        channel=conn.channel,
        external_id=external_id[:500],
        thread_key=thread_key[:500],
        sender=sender,
        subject=str(subject or "")[:1000] or None,
        text=text[:MAX_TEXT_CHARS],
        html=html[:MAX_HTML_CHARS] if html else None,
        received_at=when(received_at),
        raw_ref=raw_ref[:500],
        metadata=metadata or {},
    )
