"""A fake OAuth 2.0 token endpoint (RFC 6749 §4.1.3 and §6): form body in, JSON token out.

Provider fakes mount its router beside their API so one loopback server plays both hosts, and
check Bearer tokens against `access_tokens`, so an expired or revoked token really fails.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse


@dataclass
class OAuthServer:
    """Issues tokens for one registered client; remembers every grant it served."""

    client_id: str = "client-1"
    client_secret: str = "client-secret-1"
    expires_in: int = 3600
    access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    codes: dict[str, str] = field(default_factory=dict)  # code → redirect_uri
    grants: list[dict[str, str]] = field(default_factory=list)

    def issue_code(self, redirect_uri: str) -> str:
        code = secrets.token_urlsafe(12)
        self.codes[code] = redirect_uri
        return code

    def issue_refresh_token(self) -> str:
        token = "rt-" + secrets.token_urlsafe(12)
        self.refresh_tokens.add(token)
        return token

    def issue_access_token(self) -> str:
        token = "at-" + secrets.token_urlsafe(12)
        self.access_tokens.add(token)
        return token

    def bearer_ok(self, authorization: str | None) -> bool:
        scheme, _, token = (authorization or "").partition(" ")
        return scheme.lower() == "bearer" and token in self.access_tokens

    def router(self, token_path: str) -> APIRouter:
        router = APIRouter()
        router.add_api_route(token_path, self._token, methods=["POST"])
        return router

    async def _token(self, request: Request) -> JSONResponse:
        form = {k: str(v) for k, v in (await request.form()).items()}
        self.grants.append({k: v for k, v in form.items() if k != "client_secret"})
        if not self._client_ok(request.headers.get("authorization"), form):
            return _error(401, "invalid_client")
        grant = form.get("grant_type")
        if grant == "authorization_code":
            if self.codes.pop(form.get("code", ""), None) != form.get("redirect_uri"):
                return _error(400, "invalid_grant")
            return self._answer(self.issue_refresh_token())
        if grant == "refresh_token":
            if form.get("refresh_token") not in self.refresh_tokens:
                return _error(400, "invalid_grant")
            # Google and Microsoft may omit the refresh token on refresh: the caller keeps the old.
            return self._answer(None)
        return _error(400, "unsupported_grant_type")

    def _client_ok(self, authorization: str | None, form: dict[str, str]) -> bool:
        scheme, _, value = (authorization or "").partition(" ")
        if scheme.lower() == "basic":
            user, _, password = base64.b64decode(value).decode().partition(":")
            pair = (unquote(user), unquote(password))
        else:
            pair = (form.get("client_id", ""), form.get("client_secret", ""))
        return pair == (self.client_id, self.client_secret)

    def _answer(self, refresh_token: str | None) -> JSONResponse:
        body: dict[str, Any] = {
            "access_token": self.issue_access_token(),
            "token_type": "Bearer",
            "expires_in": self.expires_in,
        }
        if refresh_token:
            body["refresh_token"] = refresh_token
        return JSONResponse(body, headers={"Cache-Control": "no-store"})


def _error(status: int, code: str) -> JSONResponse:
    return JSONResponse({"error": code}, status_code=status)
