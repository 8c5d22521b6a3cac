"""/api/v1/routing: the organization's routing policy (JSON or YAML) and its spend."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

import orjson
import yaml
from fastapi import APIRouter, Depends, Query, Request, Response

from api.audit import record
from api.deps import ClientDep, Principal, RuntimeDep, SessionDep, require
from api.routing import spend
from routing import policies
from store.errors import BadInput

router = APIRouter(prefix="/api/v1/routing", tags=["routing"])
CanRead = Annotated[Principal, Depends(require("read:routing"))]
CanWrite = Annotated[Principal, Depends(require("write:routing"))]
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
POLICY_EXAMPLE = {
    "providers": {"openai": {"base_url": "https://api.openai.com/v1", "api_key": "sk-..."}},
    "tasks": {
        "draft": {
            "models": ["openai:gpt-4o-mini", "anthropic:claude-haiku-4-5", "local"],
            "max_cost_usd": 0.02,
            "quality": "standard",
        }
    },
    "budgets": {"daily_usd": 5, "monthly_usd": 100, "soft_ratio": 0.8},
    "escalation_threshold": 0.6,
    "mask_pii": True,
}


def _render(request: Request, body: dict[str, Any]) -> Response:
    if any(t in request.headers.get("accept", "") for t in YAML_TYPES):
        return Response(yaml.safe_dump(body, sort_keys=False), media_type="application/yaml")
    return Response(orjson.dumps(body), media_type="application/json")


async def _document(request: Request) -> dict[str, Any]:
    raw = await request.body()
    kind = request.headers.get("content-type", "application/json").split(";")[0].strip()
    try:
        document = yaml.safe_load(raw) if kind in YAML_TYPES else orjson.loads(raw)
    except (yaml.YAMLError, orjson.JSONDecodeError) as exc:
        raise BadInput(
            f"the policy is not valid {'YAML' if kind in YAML_TYPES else 'JSON'}: "
            f"{str(exc).splitlines()[0]}",
            code="malformed_policy",
        ) from None
    if not isinstance(document, dict):
        raise BadInput("the policy must be an object", code="malformed_policy")
    return document


@router.get("/policy")
async def get_policy(
    principal: CanRead, session: SessionDep, runtime: RuntimeDep, request: Request
) -> Response:
    """The policy in force (the default until one is saved); provider keys are never shown,
    only `api_key_set`. Send `Accept: application/yaml` for YAML."""
    policy, keys, version = await policies.load(
        session, org_id=principal.org_id, box=runtime.secret_box
    )
    return _render(request, policies.view(policy, keys, version))


@router.put(
    "/policy",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "object"}, "example": POLICY_EXAMPLE},
                "application/yaml": {"schema": {"type": "string"}},
            },
        }
    },
)
async def put_policy(
    principal: CanWrite,
    session: SessionDep,
    runtime: RuntimeDep,
    client: ClientDep,
    request: Request,
) -> Response:
    """Replace the policy. JSON or YAML (`Content-Type: application/yaml`). A provider's
    `api_key` omitted keeps the stored key; `null` clears it. Validated before it is saved."""
    document = await _document(request)
    policy, keys, version = await policies.save(
        session,
        org_id=principal.org_id,
        document=document,
        box=runtime.secret_box,
        user_id=principal.user_id,
    )
    record(
        session,
        principal,
        client,
        "routing.policy.update",
        None,
        details={"version": version, "keys_set": sorted(keys)},
    )
    await session.commit()
    await policies.announce(runtime.redis, principal.org_id)
    return _render(request, policies.view(policy, keys, version))


@router.get("/spend")
async def get_spend(
    principal: CanRead,
    session: SessionDep,
    runtime: RuntimeDep,
    since: Annotated[date | None, Query(description="first day (UTC); default today")] = None,
) -> dict[str, Any]:
    """Spend from the ledger since `since` (today by default), with today's and this month's
    budget use."""
    start = since or datetime.now(UTC).date()
    if start > datetime.now(UTC).date():
        raise BadInput("since is in the future", code="bad_since")
    return await spend.summary(session, runtime, org_id=principal.org_id, since=start)
