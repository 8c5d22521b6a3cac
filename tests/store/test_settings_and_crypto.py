"""Settings refuse unsafe production configs; secret envelopes rotate and resist tampering."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from store.crypto import SecretBox, generate_key
from store.errors import Fatal
from store.settings import Settings

PROD_OK = {
    "switchboard_env": "production",
    "database_url": "postgresql://db/x",
    "redis_url": "redis://r",
    "nats_url": "nats://n",
    "jwt_secret": "p" * 40,
    "secret_keys": generate_key("k1"),
}


def test_production_requires_service_urls() -> None:
    with pytest.raises(ValidationError, match="refuses embedded services"):
        Settings(**{**PROD_OK, "database_url": None})


def test_production_refuses_default_secrets() -> None:
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        Settings(**{k: v for k, v in PROD_OK.items() if k != "jwt_secret"})
    with pytest.raises(ValidationError, match="SECRET_KEYS"):
        Settings(**{k: v for k, v in PROD_OK.items() if k != "secret_keys"})
    assert Settings(**PROD_OK).is_production


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    monkeypatch.setenv("PORT", "9000")
    s = Settings()
    assert s.cors_origins == ["https://a.example", "https://b.example"] and s.port == 9000
    monkeypatch.setenv("SECRET_KEYS", "short:AAAA")
    with pytest.raises(ValidationError, match="32 bytes"):
        Settings()


def test_secret_box_round_trip_rotation_and_tamper() -> None:
    old, new = SecretStr(generate_key("old")), SecretStr(generate_key("new"))
    sealed = SecretBox([old]).encrypt({"password": "pw"}, context="integration-1")
    box = SecretBox([new, old])
    assert box.decrypt(sealed, context="integration-1") == {"password": "pw"}
    assert box.needs_rotation(sealed)
    rotated = box.rotate(sealed, context="integration-1")
    assert box.key_id_of(rotated) == "new" and not box.needs_rotation(rotated)
    with pytest.raises(Fatal):
        box.decrypt(sealed, context="integration-2")  # bound to its row
    tampered = rotated[:-4] + ("AAAA" if not rotated.endswith("AAAA") else "BBBB")
    with pytest.raises(Fatal):
        box.decrypt(tampered, context="integration-1")
    with pytest.raises(Fatal, match="unknown key id"):
        SecretBox([new]).decrypt(sealed, context="integration-1")
