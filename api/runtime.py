"""What one API process holds for its lifetime: settings, pools, crypto, limits, probes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import nats
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.ratelimit import RateLimiter
from api.security.passwords import Passwords
from api.security.tokens import AccessTokens
from ingestion.classifier import ClassifierBackend
from ingestion.org_models import OrgModels
from ingestion.streams import ensure_streams
from routing.backend import RouterBackend
from routing.embedding import EmbedderBackend
from routing.policies import PolicyStore
from store.cache import create_redis
from store.crypto import SecretBox
from store.db import create_engine_from, session_factory
from store.errors import Retriable
from store.settings import Settings

# A readiness probe answers None when healthy, or a short reason when not.
Probe = Callable[[], Awaitable[str | None]]


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: Redis
    passwords: Passwords
    tokens: AccessTokens
    secret_box: SecretBox
    limiter: RateLimiter
    nats: NatsClient | None = None
    extra_probes: dict[str, Probe] = field(default_factory=dict)
    # Serve attaches a handle-backed classifier; without Serve the models run in-process.
    classifier: ClassifierBackend | None = None
    # The knowledge base's encoder: the Serve Embedder through a handle, or in-process.
    embedder: EmbedderBackend | None = None
    # The router: the Serve `Router` deployment through a handle, or one in this process.
    router: RouterBackend | None = None
    policy_store: PolicyStore | None = None
    org_models: OrgModels = field(default_factory=OrgModels)
    _lifecycle: Any = None
    _nats_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        engine = create_engine_from(settings)
        redis = create_redis(settings)
        return cls(
            settings=settings,
            engine=engine,
            sessions=session_factory(engine),
            redis=redis,
            passwords=Passwords(settings),
            tokens=AccessTokens(settings),
            secret_box=SecretBox(settings.secret_keys),
            limiter=RateLimiter(redis, enabled=settings.rate_limit_enabled),
        )

    def lifecycle(self) -> Any:
        """The model lifecycle (`training.lifecycle.Lifecycle`) over the MLflow server; a 503
        while no tracking server is configured."""
        if self._lifecycle is None:
            uri = self.settings.mlflow_tracking_uri
            if not uri:
                raise Retriable("the model registry (MLflow) is not configured", retry_after=30)
            from training.lifecycle import Lifecycle
            from training.tracking import Tracker

            self._lifecycle = Lifecycle(Tracker(uri), self.settings.org_models_dir)
        return self._lifecycle

    async def connect_nats(self) -> None:
        """Connect and create the streams; if NATS is down the API still serves (and /ready says
        so), and the inbound routes answer 503 until `jetstream()` reconnects."""
        try:
            self.nats = await nats.connect(
                self.settings.require("nats_url"),
                connect_timeout=2,
                max_reconnect_attempts=-1,
                reconnect_time_wait=1,
                allow_reconnect=True,
            )
            await ensure_streams(self.nats.jetstream())
        except (OSError, TimeoutError, nats.errors.Error):
            if self.nats is not None and not self.nats.is_closed:
                await self.nats.close()
            self.nats = None

    async def jetstream(self) -> JetStreamContext:
        """JetStream for publishing; a bus we cannot reach is a 503 the sender retries."""
        if self.nats is None or self.nats.is_closed:
            async with self._nats_lock:
                if self.nats is None or self.nats.is_closed:
                    await self.connect_nats()
        if self.nats is None:
            raise Retriable("the message bus is unavailable; retry", retry_after=2)
        return self.nats.jetstream()

    async def close(self) -> None:
        closer = getattr(self.router, "aclose", None)
        if closer is not None:
            await closer()
        if self.nats is not None and not self.nats.is_closed:
            await self.nats.close()
        await self.redis.aclose()
        await self.engine.dispose()


async def with_timeout(probe: Probe, seconds: float = 2.0) -> str | None:
    try:
        return await asyncio.wait_for(probe(), seconds)
    except TimeoutError:
        return "timed out"
    except Exception as exc:
        return type(exc).__name__
