"""Re-classifying an organization's recent messages after a promotion: counts, stored form,
one transaction per batch, org scoping, the Ray Data job and the API route."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import ray
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from api.runtime import Runtime
from models.contract import Classification
from models.service import ClassifierService
from store.settings import Settings
from store.tables import AuditLog, Conversation, Message, Organization
from tests.conftest import Tenant, add_user
from training.reclassify import Classify, ClassifyBatch, reclassify_recent

T0 = datetime(2025, 1, 1, tzinfo=UTC)
TEXTS = [
    "Where is my parcel? It was due on Monday.",
    "I want a refund for order 17, the shoes are too small.",
    "I can't log in, please reset my password.",
    "My card was charged twice for the same order.",
    "How do I change my delivery address?",
    "Do you ship to Canada?",
]
STALE = "stale_label"


def old_classification(label: str) -> dict[str, Any]:
    """A stored classification from the previous model, as the pipeline stored it."""
    return {
        "intent": {"label": label, "confidence": 0.9, "runner_up": None},
        "category": {"label": "OTHER", "confidence": 0.9},
        "sentiment": {"label": "neutral", "score": 0.0, "confidence": 0.8},
        "priority": {"label": "normal", "score": 0.3, "reasons": []},
        "language": {"label": "en", "confidence": 0.99},
        "pii": [],
        "needs_review": False,
        "model_version": "old:1",
        "model_versions": {"intent": "old:1"},
    }


class Inbox:
    """One organization's messages, written straight to the tables as the pipeline does."""

    def __init__(self, session: AsyncSession, org_id: uuid.UUID, conversation_id: uuid.UUID):
        self.session, self.id, self.conversation_id = session, org_id, conversation_id
        self.clock = T0

    @classmethod
    async def create(cls, session: AsyncSession, org_id: uuid.UUID | None = None) -> Inbox:
        if org_id is None:
            org_id = uuid.uuid4()
            session.add(Organization(id=org_id, name="Reclassify Co", slug=f"rc-{org_id.hex[:12]}"))
            await session.flush()
        conversation = Conversation(organization_id=org_id, channel="api")
        session.add(conversation)
        await session.flush()
        return cls(session, org_id, conversation.id)

    async def message(
        self,
        text: str,
        label: str | None = STALE,
        *,
        subject: str | None = None,
        direction: str = "inbound",
    ) -> uuid.UUID:
        self.clock += timedelta(minutes=1)  # each message strictly newer than the one before
        row = Message(
            organization_id=self.id,
            conversation_id=self.conversation_id,
            direction=direction,
            text=text,
            subject=subject,
            classification=old_classification(label) if label else None,
            model_version="old:1" if label else None,
            created_at=self.clock,
        )
        self.session.add(row)
        await self.session.flush()
        return row.id


async def stored(session: AsyncSession, message_id: uuid.UUID) -> tuple[Any, str | None]:
    row = (
        await session.execute(
            select(Message.classification, Message.model_version).where(Message.id == message_id)
        )
    ).one()
    return row[0], row[1]


@pytest.fixture
def sessions(db: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Sessions on the test's transaction (each batch's commit is a savepoint in it)."""
    return async_sessionmaker(
        bind=db,
        class_=AsyncSession,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
    )


@pytest.fixture
def classify(runtime: Runtime) -> Classify:
    backend = runtime.classifier
    assert backend is not None

    async def run(texts: list[str]) -> list[Classification]:
        return await backend.classify(texts, model_id="", review_threshold=None)

    return run


@pytest.fixture
async def expected(classify: Classify) -> list[Classification]:
    return await classify(TEXTS)


async def test_counts_changes_and_stores_the_new_classification_as_the_pipeline_does(
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    classify: Classify,
    expected: list[Classification],
) -> None:
    inbox = await Inbox.create(session)
    version = expected[0].model_version
    # The first two keep their label (unchanged), the rest were labelled by the old model.
    labels = [expected[0].intent.label, expected[1].intent.label] + [STALE] * 4
    ids = [await inbox.message(text, label) for text, label in zip(TEXTS, labels, strict=True)]
    outbound = await inbox.message("Your parcel ships today.", direction="outbound")
    unclassified = await inbox.message("Hello?", label=None)

    summary = await reclassify_recent(
        sessions, inbox.id, classify, model_version=version, batch_size=4, use_ray=False
    )

    assert set(summary) == {
        "examined",
        "changed",
        "unchanged",
        "changes",
        "model_version",
        "seconds",
    }
    assert (summary["examined"], summary["changed"], summary["unchanged"]) == (6, 4, 2)
    assert summary["model_version"] == version and summary["seconds"] >= 0
    want: dict[str, int] = {}
    for new in expected[2:]:
        key = f"{STALE}→{new.intent.label}"
        want[key] = want.get(key, 0) + 1
    assert summary["changes"] == want
    for message_id, new in zip(ids, expected, strict=True):
        assert await stored(session, message_id) == (new.model_dump(mode="json"), version)
    assert await stored(session, outbound) == (old_classification(STALE), "old:1")
    assert await stored(session, unclassified) == (None, None)


async def test_reads_the_newest_messages_and_the_subject_of_one_without_a_body(
    session: AsyncSession, sessions: async_sessionmaker[AsyncSession], classify: Classify
) -> None:
    inbox = await Inbox.create(session)
    oldest = await inbox.message(TEXTS[0])
    await inbox.message("   ", subject="Refund for order 17")
    await inbox.message(TEXTS[2])
    seen: list[str] = []

    async def recording(texts: list[str]) -> list[Classification]:
        seen.extend(texts)
        return await classify(texts)

    version = (await classify(["x"]))[0].model_version
    summary = await reclassify_recent(
        sessions, inbox.id, recording, model_version=version, limit=2, use_ray=False
    )
    assert summary["examined"] == 2
    assert seen == [TEXTS[2], "Refund for order 17"]  # newest first, the subject for no body
    assert await stored(session, oldest) == (old_classification(STALE), "old:1")


async def test_other_organizations_messages_are_untouched(
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    classify: Classify,
    expected: list[Classification],
) -> None:
    mine, theirs = await Inbox.create(session), await Inbox.create(session)
    await mine.message(TEXTS[0])
    other = await theirs.message(TEXTS[1])
    summary = await reclassify_recent(
        sessions, mine.id, classify, model_version=expected[0].model_version, use_ray=False
    )
    assert summary["examined"] == 1
    assert await stored(session, other) == (old_classification(STALE), "old:1")


async def test_a_failure_mid_way_leaves_each_message_old_or_new_and_a_rerun_finishes(
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    classify: Classify,
    expected: list[Classification],
) -> None:
    inbox = await Inbox.create(session)
    ids = [await inbox.message(text) for text in TEXTS]  # newest last
    version = expected[0].model_version
    calls = 0

    async def failing_second_batch(texts: list[str]) -> list[Classification]:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("replica died")
        return await classify(texts)

    with pytest.raises(RuntimeError, match="replica died"):
        await reclassify_recent(
            sessions, inbox.id, failing_second_batch, model_version=version, batch_size=3
        )
    newest_first = list(reversed(ids))
    for message_id, new in zip(newest_first[:3], reversed(expected), strict=False):
        assert await stored(session, message_id) == (new.model_dump(mode="json"), version)
    for message_id in newest_first[3:]:
        assert await stored(session, message_id) == (old_classification(STALE), "old:1")

    again = await reclassify_recent(sessions, inbox.id, classify, model_version=version)
    assert (again["examined"], again["changed"]) == (6, 3)  # only the old half still differed
    twice = await reclassify_recent(sessions, inbox.id, classify, model_version=version)
    assert (twice["changed"], twice["unchanged"]) == (0, 6)
    for message_id, new in zip(ids, expected, strict=True):
        assert await stored(session, message_id) == (new.model_dump(mode="json"), version)


async def test_a_classifier_answering_with_another_version_writes_nothing(
    session: AsyncSession, sessions: async_sessionmaker[AsyncSession], classify: Classify
) -> None:
    inbox = await Inbox.create(session)
    message_id = await inbox.message(TEXTS[0])
    with pytest.raises(ValueError, match="not 'intent:9'"):
        await reclassify_recent(sessions, inbox.id, classify, model_version="intent:9")
    assert await stored(session, message_id) == (old_classification(STALE), "old:1")


async def test_the_batch_class_runs_in_process_without_ray(
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    classifier_service: ClassifierService,
    expected: list[Classification],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The models the session already loaded, instead of a second copy (the same files).
    monkeypatch.setattr(ClassifierService, "load", lambda *_: classifier_service)
    inbox = await Inbox.create(session)
    ids = [await inbox.message(text) for text in TEXTS[:3]]
    spec = ClassifyBatch(model_id="", model_root=str(settings.org_models_dir))
    version = expected[0].model_version
    summary = await reclassify_recent(
        sessions, inbox.id, spec, model_version=version, use_ray=False
    )
    assert (summary["examined"], summary["changed"]) == (3, 3)
    for message_id, new in zip(ids, expected, strict=False):
        assert await stored(session, message_id) == (new.model_dump(mode="json"), version)


async def test_the_ray_path_needs_a_model_to_ship(
    sessions: async_sessionmaker[AsyncSession], session: AsyncSession, classify: Classify
) -> None:
    inbox = await Inbox.create(session)
    await inbox.message(TEXTS[0])
    with pytest.raises(TypeError, match="ClassifyBatch"):
        await reclassify_recent(sessions, inbox.id, classify, model_version="x:1", use_ray=True)


@pytest.fixture(scope="module")
def local_ray(classifier_service: ClassifierService) -> Iterator[None]:
    """A local Ray for this module, unless one is already up (then it is left running)."""
    if ray.is_initialized():
        yield
        return
    ray.init(num_cpus=1, include_dashboard=False, runtime_env={"env_vars": {"HF_HUB_OFFLINE": "1"}})
    try:
        yield
    finally:
        ray.shutdown()


@pytest.mark.usefixtures("local_ray")
async def test_with_ray_up_the_classification_is_a_ray_data_job(
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    classify: Classify,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def not_here(*_: object) -> None:
        raise AssertionError("the models were loaded in the test process, not in the Ray actor")

    monkeypatch.setattr(ClassifierService, "load", not_here)
    inbox = await Inbox.create(session)
    texts = [*TEXTS, "Cancel my subscription", "Thanks!", "Is the blue one in stock?", "Hi"]
    ids = [await inbox.message(text) for text in texts]
    expected = await classify(texts)
    version = expected[0].model_version
    spec = ClassifyBatch(model_id="", model_root=str(settings.org_models_dir))
    summary = await reclassify_recent(sessions, inbox.id, spec, model_version=version, batch_size=4)
    assert (summary["examined"], summary["changed"]) == (10, 10)
    for message_id, new in zip(ids, expected, strict=True):
        data, stored_version = await stored(session, message_id)
        assert stored_version == version
        assert data.keys() == new.model_dump(mode="json").keys()
        assert data["intent"]["label"] == new.intent.label
        assert data["model_versions"] == new.model_versions


async def test_route_answers_the_summary_to_promoters_only(
    client: httpx.AsyncClient, session: AsyncSession, tenant: Tenant, expected: list[Classification]
) -> None:
    inbox = await Inbox.create(session, uuid.UUID(tenant.org_id))
    ids = [await inbox.message(text) for text in TEXTS[:3]]
    await session.commit()
    url = "/api/v1/models/intent/reclassify"

    member = await add_user(client, tenant, "member")
    refused = await client.post(url, headers=member.headers, json={})
    assert refused.status_code == 403, refused.text
    bad = await client.post(url, headers=tenant.headers, json={"limit": 5001})
    assert bad.status_code == 422
    nope = await client.post("/api/v1/models/nope/reclassify", headers=tenant.headers, json={})
    assert nope.status_code == 404

    r = await client.post(url, headers=tenant.headers, json={"limit": 2})
    assert r.status_code == 200, r.text
    body = r.json()
    version = expected[0].model_version
    assert (body["examined"], body["changed"], body["unchanged"]) == (2, 2, 0)
    assert body["model_version"] == version and sum(body["changes"].values()) == 2
    assert await stored(session, ids[0]) == (old_classification(STALE), "old:1")  # not in limit
    assert await stored(session, ids[2]) == (expected[2].model_dump(mode="json"), version)
    audit = await session.scalar(
        select(AuditLog).where(
            AuditLog.organization_id == uuid.UUID(tenant.org_id),
            AuditLog.action == "model.reclassify",
        )
    )
    assert audit is not None and audit.details["examined"] == 2


async def test_route_answers_503_without_a_classifier(
    client: httpx.AsyncClient, tenant: Tenant, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime, "classifier", None)
    r = await client.post("/api/v1/models/intent/reclassify", headers=tenant.headers, json={})
    assert r.status_code == 503, r.text
