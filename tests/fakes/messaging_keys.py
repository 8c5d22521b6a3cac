"""The providers' public signing keys, for the JWT-verified chat connectors' tests.

Bot Framework publishes an OpenID configuration whose `jwks_uri` lists RSA keys (each with the
channels it may sign for in `endorsements`); Google publishes the keys of
chat@system.gserviceaccount.com as a JWKS. This fake serves both for test keys it holds, on a
loopback port chosen at import (so documented-example rows can name the URL in their config)
and started on first use by a signer. `sign` issues RS256 tokens the way the provider would.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.http_server import free_port, serve_app

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
GOOGLE_CHAT_ISSUER = "chat@system.gserviceaccount.com"


@dataclass
class KeyServer:
    """RSA test keys by kid, published as JWKS; `endorsements` per kid (Bot Framework)."""

    port: int = field(default_factory=free_port)
    keys: dict[str, rsa.RSAPrivateKey] = field(default_factory=dict)
    endorsements: dict[str, list[str]] = field(default_factory=dict)
    fetches: list[str] = field(default_factory=list)
    _started: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def bot_framework_metadata(self) -> str:
        return f"{self.base}/botframework/v1/.well-known/openidconfiguration"

    @property
    def google_jwks(self) -> str:
        return f"{self.base}/google/jwk/{GOOGLE_CHAT_ISSUER}"

    def key(self, kid: str, endorsements: list[str] | None = None) -> rsa.RSAPrivateKey:
        """The private key `kid`, created (and published) on first use."""
        with self._lock:
            if kid not in self.keys:
                self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            if endorsements is not None:
                self.endorsements[kid] = endorsements
            return self.keys[kid]

    def sign(self, claims: dict[str, Any], kid: str) -> str:
        self.start()
        return jwt.encode(claims, self.key(kid), algorithm="RS256", headers={"kid": kid})

    def start(self) -> None:
        with self._lock:
            if self._started is None:
                self._started = serve_app(self.app(), self.port)
                self._started.__enter__()  # a daemon thread, for the rest of the test session

    def jwks(self) -> dict[str, Any]:
        published = []
        for kid, private in list(self.keys.items()):
            jwk = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
            jwk.update({"kid": kid, "use": "sig", "alg": "RS256"})
            if kid in self.endorsements:
                jwk["endorsements"] = self.endorsements[kid]
            published.append(jwk)
        return {"keys": published}

    def app(self) -> Starlette:
        async def metadata(request: Request) -> JSONResponse:
            self.fetches.append("metadata")
            return JSONResponse(
                {
                    "issuer": BOT_FRAMEWORK_ISSUER,
                    "authorization_endpoint": "https://invalid.botframework.com",
                    "jwks_uri": f"{self.base}/botframework/v1/.well-known/keys",
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                }
            )

        async def keys(request: Request) -> JSONResponse:
            self.fetches.append(request.url.path)
            return JSONResponse(self.jwks())

        return Starlette(
            routes=[
                Route("/botframework/v1/.well-known/openidconfiguration", metadata),
                Route("/botframework/v1/.well-known/keys", keys),
                Route(f"/google/jwk/{GOOGLE_CHAT_ISSUER}", keys),
            ]
        )


KEYS = KeyServer()
