"""`make up`: the whole platform on one machine, stopped cleanly by Ctrl-C or SIGTERM.

Unset DATABASE_URL / REDIS_URL / NATS_URL start the embedded servers (cluster/embedded.py) under
DATA_DIR; then migrations, the demo organization, an MLflow server on that database server unless
MLFLOW_TRACKING_URI is set, a local Ray with Serve on HOST:PORT, and a wait until /ready answers
200. Everything started here is stopped here, in reverse order.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import httpx
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from cluster.embedded import (
    EmbeddedMlflow,
    EmbeddedNats,
    EmbeddedPostgres,
    EmbeddedRedis,
    EmbeddedService,
    EmbeddedServiceError,
    bind_port,
)
from cluster.seed import DemoLogin, seed_demo
from store import migrate
from store.settings import Settings

log = logging.getLogger("switchboard.up")

READY_TIMEOUT_S = 180.0
# Which embedded server stands in for each service URL left unset.
SERVICES: dict[str, type[EmbeddedService]] = {
    "database_url": EmbeddedPostgres,
    "redis_url": EmbeddedRedis,
    "nats_url": EmbeddedNats,
}
# Environment read by libraries on the replicas rather than by Settings.
PASSTHROUGH_ENV = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HOME")
# Serve's HAProxy ingress and its throughput options (Ray >= 2.56): about 6x the requests/s of
# the Python proxy for the API on this 2-core class of machine (bench/api.py). Set either to 0
# in the environment to fall back to the classic proxy.
SERVE_DEFAULTS = {
    "RAY_SERVE_ENABLE_HA_PROXY": "1",
    "RAY_SERVE_THROUGHPUT_OPTIMIZED": "1",
    # Ray starts workers at nice 15 so they never starve its own daemons; on one machine that
    # also lets every other process (load generators, the metrics agent) preempt the models.
    "RAY_worker_niceness": "0",
    # Ray's metrics agent took ~40% of a core under load here; the API's own /metrics stays.
    "RAY_enable_metrics_collection": "0",
}


class StopRequested(Exception):
    """Ctrl-C or SIGTERM: leave the wait and stop everything in order."""


class LaunchError(RuntimeError):
    """Something the user can fix stopped the launch (the message says what)."""


@dataclass
class Running:
    """What is running, as written to `<data_dir>/stack.json` for scripts and the CLI."""

    api_url: str
    database_url: str
    redis_url: str
    nats_url: str
    services: list[EmbeddedService]


def config_error(exc: ValidationError) -> str:
    """The validator's own words, without pydantic's framing (no traceback for a config error)."""
    reasons = [str(err["msg"]).removeprefix("Value error, ") for err in exc.errors()]
    return "configuration error: " + "; ".join(reasons)


def start_services(settings: Settings, stack: ExitStack) -> list[EmbeddedService]:
    """An embedded server for each unset service URL (never in production)."""
    started: list[EmbeddedService] = []
    for field, service_type in SERVICES.items():
        if getattr(settings, field):
            continue
        service = service_type(settings.data_dir)
        stack.callback(service.stop)  # before start: a Ctrl-C mid-start still stops it
        log.info("starting embedded %s (data in %s)", service.name, service.root)
        started.append(service.start())
    return started


def resolved_settings(settings: Settings, services: list[EmbeddedService]) -> Settings:
    by_name = {service.name: service.url for service in services}
    urls = {field: by_name[cls.name] for field, cls in SERVICES.items() if cls.name in by_name}
    return settings.model_copy(update=urls)


def start_mlflow(settings: Settings, stack: ExitStack) -> EmbeddedMlflow | None:
    """The MLflow tracking server and model registry (training/), unless one is given: its runs
    and models in an `mlflow` database on the database server in use, its artifacts in DATA_DIR."""
    if settings.mlflow_tracking_uri:
        return None
    service = EmbeddedMlflow(settings.data_dir, settings.require("database_url"))
    stack.callback(service.stop)
    log.info("starting mlflow (data in %s and database %r)", service.root, service.database)
    return service.start()


def replica_env(settings: Settings) -> dict[str, str]:
    """Every setting the user gave by environment, plus the URLs chosen here: Serve replicas
    build their own Settings from their environment."""
    known = {name.upper() for name in Settings.model_fields}
    env = {key.upper(): value for key, value in os.environ.items() if key.upper() in known}
    env.update({key: os.environ[key] for key in PASSTHROUGH_ENV if key in os.environ})
    for field in SERVICES:
        env[field.upper()] = settings.require(field)
    if settings.mlflow_tracking_uri:  # the name MLflow's own client reads
        env["MLFLOW_TRACKING_URI"] = settings.mlflow_tracking_uri
    env["DATA_DIR"] = str(settings.data_dir.resolve())
    env["SERVE_ENABLED"] = "true"
    return env


def prepare_database(settings: Settings) -> DemoLogin | None:
    database_url = settings.require("database_url")
    log.info("migrating the database")
    migrate.upgrade(database_url)
    # The demo login is published: never seed it in production.
    return None if settings.is_production else seed_demo(database_url)


def start_ray(settings: Settings, stack: ExitStack) -> str:
    """A local Ray of our own (never someone's `ray start`), so stopping it is ours to do."""
    import ray

    env = replica_env(settings)
    for key, value in SERVE_DEFAULTS.items():
        env[key] = os.environ.get(key, value)
    os.environ.update(env)  # the raylet and its workers inherit this process's environment
    stack.callback(ray.shutdown)
    context = ray.init(
        address="local",
        num_cpus=2,
        include_dashboard=False,
        runtime_env={"env_vars": env},
        logging_level=logging.WARNING,
    )
    install_signal_handlers()  # ray.init replaces the SIGTERM handler with its own
    return str(getattr(context, "address_info", {}).get("session_dir", "?"))


def deploy(settings: Settings, stack: ExitStack) -> str:
    from ray import serve

    from serve.app import APP_NAME, ServeAppConfig, build_app
    from training.embedder import ensure as ensure_embedder

    ensure_embedder()  # the int8 encoder is built from the pip-shipped model on first start
    config = ServeAppConfig(org_models_dir=str(settings.org_models_dir.resolve()))
    # No serve.shutdown(): with the HAProxy ingress it waits ~30 s for replicas to drain idle
    # keep-alive connections; ray.shutdown() (registered earlier, so it runs after) stops them.
    log.info("deploying the Serve application on %s:%s", settings.host, settings.port)
    serve.start(http_options={"host": settings.host, "port": settings.port})
    serve.run(build_app(config), name=APP_NAME, route_prefix="/")
    host = "127.0.0.1" if settings.host in {"0.0.0.0", "::", ""} else settings.host  # noqa: S104
    return f"http://{host}:{settings.port}"


def start_ingestion(settings: Settings, pipeline_workers: int) -> None:
    """Pipeline workers, pollers, outbound delivery and the drafter as supervised Ray actors."""
    from cluster.workers import start_drafting, start_training
    from cluster.workers import start_ingestion as start

    log.info(
        "starting %d pipeline workers, pollers, outbound delivery, drafter, trainer",
        pipeline_workers,
    )
    start(settings, pipeline_workers)
    start_drafting(settings)
    if settings.mlflow_tracking_uri:
        start_training(settings)


def wait_until_ready(api_url: str, timeout_s: float = READY_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            answer = httpx.get(f"{api_url}/ready", timeout=3)
            if answer.status_code == 200:
                return
            last = f"{answer.status_code} {answer.text[:300]}"
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(0.5)
    raise TimeoutError(f"{api_url}/ready did not answer 200 within {timeout_s:.0f} s: {last}")


def write_stack_file(settings: Settings, running: Running, stack: ExitStack) -> Path:
    path = settings.data_dir / "stack.json"
    body = {
        "api_url": running.api_url,
        "database_url": running.database_url,
        "redis_url": running.redis_url,
        "nats_url": running.nats_url,
        "pid": os.getpid(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)  # URLs may carry passwords
    path.write_text(json.dumps(body, indent=2) + "\n")
    stack.callback(path.unlink, missing_ok=True)
    return path


def print_banner(running: Running, demo: DemoLogin | None, session_dir: str) -> None:
    lines = [
        "",
        f"Switchboard is up: {running.api_url}",
        f"  API docs:     {running.api_url}/docs",
    ]
    if demo is not None:
        lines.append(f"  demo login:   {demo.email} / {demo.password}")
    for service in running.services:
        lines.append(f"  {service.name + ':':13} {service.url} (log {service.log_path})")
    lines += [f"  Ray logs:     {session_dir}/logs", "Press Ctrl-C to stop.", ""]
    print("\n".join(lines), flush=True)


def lock_data_dir(settings: Settings, stack: ExitStack) -> None:
    """One launcher per data folder: a second one would stop the first one's servers."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    handle = stack.enter_context((settings.data_dir / "up.lock").open("w"))
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released by the kernel if we die
    except BlockingIOError:
        message = f"another launcher is running on {settings.data_dir} (see its stack.json)"
        raise LaunchError(message) from None


def launch(settings: Settings, stack: ExitStack) -> Running:
    if bind_port(settings.port, settings.host) is None:  # before minutes of work, not after
        raise LaunchError(f"{settings.host}:{settings.port} is in use: set PORT to a free port")
    lock_data_dir(settings, stack)
    services = start_services(settings, stack)
    settings = resolved_settings(settings, services)
    demo = prepare_database(settings)
    if (mlflow := start_mlflow(settings, stack)) is not None:
        services.append(mlflow)  # in the banner, and watched like the others
        settings = settings.model_copy(update={"mlflow_tracking_uri": mlflow.url})
    session_dir = start_ray(settings, stack)
    api_url = deploy(settings, stack)
    start_ingestion(settings, settings.pipeline_workers)
    wait_until_ready(api_url)
    running = Running(
        api_url=api_url,
        database_url=settings.require("database_url"),
        redis_url=settings.require("redis_url"),
        nats_url=settings.require("nats_url"),
        services=services,
    )
    write_stack_file(settings, running, stack)
    print_banner(running, demo, session_dir)
    return running


def watch(running: Running) -> None:
    """Wait for a signal; an embedded server that dies ends the launch instead of hiding."""
    while True:
        time.sleep(1.0)
        for service in running.services:
            if service.proc is None or service.proc.poll() is not None:
                raise EmbeddedServiceError(
                    f"embedded {service.name} stopped; see {service.log_path}"
                )


def _request_stop(signum: int, frame: FrameType | None) -> None:
    ignore_signals()  # a second Ctrl-C must not interrupt the orderly stop
    raise StopRequested(signal.Signals(signum).name)


def install_signal_handlers() -> None:
    signal.signal(signal.SIGINT, _request_stop)
    signal.signal(signal.SIGTERM, _request_stop)


def ignore_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def run(settings: Settings) -> int:
    """Launch, wait for a signal, stop everything; 0 after a requested stop, 1 on failure."""
    previous = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    install_signal_handlers()
    stack = ExitStack()
    try:
        watch(launch(settings, stack))
    except StopRequested as stop:
        log.info("%s received: stopping", stop)
    except (LaunchError, EmbeddedServiceError, SQLAlchemyError, TimeoutError, OSError) as exc:
        log.error("switchboard stopped: %s", exc)
        return 1
    finally:
        ignore_signals()
        stack.close()
        signal.signal(signal.SIGINT, previous[0])
        signal.signal(signal.SIGTERM, previous[1])
        log.info("stopped")
    return 0


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"switchboard: {config_error(exc)}", file=sys.stderr)
        return 2
    return run(settings)


if __name__ == "__main__":
    sys.exit(main())
