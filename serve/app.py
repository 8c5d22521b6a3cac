"""The Serve application graph: the FastAPI ingress (later with the model deployments' handles).

`serve run serve.app:app_builder` or `cluster/serve_config.yaml` deploys it from a typed config.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, cast

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from ray import serve
from ray.serve import Application

APP_NAME = "switchboard"


class ServeAppConfig(BaseSettings):
    """What ops may tune per environment: `SERVE_INGRESS_REPLICAS=2`, or the Serve config YAML."""

    model_config = SettingsConfigDict(env_prefix="SERVE_", extra="forbid")

    ingress_replicas: int = Field(default=2, ge=1)
    ingress_num_cpus: float = Field(default=0.5, gt=0)
    ingress_max_ongoing_requests: int = Field(default=256, ge=1)


class _ServeProbe:
    """Readiness of this Serve application, cached briefly: the controller is not free to ask."""

    def __init__(self, app_name: str, ttl_s: float = 2.0) -> None:
        self.app_name = app_name
        self.ttl_s = ttl_s
        self._at = 0.0
        self._answer: str | None = "not checked yet"

    async def __call__(self) -> str | None:
        if time.monotonic() - self._at > self.ttl_s:
            status = await asyncio.to_thread(serve.status)
            app = status.applications.get(self.app_name)
            state = str(app.status) if app else "MISSING"
            self._answer = None if state.endswith("RUNNING") else f"application {state}"
            self._at = time.monotonic()
        return self._answer


def build_api():  # type: ignore[no-untyped-def]
    """Runs on each replica: the app reads its settings from the replica's environment."""
    from api.app import create_app

    return create_app(probes={"serve": _ServeProbe(APP_NAME)})


# Our middleware writes one JSON access line per request; Serve's own access log would double it.
@serve.deployment(
    name="Ingress",
    ray_actor_options={"num_cpus": 0.5},
    max_ongoing_requests=256,
    logging_config={"enable_access_log": False, "log_level": "WARNING"},
    # Requests are short; waiting Serve's default 20 s for idle keep-alive drains makes Ctrl-C slow.
    graceful_shutdown_wait_loop_s=0.5,
    graceful_shutdown_timeout_s=5,
)
@serve.ingress(build_api)
class Ingress:
    """The HTTP front door: every /api route, the docs, health and metrics."""


def build_app(config: ServeAppConfig | None = None) -> Application:
    config = config or ServeAppConfig()
    deployment: Any = Ingress
    return cast(
        Application,
        deployment.options(
            num_replicas=config.ingress_replicas,
            ray_actor_options={"num_cpus": config.ingress_num_cpus},
            max_ongoing_requests=config.ingress_max_ongoing_requests,
        ).bind(),
    )


def app_builder(args: dict[str, object]) -> Application:
    """Entry for `serve run serve.app:app_builder key=value` and the Serve config YAML."""
    return build_app(ServeAppConfig.model_validate(args))
