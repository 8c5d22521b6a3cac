"""POST /api/v1/classify on the real local models (in-process backend)."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import numpy as np
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from models.bundle import Bundle
from models.heads import LinearHead
from store.settings import Settings
from store.tables import AIModel, Organization
from tests.conftest import Tenant, add_user

SHAPE = {
    "intent",
    "category",
    "sentiment",
    "priority",
    "language",
    "pii",
    "needs_review",
    "model_version",
    "model_versions",
}
EMAIL = """Hi team,

I ordered a blender last week (order #A-48213) and it still hasn't arrived.
Can you tell me where my order is? You can reach me at jane.doe@example.com.

Thanks,
Jane Doe
Sent from my iPhone"""


async def classify(client: httpx.AsyncClient, tenant: Tenant, body: object) -> httpx.Response:
    return await client.post("/api/v1/classify", headers=tenant.headers, json=body)


async def test_one_text_answers_one_classification_in_the_public_shape(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    r = await classify(client, tenant, {"text": EMAIL})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == SHAPE
    assert body["intent"]["label"] == "track_order"
    assert set(body["intent"]) == {"label", "confidence", "runner_up"}
    assert set(body["intent"]["runner_up"]) == {"label", "confidence"}
    assert body["category"] == {"label": "ORDER", "confidence": body["category"]["confidence"]}
    assert body["category"]["confidence"] >= body["intent"]["confidence"]
    assert set(body["sentiment"]) == {"label", "score", "confidence"}
    assert set(body["priority"]) == {"label", "score", "reasons"}
    assert body["language"]["label"] == "en"
    assert body["needs_review"] is False
    assert body["model_version"] == body["model_versions"]["intent"] == "default-intent:1"


async def test_pii_offsets_index_the_text_as_submitted(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    text = "   \n" + EMAIL  # leading whitespace must not shift offsets
    spans = (await classify(client, tenant, {"text": text})).json()["pii"]
    found = {span["type"]: text[span["start"] : span["end"]] for span in spans}
    assert found["email"] == "jane.doe@example.com"


async def test_a_batch_answers_results_in_order(client: httpx.AsyncClient, tenant: Tenant) -> None:
    texts = [
        "I want a refund for my last purchase",
        "how do I reset my password?",
        "I'd like to unsubscribe from your newsletter",
    ]
    r = await classify(client, tenant, {"texts": texts})
    assert r.status_code == 200, r.text
    labels = [result["intent"]["label"] for result in r.json()["results"]]
    assert labels == ["get_refund", "recover_password", "newsletter_subscription"]


@pytest.mark.parametrize(
    "text",
    [
        "¿Dónde está mi pedido? Lo compré hace dos semanas y todavía no ha llegado.",
        "Wie hoch ist die Stornogebühr, wenn ich meine Bestellung heute storniere?",
        "what's the weather going to be like in Paris tomorrow",
        "set an alarm for six thirty am",
    ],
)
async def test_foreign_or_off_topic_text_needs_review(
    client: httpx.AsyncClient, tenant: Tenant, text: str
) -> None:
    assert (await classify(client, tenant, {"text": text})).json()["needs_review"] is True


async def test_an_angry_legal_threat_is_urgent(client: httpx.AsyncClient, tenant: Tenant) -> None:
    text = (
        "You charged my card twice for order 5521 and nobody answers. This is the third time I "
        "write. Refund me today or my lawyer will take legal action."
    )
    body = (await classify(client, tenant, {"text": text})).json()
    assert body["sentiment"]["label"] == "negative" and body["sentiment"]["score"] < 0
    assert body["priority"]["label"] == "urgent"
    assert "legal_threat" in body["priority"]["reasons"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 422),
        ({"text": ""}, 422),
        ({"text": "   \n\t"}, 422),
        ({"text": 42}, 422),
        ({"text": ["a"]}, 422),
        ({"texts": []}, 422),
        ({"texts": ["ok", ""]}, 422),
        ({"texts": ["x"] * 257}, 422),
        ({"text": "a", "texts": ["b"]}, 422),
        ({"text": "a", "model": "x"}, 422),
        ({"text": "é" * 40_000}, 413),
    ],
)
async def test_bad_input_is_a_clear_4xx(
    client: httpx.AsyncClient, tenant: Tenant, body: object, status: int
) -> None:
    r = await classify(client, tenant, body)
    assert r.status_code == status, r.text
    assert r.json()["error"]["message"]


async def test_non_json_is_a_400(client: httpx.AsyncClient, tenant: Tenant) -> None:
    r = await client.post(
        "/api/v1/classify",
        headers={**tenant.headers, "Content-Type": "application/json"},
        content=b"{text",
    )
    assert r.status_code == 400


async def test_classify_needs_a_credential_and_accepts_api_keys_and_viewers(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    assert (await client.post("/api/v1/classify", json={"text": "hi"})).status_code == 401
    created = await client.post(
        "/api/v1/api-keys", headers=tenant.headers, json={"name": "bot", "scopes": ["classify"]}
    )
    key = created.json()["key"]
    r = await client.post(
        "/api/v1/classify",
        headers={"Authorization": f"Bearer {key}"},
        json={"text": "where is my order"},
    )
    assert r.status_code == 200, r.text
    viewer = await add_user(client, tenant, "viewer")
    assert (await classify(client, viewer, {"text": "where is my order"})).status_code == 200


async def test_the_organization_review_threshold_applies(
    client: httpx.AsyncClient, tenant: Tenant, session: AsyncSession
) -> None:
    text = "I need help with my order"
    first = (await classify(client, tenant, {"text": text})).json()
    await session.execute(
        update(Organization)
        .where(Organization.id == uuid.UUID(tenant.org_id))
        .values(settings={"review_threshold": 0.999})
    )
    await session.flush()
    client_app = client._transport.app  # type: ignore[attr-defined]
    client_app.state.runtime.org_models.forget(uuid.UUID(tenant.org_id))
    second = (await classify(client, tenant, {"text": text})).json()
    assert first["intent"]["confidence"] < 0.999
    assert second["needs_review"] is True


def _custom_bundle(directory: Path) -> None:
    rng = np.random.default_rng(7)
    head = LinearHead(
        "acme-intent",
        "7",
        ("billing", "logistics"),
        rng.normal(size=(2, 384)).astype(np.float32),
        np.zeros(2, dtype=np.float32),
    )
    Bundle(
        "acme", "7", {"intent": head}, categories={"billing": "MONEY", "logistics": "SHIPPING"}
    ).save(directory)


async def test_an_organization_champion_model_replaces_the_default_intent_head(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    session: AsyncSession,
    settings: Settings,
) -> None:
    _custom_bundle(settings.org_models_dir / tenant.org_id / "acme" / "7")
    session.add(
        AIModel(
            organization_id=uuid.UUID(tenant.org_id),
            name="acme",
            task="classifier",
            version="7",
            aliases=["champion"],
        )
    )
    await session.flush()
    mine = (await classify(client, tenant, {"text": EMAIL})).json()
    assert mine["model_version"] == "acme:7"  # the registered name and version
    assert mine["intent"]["label"] in {"billing", "logistics"}
    assert mine["category"]["label"] in {"MONEY", "SHIPPING"}
    assert mine["model_versions"]["sentiment"] == "default-sentiment:1"
    theirs = (await classify(client, other_tenant, {"text": EMAIL})).json()
    assert theirs["model_version"] == "default-intent:1"
