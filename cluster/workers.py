"""The ingestion side of the cluster as supervised Ray actors: pipeline workers, pollers,
outbound delivery and the drafter. Ray restarts a dead actor (`max_restarts=-1`) and re-runs its
`run` call on the new one (`max_task_retries=-1`); JetStream redelivers what the dead one had
not acked.

The logic lives in plain classes (`ingestion.pipeline`, `ingestion.pollers`,
`ingestion.outbound`, `cluster.drafter`), tested in-process; these actors only wire them to
settings and handles.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

import nats
import ray
from nats.js import JetStreamContext

from ingestion.classifier import ClassifierBackend, InProcessClassifier
from ingestion.connections import Connections
from ingestion.context import ContextEnricher
from ingestion.contract import InboundMessage
from ingestion.outbound import OutboundDelivery
from ingestion.pipeline.labels import LabelSync
from ingestion.pipeline.processor import MessageProcessor
from ingestion.pipeline.worker import PipelineWorker, WorkerConfig
from ingestion.pollers import PollerRunner
from ingestion.streams import ensure_streams
from store.crypto import SecretBox
from store.db import create_engine_from, session_factory
from store.settings import Settings

log = logging.getLogger(__name__)
NAMESPACE = "switchboard"
OUTBOUND_INTERVAL_S = 0.5
_HELD: list[Any] = []


async def connect_jetstream(settings: Settings) -> JetStreamContext:
    nc = await nats.connect(
        settings.require("nats_url"),
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        connect_timeout=5,
    )
    js = nc.jetstream()
    await ensure_streams(js)
    return js


def lower_priority(settings: Settings) -> None:
    """Background work (a flood of inbound mail) must not slow the requests someone waits on."""
    current = os.nice(0)
    if settings.pipeline_niceness > current:
        os.nice(settings.pipeline_niceness - current)


def serve_classifier() -> ClassifierBackend:
    from ray import serve

    from serve.app import APP_NAME
    from serve.handles import HandleClassifier

    handle = serve.get_deployment_handle("Classifier", app_name=APP_NAME)
    return HandleClassifier(handle, background=True)


@ray.remote(num_cpus=0.1, max_restarts=-1, max_task_retries=-1)
class PipelineActor:
    """One pipeline worker: a pull consumer, processing up to `concurrency` messages at once."""

    def __init__(
        self,
        settings: dict[str, Any],
        worker: dict[str, Any] | None = None,
        classifier: str = "serve",
        hang_after: str | None = None,
        trace: bool = False,
    ) -> None:
        self.settings = Settings(**settings)
        self.worker_config = WorkerConfig(**(worker or {}))
        self.classifier_kind = classifier
        self.hang_after = hang_after  # tests: stall after this step, to be killed mid-message
        self.trace = trace or hang_after is not None  # record steps (per-message path only)
        self.stopping = asyncio.Event()
        self.steps: list[str] = []

    async def _checkpoint(self, step: str, msg: InboundMessage) -> None:
        self.steps.append(f"{msg.external_id}:{step}")
        if step == self.hang_after:
            await asyncio.Event().wait()

    def _classifier(self) -> ClassifierBackend:
        if self.classifier_kind == "serve":
            return serve_classifier()
        return InProcessClassifier(self.settings.org_models_dir)

    async def run(self) -> int:
        lower_priority(self.settings)
        js = await connect_jetstream(self.settings)
        sessions = session_factory(create_engine_from(self.settings))
        checkpoint = self._checkpoint if self.trace else None
        connections = Connections(sessions, SecretBox(self.settings.secret_keys))
        labels = LabelSync(sessions, connections)
        # Customer facts from context connectors (orders, charges) before drafts are requested.
        context = ContextEnricher(sessions, connections)
        processor = MessageProcessor(
            sessions, self._classifier(), js, checkpoint=checkpoint, labels=labels, context=context
        )
        worker = PipelineWorker(js, processor, self.worker_config)
        await worker.run(self.stopping)
        return worker.processed

    async def stop(self) -> None:
        self.stopping.set()

    async def progress(self) -> list[str]:
        return list(self.steps)


@ray.remote(num_cpus=0.05, max_restarts=-1, max_task_retries=-1)
class ChannelsActor:
    """Pollers for every polling integration, and delivery of queued replies."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = Settings(**settings)
        self.stopping = asyncio.Event()

    async def run(self) -> None:
        lower_priority(self.settings)
        sessions = session_factory(create_engine_from(self.settings))
        connections = Connections(sessions, SecretBox(self.settings.secret_keys))
        js = await connect_jetstream(self.settings)

        async def jetstream() -> JetStreamContext:
            return js

        pollers = PollerRunner(sessions, connections, jetstream, self.settings.public_url)
        delivery = OutboundDelivery(sessions, connections, js=js)
        await asyncio.gather(pollers.supervise(self.stopping), self._deliver(delivery))

    async def _deliver(self, delivery: OutboundDelivery) -> None:
        while not self.stopping.is_set():
            try:
                handled = await delivery.run_once()
            except Exception as exc:  # the database restarting: keep the loop, say why
                log.warning("outbound delivery pass failed: %s", type(exc).__name__)
                handled = 0
            if handled == 0:
                await asyncio.sleep(OUTBOUND_INTERVAL_S)

    async def stop(self) -> None:
        self.stopping.set()


@ray.remote(num_cpus=0.05, max_restarts=-1, max_task_retries=-1)
class DraftActor:
    """The drafter: requested drafts written by the Serve `Router`, with knowledge looked up
    through the Serve `Embedder` (the same encoder replicas the API uses)."""

    def __init__(self, settings: dict[str, Any], drafter: dict[str, Any] | None = None) -> None:
        self.settings = Settings(**settings)
        self.config = drafter or {}
        self.stopping = asyncio.Event()

    async def run(self) -> int:
        from ray import serve

        from serve.app import APP_NAME
        from serve.handles import HandleEmbedder, HandleRouter

        lower_priority(self.settings)
        js = await connect_jetstream(self.settings)
        sessions = session_factory(create_engine_from(self.settings))
        router = HandleRouter(serve.get_deployment_handle("Router", app_name=APP_NAME))
        embedder = HandleEmbedder(serve.get_deployment_handle("Embedder", app_name=APP_NAME))
        # Imported here: the router's SDKs take seconds to import, and every other actor's
        # process (a restarted pipeline worker included) imports this module.
        from cluster.drafter import ASSIST, DrafterConfig, DraftWorker
        from routing.assemble import knowledge_lookup
        from routing.policies import PolicyStore
        from store.cache import create_redis

        lookup = knowledge_lookup(sessions, embedder)
        redis = create_redis(self.settings)
        policies = PolicyStore(sessions, redis, SecretBox(self.settings.secret_keys))
        worker = DraftWorker(js, sessions, router, lookup, DrafterConfig(**self.config))
        assistant = DraftWorker(js, sessions, router, lookup, ASSIST, policies=policies,
                                claims=redis)  # fmt: skip
        await asyncio.gather(worker.run(self.stopping), assistant.run(self.stopping))
        return worker.fulfilled

    async def stop(self) -> None:
        self.stopping.set()


@ray.remote(num_cpus=0.05, max_restarts=-1, max_task_retries=-1)
class TrainingActor:
    """The training worker: claims queued runs and trains each as a Ray task (training/jobs.py),
    so the compute lands wherever the cluster has room. A restart of this actor leaves its run
    to be queued again by the heartbeat rule; nothing is registered twice."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = Settings(**settings)
        self.stopping = asyncio.Event()

    async def run(self) -> None:
        from training.lifecycle import Lifecycle
        from training.runner import TrainingWorker
        from training.tracking import Tracker

        sessions = session_factory(create_engine_from(self.settings))
        lifecycle = Lifecycle(
            Tracker(self.settings.require("mlflow_tracking_uri")), self.settings.org_models_dir
        )
        worker = TrainingWorker(
            sessions, lifecycle, workdir=self.settings.data_dir.resolve() / "training"
        )
        await worker.serve(self.stopping)

    async def stop(self) -> None:
        self.stopping.set()


def start_training(settings: Settings) -> Any:
    """Start the training worker; returns the ref of its run."""
    trainer = TrainingActor.options(name="trainer", namespace=NAMESPACE).remote(  # type: ignore[attr-defined]
        settings_payload(settings)
    )
    _HELD.append(trainer)
    return trainer.run.remote()


def settings_payload(settings: Settings) -> dict[str, Any]:
    """What an actor needs to rebuild the launcher's settings (secrets travel in the object
    store of a cluster we own, never in logs)."""
    values = settings.model_dump()
    for key, value in list(values.items()):
        if hasattr(value, "get_secret_value"):
            values[key] = value.get_secret_value()
        elif isinstance(value, list):
            values[key] = [v.get_secret_value() if hasattr(v, "get_secret_value") else v
                           for v in value]  # fmt: skip
    return values


def start_ingestion(settings: Settings, pipeline_workers: int) -> list[Any]:
    """Start the pipeline workers and the channels actor; returns the refs of their runs."""
    payload = settings_payload(settings)
    workers = [
        PipelineActor.options(name=f"pipeline-{i}", namespace=NAMESPACE).remote(payload)  # type: ignore[attr-defined]
        for i in range(pipeline_workers)
    ]
    channels = ChannelsActor.options(name="channels", namespace=NAMESPACE).remote(payload)  # type: ignore[attr-defined]
    # Held for the launcher's lifetime: an actor whose handles are all dropped is stopped.
    _HELD.extend([*workers, channels])
    return [w.run.remote() for w in workers] + [channels.run.remote()]


def start_drafting(settings: Settings) -> Any:
    """Start the drafter; returns the ref of its run."""
    drafter = DraftActor.options(name="drafter", namespace=NAMESPACE).remote(  # type: ignore[attr-defined]
        settings_payload(settings)
    )
    _HELD.append(drafter)  # held for the launcher's lifetime, like the ingestion actors
    return drafter.run.remote()
