"""The Serve application graph: the FastAPI ingress, the Classifier and the Embedder.

`serve run serve.app:app_builder` or `cluster/serve_config.yaml` deploys it from a typed config.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, cast

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from ray import serve
from ray.serve import Application
from ray.serve.handle import DeploymentHandle

from models.bundle import DEFAULT_BUNDLE
from serve.autoscaling import autoscaling
from serve.models import Classifier, Embedder
from serve.router import Router

APP_NAME = "switchboard"


class ServeAppConfig(BaseSettings):
    """What ops may tune per environment: `SERVE_EMBEDDER_REPLICAS=2`, or the Serve config YAML."""

    model_config = SettingsConfigDict(env_prefix="SERVE_", extra="forbid")

    scaling: str = Field(default="fixed", description="autoscaling preset (serve/autoscaling.py)")
    bundle_dir: str = str(DEFAULT_BUNDLE)
    org_models_dir: str = ".switchboard/models"

    ingress_replicas: int = Field(default=2, ge=1)
    ingress_num_cpus: float = Field(default=0.25, gt=0)
    ingress_max_ongoing_requests: int = Field(default=256, ge=1)

    embedder_replicas: int = Field(default=1, ge=1)
    embedder_num_cpus: float = Field(default=0.5, gt=0)
    embedder_threads: int = Field(default=2, ge=1, description="ONNX Runtime intra-op threads")
    embedder_max_tokens: int = Field(default=256, ge=16, le=512)
    embedder_max_batch_size: int = Field(default=32, ge=1)
    embedder_batch_wait_ms: float = Field(default=4.0, ge=0)
    embedder_max_queued_requests: int = Field(default=1024, ge=1)

    classifier_replicas: int = Field(default=1, ge=1)
    classifier_num_cpus: float = Field(default=0.25, gt=0)
    classifier_max_ongoing_requests: int = Field(default=64, ge=1)
    classifier_max_queued_requests: int = Field(default=256, ge=1)

    # Two replicas: budgets are atomic in Redis, so they route as one; a restart loses nothing.
    router_replicas: int = Field(default=2, ge=1)
    router_num_cpus: float = Field(default=0.1, gt=0)  # waits on providers, barely computes
    router_max_ongoing_requests: int = Field(default=512, ge=1)

    @model_validator(mode="after")
    def _consistent(self) -> ServeAppConfig:
        autoscaling(self.scaling, "Embedder")  # raises on an unknown preset
        return self


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


# Our middleware writes one JSON access line per request; Serve's own access log would double it.
@serve.deployment(
    name="Ingress",
    ray_actor_options={"num_cpus": 0.25},
    max_ongoing_requests=256,
    logging_config={"enable_access_log": False, "log_level": "WARNING"},
    # Requests are short; waiting Serve's default 20 s for idle keep-alive drains makes Ctrl-C slow.
    graceful_shutdown_wait_loop_s=0.5,
    graceful_shutdown_timeout_s=5,
)
@serve.ingress()
class Ingress:
    """The HTTP front door: every /api route, the docs, health and metrics."""

    def __init__(
        self,
        classifier: DeploymentHandle[Any] | None = None,
        embedder: DeploymentHandle[Any] | None = None,
        router: DeploymentHandle[Any] | None = None,
    ) -> None:
        self._classifier = classifier
        self._embedder = embedder
        self._router = router

    def __serve_build_asgi_app__(self) -> Any:
        """Runs on each replica after __init__: the app reads the replica's environment."""
        from api.app import create_app
        from serve.handles import (
            GatheringClassifier,
            HandleClassifier,
            HandleEmbedder,
            HandleRouter,
        )

        backend = (
            GatheringClassifier(HandleClassifier(self._classifier))
            if self._classifier is not None
            else None
        )
        embedder = HandleEmbedder(self._embedder) if self._embedder is not None else None
        router = HandleRouter(self._router) if self._router is not None else None
        return create_app(
            probes={"serve": _ServeProbe(APP_NAME)},
            classifier=backend,
            embedder=embedder,
            router_backend=router,
        )


def _options(config: ServeAppConfig, name: str, replicas: int, **options: Any) -> dict[str, Any]:
    scaling = autoscaling(config.scaling, name)
    if scaling is None:
        return {"num_replicas": replicas, **options}
    return {"autoscaling_config": scaling, **options}


def build_app(config: ServeAppConfig | None = None) -> Application:
    """Ingress → Classifier → Embedder (and Ingress → Embedder for the knowledge base), each
    sized by the config."""
    config = config or ServeAppConfig()
    embedder: Any = Embedder
    classifier: Any = Classifier
    ingress: Any = Ingress
    router_deployment: Any = Router
    encoder = embedder.options(
        **_options(
            config,
            "Embedder",
            config.embedder_replicas,
            ray_actor_options={"num_cpus": config.embedder_num_cpus},
            max_ongoing_requests=max(64, config.embedder_max_batch_size * 2),
            max_queued_requests=config.embedder_max_queued_requests,
        )
    ).bind(
        config.bundle_dir,
        threads=config.embedder_threads,
        max_tokens=config.embedder_max_tokens,
        max_batch_size=config.embedder_max_batch_size,
        batch_wait_timeout_s=config.embedder_batch_wait_ms / 1000,
    )
    heads = classifier.options(
        **_options(
            config,
            "Classifier",
            config.classifier_replicas,
            ray_actor_options={"num_cpus": config.classifier_num_cpus},
            max_ongoing_requests=config.classifier_max_ongoing_requests,
            max_queued_requests=config.classifier_max_queued_requests,
        )
    ).bind(encoder, config.bundle_dir, config.org_models_dir)
    routes = router_deployment.options(
        **_options(
            config,
            "Router",
            config.router_replicas,
            ray_actor_options={"num_cpus": config.router_num_cpus},
            max_ongoing_requests=config.router_max_ongoing_requests,
        )
    ).bind(encoder)
    front = ingress.options(
        **_options(
            config,
            "Ingress",
            config.ingress_replicas,
            ray_actor_options={"num_cpus": config.ingress_num_cpus},
            max_ongoing_requests=config.ingress_max_ongoing_requests,
        )
    ).bind(heads, embedder=encoder, router=routes)
    return cast(Application, front)


def app_builder(args: dict[str, object]) -> Application:
    """Entry for `serve run serve.app:app_builder key=value` and the Serve config YAML."""
    return build_app(ServeAppConfig.model_validate(args))
