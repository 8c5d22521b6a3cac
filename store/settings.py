"""One settings object per process, read from the environment and validated at start."""

from __future__ import annotations

import base64
import hashlib
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Known development-only values: production refuses to start with any of them.
DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0123456789abcdef"
DEV_SECRET_KEY = (
    "dev:"
    + base64.urlsafe_b64encode(
        hashlib.sha256(b"switchboard-dev-only-encryption-key").digest()
    ).decode()
)


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Every knob of the platform. An unset service URL means "start the embedded one" (dev)."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    switchboard_env: Environment = Environment.DEVELOPMENT
    data_dir: Path = Path(".switchboard")
    # Organization model bundles (`<org>/<name>/<version>/`); the default bundle ships in models/.
    org_models_dir: Path = Path(".switchboard/models")
    # The dashboard's build (frontend/dist); the ingress serves it at /.
    frontend_dir: Path = Path(__file__).resolve().parents[1] / "frontend" / "dist"

    database_url: str | None = None
    redis_url: str | None = None
    nats_url: str | None = None
    mlflow_tracking_uri: str | None = None

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_url: str | None = None

    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_algorithm: str = "HS256"
    access_token_ttl_s: int = Field(default=900, ge=60)
    refresh_token_ttl_s: int = Field(default=30 * 24 * 3600, ge=300)
    invitation_ttl_s: int = Field(default=7 * 24 * 3600, ge=300)

    # "kid:base64-32-bytes" entries; the first encrypts, all decrypt (key rotation).
    secret_keys: Annotated[list[SecretStr], NoDecode] = [SecretStr(DEV_SECRET_KEY)]

    cors_origins: Annotated[list[str], NoDecode] = []
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    trusted_proxies: Annotated[list[str], NoDecode] = []

    rate_limit_enabled: bool = True
    rate_limit_login: str = "10/minute"
    rate_limit_login_ip: str = "60/minute"
    rate_limit_register: str = "20/hour"
    rate_limit_api: str = "1200/minute"
    # The OpenAI-compatible routes: gateway traffic, bounded in money by the budgets.
    rate_limit_llm: str = "60000/minute"

    db_pool_size: int = Field(default=20, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    password_hash_time_cost: int = Field(default=3, ge=1)
    password_hash_memory_kib: int = Field(default=65536, ge=8)

    serve_enabled: bool = False
    # Ingestion on the cluster: pipeline worker actors, and messages each handles at once.
    pipeline_workers: int = Field(default=2, ge=0, le=64)
    # Background work yields the CPU to requests waiting on an answer (accepts, classify calls).
    pipeline_niceness: int = Field(default=10, ge=0, le=19)
    log_level: str = "INFO"
    log_json: bool = True

    # Deployment-wide provider endpoints; an organization's routing policy overrides them.
    # Gemini's are the `google` provider's (model ids `google:<model>`).
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    gemini_api_key: SecretStr | None = None
    gemini_base_url: str | None = None

    @field_validator("secret_keys", "cors_origins", "trusted_proxies", mode="before")
    @classmethod
    def _split_csv(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("secret_keys")
    @classmethod
    def _check_keys(cls, value: list[SecretStr]) -> list[SecretStr]:
        if not value:
            raise ValueError("at least one secret key is required")
        for entry in value:
            kid, sep, material = entry.get_secret_value().partition(":")
            if not sep or not kid:
                raise ValueError("secret keys look like 'kid:base64key'")
            if len(base64.urlsafe_b64decode(material + "==")) != 32:
                raise ValueError(f"secret key {kid!r} must be 32 bytes (AES-256)")
        return value

    @model_validator(mode="after")
    def _production_rules(self) -> Settings:
        if self.switchboard_env is not Environment.PRODUCTION:
            return self
        missing = [
            name for name in ("database_url", "redis_url", "nats_url") if not getattr(self, name)
        ]
        if missing:
            raise ValueError(
                "production refuses embedded services; set " + ", ".join(m.upper() for m in missing)
            )
        if (
            self.jwt_secret.get_secret_value() == DEV_JWT_SECRET
            or len(self.jwt_secret.get_secret_value()) < 32
        ):
            raise ValueError("production requires JWT_SECRET (32+ characters, not the default)")
        if any(k.get_secret_value() == DEV_SECRET_KEY for k in self.secret_keys):
            raise ValueError("production requires SECRET_KEYS other than the development key")
        return self

    @property
    def is_production(self) -> bool:
        return self.switchboard_env is Environment.PRODUCTION

    def require(self, name: str) -> str:
        """A service URL that must be set by now (the launcher fills them in development)."""
        value = getattr(self, name)
        if not value:
            raise RuntimeError(f"{name.upper()} is not set and no embedded service was started")
        return str(value)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
