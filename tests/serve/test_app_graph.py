"""The Serve application graph, built in-process without starting Ray."""

from __future__ import annotations

from pathlib import Path

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


def test_the_graph_binds_ingress_to_classifier_to_embedder() -> None:
    cfg = serve_app.ServeAppConfig(embedder_replicas=3, embedder_max_batch_size=16)
    ingress = serve_app.build_app(cfg)._bound_deployment
    (classifier,) = ingress.init_args
    (embedder, bundle_dir, _org_dir) = classifier._bound_deployment.init_args
    assert classifier._bound_deployment.name == "Classifier"
    assert embedder._bound_deployment.num_replicas == 3
    assert embedder._bound_deployment.init_kwargs["max_batch_size"] == 16
    assert bundle_dir == cfg.bundle_dir


def test_elastic_preset_autoscales_every_deployment() -> None:
    ingress = serve_app.build_app(serve_app.ServeAppConfig(scaling="elastic"))._bound_deployment
    assert ingress._deployment_config.autoscaling_config is not None
    with pytest.raises(ValidationError):
        serve_app.ServeAppConfig(scaling="turbo")


def test_the_serve_config_yaml_is_valid() -> None:
    import yaml

    document = yaml.safe_load(Path("cluster/serve_config.yaml").read_text())
    (application,) = document["applications"]
    assert application["import_path"] == "serve.app:app_builder"
    assert isinstance(serve_app.app_builder(application["args"]), Application)


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
