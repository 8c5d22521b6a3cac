"""The FastAPI application factory: one app for Serve's ingress, uvicorn and the tests."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.docs import install_docs
from api.errors import install_error_handlers
from api.frontend import install_frontend
from api.middleware import BodyLimitMiddleware, RequestContextMiddleware
from api.routers import ROUTERS
from api.runtime import Probe, Runtime
from ingestion.classifier import ClassifierBackend, InProcessClassifier
from ingestion.events import budget_alert
from routing.assemble import build_router
from routing.backend import InProcessRouter, RouterBackend
from routing.embedding import EmbedderBackend, InProcessEmbedder
from routing.ledger_flush import LedgerFlusher
from store.logs import configure_logging
from store.settings import Settings, get_settings

GC_GEN0_THRESHOLD = 20_000
DESCRIPTION = (
    "Switchboard: AI customer service on a Ray cluster. Authenticate with a Bearer JWT from "
    "`/api/v1/auth/token` or an organization API key (`X-Api-Key: sb_...`)."
)


def create_app(
    settings: Settings | None = None,
    runtime: Runtime | None = None,
    probes: dict[str, Probe] | None = None,
    classifier: ClassifierBackend | None = None,
    embedder: EmbedderBackend | None = None,
    router_backend: RouterBackend | None = None,
) -> FastAPI:
    """Build the app. Pass `runtime` to share pools (tests); otherwise the lifespan builds one.

    `probes` adds readiness checks (the Serve ingress adds one for its application)."""
    settings = settings or (runtime.settings if runtime else get_settings())
    configure_logging(settings.log_level, json=settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = runtime is None
        app.state.runtime = runtime or Runtime.build(settings)
        app.state.runtime.extra_probes.update(probes or {})
        if classifier is not None:
            app.state.runtime.classifier = classifier
        elif app.state.runtime.classifier is None:
            app.state.runtime.classifier = InProcessClassifier(settings.org_models_dir)
        _attach_embedder(app.state.runtime, embedder)
        flusher = attach_router(app.state.runtime, router_backend)
        if owned:
            # Everything built so far lives for the whole process: keep it out of the garbage
            # collector's scans, and collect young objects less often (fewer latency spikes).
            gc.collect()
            gc.freeze()
            gc.set_threshold(GC_GEN0_THRESHOLD, 20, 20)
        if owned:
            await app.state.runtime.connect_nats()
        flushing = asyncio.create_task(flusher.run()) if flusher else None
        try:
            yield
        finally:
            if flushing is not None:
                flushing.cancel()
            if owned:
                await app.state.runtime.close()

    app = FastAPI(
        title="Switchboard API",
        version="0.1.0",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    if runtime is not None:
        app.state.runtime = runtime
    install_error_handlers(app)
    install_docs(app)
    for router in ROUTERS:
        app.include_router(router)
    install_frontend(app, settings.frontend_dir)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["Authorization", "Content-Type", "X-Api-Key", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware, hsts=settings.is_production)
    return app


def _attach_embedder(runtime: Runtime, embedder: EmbedderBackend | None) -> None:
    """The given embedder, else one sharing the in-process classifier's encoder (one copy of
    the model per process), else its own."""
    if embedder is not None:
        runtime.embedder = embedder
    elif runtime.embedder is None:
        classifier = runtime.classifier
        shared = classifier.service if isinstance(classifier, InProcessClassifier) else None
        runtime.embedder = InProcessEmbedder(loader=shared)


def attach_router(runtime: Runtime, router: RouterBackend | None) -> LedgerFlusher | None:
    """The given (handle-backed) router, else one in this process with its ledger flusher."""
    if router is not None:
        runtime.router = router
        return None
    if runtime.router is not None:
        return None

    async def alert(org_id: str, crossed: list[str], usage: dict[str, int]) -> None:
        await budget_alert(await runtime.jetstream(), org_id, crossed, usage)

    local, store, flusher = build_router(
        redis=runtime.redis,
        sessions=runtime.sessions,
        box=runtime.secret_box,
        embedder=runtime.embedder,
        on_alert=alert,
    )
    runtime.router, runtime.policy_store = InProcessRouter(local), store
    return flusher
