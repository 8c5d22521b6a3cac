"""AES-256-GCM envelopes for secrets at rest, with key ids so keys can rotate."""

from __future__ import annotations

import base64
import os
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import SecretStr

from store.errors import Fatal

VERSION = "v1"


class SecretBox:
    """Encrypts with the first key; decrypts with whichever key id the envelope names."""

    def __init__(self, keys: list[SecretStr]) -> None:
        if not keys:
            raise Fatal("no encryption keys configured")
        self._keys: dict[str, AESGCM] = {}
        self._primary = ""
        for entry in keys:
            kid, _, material = entry.get_secret_value().partition(":")
            self._keys[kid] = AESGCM(base64.urlsafe_b64decode(material + "=="))
            self._primary = self._primary or kid

    @property
    def primary_key_id(self) -> str:
        return self._primary

    def encrypt(self, payload: dict[str, Any], *, context: str) -> str:
        """`context` (the owning row id) is bound as associated data: no swapping."""
        nonce = os.urandom(12)
        sealed = self._keys[self._primary].encrypt(nonce, orjson.dumps(payload), context.encode())
        body = base64.urlsafe_b64encode(nonce + sealed).decode()
        return f"{VERSION}:{self._primary}:{body}"

    def decrypt(self, envelope: str, *, context: str) -> dict[str, Any]:
        version, kid, body = self._split(envelope)
        if version != VERSION or kid not in self._keys:
            raise Fatal(f"cannot decrypt secret: unknown key id {kid!r}")
        raw = base64.urlsafe_b64decode(body)
        try:
            plain = self._keys[kid].decrypt(raw[:12], raw[12:], context.encode())
        except InvalidTag as exc:
            raise Fatal("cannot decrypt secret: authentication failed") from exc
        data: dict[str, Any] = orjson.loads(plain)
        return data

    def key_id_of(self, envelope: str) -> str:
        return self._split(envelope)[1]

    def needs_rotation(self, envelope: str) -> bool:
        return self.key_id_of(envelope) != self._primary

    def rotate(self, envelope: str, *, context: str) -> str:
        return self.encrypt(self.decrypt(envelope, context=context), context=context)

    @staticmethod
    def _split(envelope: str) -> tuple[str, str, str]:
        parts = envelope.split(":", 2)
        if len(parts) != 3:
            raise Fatal("malformed secret envelope")
        return parts[0], parts[1], parts[2]


def generate_key(kid: str) -> str:
    """A new 'kid:base64' entry for SECRET_KEYS."""
    return f"{kid}:{base64.urlsafe_b64encode(os.urandom(32)).decode()}"
