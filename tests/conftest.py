"""Real PostgreSQL, Redis and NATS for every test; each DB test rolls back its transaction.
A real MLflow server for the tests that ask for `mlflow_uri`."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg
import pytest
from nats.js import JetStreamContext
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from api.app import attach_router, create_app
from api.deps import get_session
from api.runtime import Runtime
from cluster.embedded import EmbeddedMlflow
from ingestion.classifier import InProcessClassifier
from ingestion.streams import ensure_streams
from models.service import ClassifierService
from routing.embedding import InProcessEmbedder
from routing.ledger_flush import LedgerFlusher
from store import migrate
from store.settings import Settings
from training.embedder import ensure as ensure_embedder

BASE_DB = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# Parallel runs (several checkouts on one machine) each set their own name.
TEST_DB = os.environ.get("TEST_DATABASE_NAME", "switchboard_test")
# No usage reports from the MLflow client in test runs (its server is told the same).
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


def database_url(name: str) -> str:
    return make_url(BASE_DB).set(database=name).render_as_string(hide_password=False)


def recreate_database(name: str) -> str:
    admin = make_url(BASE_DB).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return database_url(name)


def drop_database(name: str) -> None:
    admin = make_url(BASE_DB).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "switchboard_env": "test",
        "database_url": database_url(TEST_DB),
        "redis_url": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
        "nats_url": os.environ.get("TEST_NATS_URL", "nats://127.0.0.1:4222"),
        "password_hash_time_cost": 1,
        "password_hash_memory_kib": 1024,
        "rate_limit_register": "1000/minute",
        "rate_limit_login": "1000/minute",
        "rate_limit_login_ip": "1000/minute",
        "log_json": True,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    recreate_database(TEST_DB)
    migrate.upgrade(database_url(TEST_DB))
    return make_settings(org_models_dir=tmp_path_factory.mktemp("org-models"))


@pytest.fixture(scope="session")
def mlflow_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real MLflow tracking server and model registry for the session, started on first use:
    runs and models in `<TEST_DB>_mlflow` on the tests' PostgreSQL (recreated), artifacts in a
    temporary folder served by it. Callers pass the URI to MLflow (MlflowClient(tracking_uri=))."""
    name = f"{TEST_DB}_mlflow"
    recreate_database(name)
    with EmbeddedMlflow(tmp_path_factory.mktemp("mlflow"), BASE_DB, database=name) as server:
        yield server.url


@pytest.fixture(scope="session")
def classifier_service(settings: Settings) -> ClassifierService:
    """The default local models, loaded once (the encoder is exported first if missing)."""
    ensure_embedder()
    return ClassifierService.load(model_root=settings.org_models_dir)


@pytest.fixture(scope="session")
async def runtime(
    settings: Settings, classifier_service: ClassifierService
) -> AsyncIterator[Runtime]:
    rt = Runtime.build(settings)
    rt.classifier = InProcessClassifier(settings.org_models_dir, service=classifier_service)
    rt.embedder = InProcessEmbedder(service=classifier_service)
    attach_router(rt, None)  # in-process; tests move the ledger with `ledger.drain()`
    await rt.connect_nats()
    yield rt
    await rt.close()


@pytest.fixture(scope="session")
def ledger(runtime: Runtime) -> LedgerFlusher:
    """Moves spend-ledger rows from Redis into PostgreSQL when a test calls `drain()`."""
    return LedgerFlusher(runtime.redis, runtime.sessions)


@pytest.fixture(scope="session")
async def js(runtime: Runtime) -> AsyncIterator[JetStreamContext]:
    """JetStream on the test NATS, with the platform's streams."""
    assert runtime.nats is not None, "the tests need NATS"
    context = runtime.nats.jetstream()
    await ensure_streams(context)
    yield context


@pytest.fixture
async def db(runtime: Runtime) -> AsyncIterator[AsyncConnection]:
    """One outer transaction per test; the app's commits become savepoints inside it."""
    await runtime.redis.flushdb()
    async with runtime.engine.connect() as conn:
        outer = await conn.begin()
        yield conn
        await outer.rollback()


@pytest.fixture
async def session(db: AsyncConnection) -> AsyncIterator[AsyncSession]:
    async with AsyncSession(
        bind=db, join_transaction_mode="create_savepoint", expire_on_commit=False
    ) as s:
        yield s


def build_test_app(runtime: Runtime, conn: AsyncConnection) -> Any:
    app = create_app(runtime=runtime)

    async def bound_session() -> AsyncIterator[AsyncSession]:
        async with AsyncSession(
            bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
        ) as s:
            yield s

    app.dependency_overrides[get_session] = bound_session
    return app


@pytest.fixture
async def client(runtime: Runtime, db: AsyncConnection) -> AsyncIterator[httpx.AsyncClient]:
    app = build_test_app(runtime, db)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 5555))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@dataclass
class Tenant:
    """A registered organization with its admin's tokens."""

    org_id: str
    user_id: str
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def register(client: httpx.AsyncClient, org: str | None = None) -> Tenant:
    email = f"admin-{uuid.uuid4().hex[:10]}@example.com"
    password = "correct horse battery staple"
    r = await client.post(
        "/api/v1/auth/register",
        json={
            "email": email,
            "password": password,
            "name": "Ada Admin",
            "organization_name": org or f"Org {uuid.uuid4().hex[:6]}",
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    return Tenant(
        org_id=body["organization"]["id"],
        user_id=body["user"]["id"],
        email=email,
        password=password,
        access_token=body["access_token"],
        refresh_token=body["refresh_token"],
    )


async def add_user(client: httpx.AsyncClient, admin: Tenant, role: str) -> Tenant:
    """An admin adds a user with `role`; the user signs in and gets tokens."""
    email = f"{role}-{uuid.uuid4().hex[:10]}@example.com"
    password = "another long password"
    r = await client.post(
        "/api/v1/users",
        headers=admin.headers,
        json={"email": email, "name": role.title(), "role": role, "password": password},
    )
    assert r.status_code == 201, r.text
    t = await client.post("/api/v1/auth/token", data={"username": email, "password": password})
    assert t.status_code == 200, t.text
    return Tenant(
        org_id=admin.org_id,
        user_id=r.json()["id"],
        email=email,
        password=password,
        access_token=t.json()["access_token"],
        refresh_token=t.json()["refresh_token"],
    )


@pytest.fixture
async def tenant(client: httpx.AsyncClient) -> Tenant:
    return await register(client)


@pytest.fixture
async def other_tenant(client: httpx.AsyncClient) -> Tenant:
    return await register(client)
