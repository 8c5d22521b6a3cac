"""The CLI's side of the platform's HTTP API: where it is, who is calling, and what went wrong.

The model-lifecycle commands (`switchboard train`, `promote`, ...) talk only to the API, never
to the database, so they work the same against a laptop and a remote cluster.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from pydantic import SecretStr

DEFAULT_URL = "http://127.0.0.1:8000"
SCOPES = ("read:models", "train:models", "promote:models")
# Evaluating a whole test split, or a promotion's gate, can take minutes.
TIMEOUT = httpx.Timeout(600.0, connect=10.0)


class BadConnection(Exception):
    """The CLI is not set up to call the API (no credential, unreadable token file, bad URL):
    the user fixes the command line or the environment."""


class Unreachable(Exception):
    """No answer from the API (refused, timed out, reset): retry once the platform is up."""


class ApiError(Exception):
    """The API answered with an error body: `{"error": {"code", "message", "details", ...}}`."""

    def __init__(self, status: int, body: Any) -> None:
        error = body.get("error") if isinstance(body, dict) else None
        error = error if isinstance(error, dict) else {}
        self.status = status
        self.body = body
        self.code = str(error.get("code") or "http_error")
        self.message = str(error.get("message") or _short(body) or "no message")
        self.details: Any = error.get("details")
        self.request_id: str | None = error.get("request_id")
        super().__init__(f"{status} {self.message}")

    @property
    def is_auth(self) -> bool:
        return self.status in (401, 403)


@dataclass(frozen=True)
class Connection:
    """Where the API is and the credential to send (an `sb_` API key, or a user's token)."""

    url: str
    credential: SecretStr


def connect(url: str | None, token_file: Path | None) -> Connection:
    """--url, else SWITCHBOARD_URL, else the local default; --token-file, else
    SWITCHBOARD_API_KEY. Raises `BadConnection` naming what to set."""
    base = (url or os.environ.get("SWITCHBOARD_URL") or DEFAULT_URL).rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise BadConnection(f"--url must start with http:// or https:// (got {base!r})")
    return Connection(base, SecretStr(_credential(token_file)))


def _credential(token_file: Path | None) -> str:
    if token_file is not None:
        try:
            value = token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise BadConnection(f"cannot read --token-file {token_file}: {exc.strerror}") from None
        if not value:
            raise BadConnection(f"--token-file {token_file} is empty")
        return value
    value = os.environ.get("SWITCHBOARD_API_KEY", "").strip()
    if not value:
        raise BadConnection(
            "no credential: set SWITCHBOARD_API_KEY to an API key (sb_...) or pass "
            f"--token-file; create the key with the scopes {', '.join(SCOPES)}"
        )
    return value


class ApiClient:
    """A synchronous client: one request at a time, errors raised as `ApiError`/`Unreachable`."""

    def __init__(self, connection: Connection, timeout: httpx.Timeout = TIMEOUT) -> None:
        self.url = connection.url
        self._http = httpx.Client(
            base_url=connection.url,
            headers={"Authorization": f"Bearer {connection.credential.get_secret_value()}"},
            timeout=timeout,
        )

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._http.close()

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self._call("GET", path, params=params)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self._call("POST", path, json=body)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.ConnectError:
            raise Unreachable(
                f"cannot connect to {self.url}: is the platform running? "
                "(set --url or SWITCHBOARD_URL)"
            ) from None
        except httpx.TimeoutException:
            raise Unreachable(f"{self.url} did not answer {method} {path} in time") from None
        except httpx.TransportError as exc:
            raise Unreachable(f"{method} {self.url}{path} failed: {exc}") from None
        body = _body(response)
        if response.is_error:
            raise ApiError(response.status_code, body)
        return body


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:  # a proxy's HTML page, an empty 204
        return response.text


def _short(body: Any) -> str:
    text = body if isinstance(body, str) else ""
    return " ".join(text.split())[:200]
