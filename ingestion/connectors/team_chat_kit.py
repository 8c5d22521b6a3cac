"""What the team-chat and developer-tool connectors share: the body-token check of outgoing
webhooks (Mattermost, Rocket.Chat, Zulip, LiveChat put their shared secret *inside* the body),
reading a JSON or form body, server URLs of self-hosted products, and thread keys.

Everything else (message building, auth headers, provider calls with our status mapping) comes
from `helpdesk_kit`, so a fix to clipping or status handling lands once for every family.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

import httpx
from pydantic import Field, SecretStr

from ingestion.connectors.capabilities import Connection, WebhookRequest
from ingestion.connectors.provider_http import transport_errors_are_retriable
from ingestion.connectors.signing import check_token
from store.errors import BadInput

# A self-hosted product's address: https only (bot tokens travel to it), no query or fragment.
HTTPS_URL = r"^https://[^\s/?#]+(/[^\s?#]*)?$"


def server_url(example: str, **kwargs: Any) -> Any:
    """The config field naming a self-hosted server (Mattermost, Rocket.Chat, Zulip, GitLab)."""
    return Field(pattern=HTTPS_URL, max_length=500, description=f"e.g. {example}", **kwargs)


def api_base(config: Any, default: str) -> str:
    """`api_base_url` (tests, private proxies) wins over the provider's real address."""
    return str(getattr(config, "api_base_url", None) or default).rstrip("/")


def fields(request: WebhookRequest) -> dict[str, Any] | None:
    """The body as a dict: JSON object, or urlencoded form (Mattermost offers both); else None."""
    kind = (request.header("content-type") or "").lower()
    if "x-www-form-urlencoded" in kind:
        return dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
    try:
        found = json.loads(request.body or b"null")
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def body_fields(request: WebhookRequest, provider: str) -> dict[str, Any]:
    """`fields` after verification: a body that is neither is the provider's error (BadInput)."""
    found = fields(request)
    if found is None:
        raise BadInput(
            f"{provider}: the webhook body is not a JSON object or form", code="unknown_payload"
        )
    return found


def check_body_token(provider: str, request: WebhookRequest, secret: SecretStr,
                     name: str = "token") -> None:  # fmt: skip
    """Outgoing webhooks that carry their shared secret as a body field: compared in constant
    time. Nothing else binds the body, so the secret proves only who called (HTTPS hides it)."""
    found = fields(request) or {}
    given = found.get(name)
    check_token(provider, expected=secret, given=given if isinstance(given, str) else None,
                what=f"`{name}` field")  # fmt: skip


def split_key(value: str | None, provider: str, sep: str, what: str) -> tuple[str, str]:
    """A thread key made of two parts (`<channel>:<root>`, `<owner>/<repo>#<number>`)."""
    head, found, tail = (
        (value or "").rpartition(sep) if sep == "#" else (value or "").partition(sep)
    )
    if not (found and head and tail):
        raise BadInput(f"{provider}: the thread key is not a {what}", code="bad_thread_key")
    return head, tail


async def request(conn: Connection, provider: str, method: str, url: str,
                  headers: dict[str, str], **kwargs: Any) -> httpx.Response:  # fmt: skip
    """A provider call whose statuses the connector reads itself (GitHub's rate-limit 403s)."""
    try:
        return await conn.client().request(method, url, headers=headers, **kwargs)
    except httpx.TransportError as exc:
        raise await transport_errors_are_retriable(provider, exc) from exc
