"""The Serve application graph, built in-process without starting Ray."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from ray.serve import Application

from serve import app as serve_app


def test_build_app_applies_the_typed_config() -> None:
    cfg = serve_app.ServeAppConfig(ingress_replicas=2, ingress_num_cpus=0.25)
    application = serve_app.build_app(cfg)
    assert isinstance(application, Application)
    deployment = application._bound_deployment  # the one public way to inspect a bound app
    assert deployment.num_replicas == 2
    assert deployment.ray_actor_options["num_cpus"] == 0.25


def test_app_builder_validates_serve_config_args() -> None:
    assert isinstance(serve_app.app_builder({"ingress_replicas": 1}), Application)
    with pytest.raises(ValidationError):
        serve_app.app_builder({"ingress_replicas": 0})


def test_build_api_returns_the_fastapi_app_with_a_serve_probe() -> None:
    api = serve_app.build_api()
    assert any(getattr(r, "path", "") == "/docs" for r in api.routes)


async def test_serve_probe_reports_a_missing_application(monkeypatch: pytest.MonkeyPatch) -> None:
    class Status:
        applications: dict[str, object] = {}

    monkeypatch.setattr(serve_app.serve, "status", lambda: Status())
    probe = serve_app._ServeProbe("switchboard", ttl_s=0)
    assert await probe() == "application MISSING"

    class App:
        status = "RUNNING"

    Status.applications = {"switchboard": App()}
    assert await probe() is None
