"""What the router adds to a classified inbound message: an LLM's label when the local heads were
unsure (`classify_fallback`), and a translation when the customer wrote in another language than
the agents' (`translate`).

Each step runs at most once per message (its result is recorded in the message's classification
under `assist`), so a redelivered event never pays twice.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.bundle import DEFAULT_BUNDLE, Bundle
from routing import prompts
from routing.backend import RouterBackend
from routing.contract import TaskContext
from routing.router import PolicySource, RouteRequest, RouteResult
from store.errors import Retriable, SwitchboardError
from store.tables import Message, Organization

DEFAULT_AGENT_LANGUAGE = "en"
CLAIM_S = 900  # longer than any routed call with its retries and fallbacks


@dataclass
class AssistOutcome:
    message_id: uuid.UUID
    org_id: uuid.UUID
    conversation_id: uuid.UUID
    done: list[str] = field(default_factory=list)  # escalated | translated


@lru_cache(maxsize=1)
def default_labels() -> dict[str, list[str]]:
    bundle = Bundle.load(DEFAULT_BUNDLE)
    intents = list(bundle.head("intent").labels)
    return {"intent": intents, "category": sorted(set(bundle.categories.values()))}


class AssistBusy(Retriable):
    """Another worker is running this message's step now: ask again later."""

    code = "assist_busy"


async def assist(
    sessions: async_sessionmaker[AsyncSession],
    router: RouterBackend,
    policies: PolicySource,
    *,
    message_id: uuid.UUID,
    claims: Redis | None = None,
) -> AssistOutcome | None:
    """Run the steps this message still needs; None when it needs none. With `claims`, each
    paid step is claimed in Redis first, so two deliveries of one event pay once."""
    async with sessions() as session:
        message = await session.get(Message, message_id)
        if message is None or message.direction != "inbound" or not message.classification:
            return None
        org = await session.get(Organization, message.organization_id)
        agent_language = str((org.settings if org else {}).get("agent_language") or "en")
    org_id = str(message.organization_id)
    threshold = (await policies.get(org_id)).policy.escalation_threshold
    found = dict(message.classification)
    added: dict[str, Any] = {}
    done = found.get("assist", {})
    if _unsure(found, threshold) and "escalation" not in done:
        await _claim(claims, message_id, "escalation")
        added["escalation"] = await _escalate(router, message, found)
    language = (found.get("language") or {}).get("label")
    if language and language != agent_language and "translation" not in done:
        await _claim(claims, message_id, "translation")
        added["translation"] = await _translate(router, message, language, agent_language)
    if not added:
        return None
    await _record(sessions, message_id, added)
    return AssistOutcome(message_id, message.organization_id, message.conversation_id,
                         done=sorted(added))  # fmt: skip


async def _claim(claims: Redis | None, message_id: uuid.UUID, step: str) -> None:
    # Held until it expires: by then the step's result is recorded and the step is skipped.
    if claims is not None and not await claims.set(
        f"sb:assist:{message_id}:{step}", "1", nx=True, ex=CLAIM_S
    ):
        raise AssistBusy(f"{step} of message {message_id} is running elsewhere", retry_after=5)


def needs_assist(classification: dict[str, Any], threshold: float, agent_language: str) -> bool:
    """Worth a look at all? Most messages are neither unsure nor foreign: the event alone
    tells, with no database read."""
    language = (classification.get("language") or {}).get("label")
    return _unsure(classification, threshold) or bool(language and language != agent_language)


class AgentLanguages:
    """Each organization's agents' language (`settings.agent_language`), cached for a minute."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], ttl_s: float = 60.0) -> None:
        self._sessions, self._ttl = sessions, ttl_s
        self._known: dict[uuid.UUID, tuple[float, str]] = {}

    async def get(self, org_id: uuid.UUID) -> str:
        now = time.monotonic()
        known = self._known.get(org_id)
        if known is None or now - known[0] > self._ttl:
            async with self._sessions() as session:
                org = await session.get(Organization, org_id)
            language = str((org.settings if org else {}).get("agent_language") or "en")
            known = self._known[org_id] = (now, language)
        return known[1]


def _unsure(classification: dict[str, Any], threshold: float) -> bool:
    confidence = (classification.get("intent") or {}).get("confidence")
    return isinstance(confidence, int | float) and confidence < threshold


async def _escalate(
    router: RouterBackend, message: Message, found: dict[str, Any]
) -> dict[str, Any]:
    labels = default_labels()
    call = RouteRequest(
        str(message.organization_id), "classify_fallback",
        prompts.classify_messages(message.text, labels),
        request_id=f"classify:{message.id}", message_id=str(message.id),
    )  # fmt: skip
    try:
        result = await router.complete(call)
    except SwitchboardError as exc:
        return {"status": "kept_local", "reason": exc.message}
    chosen = prompts.parse_classification(result.completion.text, labels)
    if not chosen:
        return {**_paid(result), "status": "unusable_answer"}
    return {**_paid(result), "status": "relabelled", "labels": chosen,
            "local": {h: (found.get(h) or {}).get("label") for h in chosen}}  # fmt: skip


async def _translate(
    router: RouterBackend, message: Message, source: str, target: str
) -> dict[str, Any]:
    context = TaskContext(str(message.organization_id), "translate", text=message.text,
                          source_language=source, target_language=target)  # fmt: skip
    call = RouteRequest(
        context.org_id, "translate", prompts.translate_messages(context), context=context,
        request_id=f"translate:{message.id}", message_id=str(message.id),
    )  # fmt: skip
    try:
        result = await router.complete(call)
    except SwitchboardError as exc:
        return {"status": "unavailable", "reason": exc.message}
    if result.provider == "local":  # the local models cannot translate; say so, invent nothing
        why = "no external model could translate; the original text stands"
        return {**_paid(result), "status": "unavailable", "reason": why}
    return {**_paid(result), "status": "translated", "language": target,
            "text": result.completion.text}  # fmt: skip


def _paid(result: RouteResult) -> dict[str, Any]:
    return {"model": result.model_id, "cost_usd": result.cost_usd, "reason": result.reason,
            "degraded": result.degraded}  # fmt: skip


async def _record(
    sessions: async_sessionmaker[AsyncSession], message_id: uuid.UUID, added: dict[str, Any]
) -> None:
    """Merge the results under `assist` (and relabel the heads the LLM answered for)."""
    async with sessions() as session, session.begin():
        row = await session.execute(
            select(Message.classification).where(Message.id == message_id).with_for_update()
        )
        classification = dict(row.scalar_one() or {})
        assist_done = {**classification.get("assist", {}), **added}
        classification["assist"] = assist_done
        labels = (added.get("escalation") or {}).get("labels") or {}
        for head, label in labels.items():
            classification[head] = {**(classification.get(head) or {}), "label": label,
                                    "source": added["escalation"]["model"]}  # fmt: skip
        await session.execute(
            update(Message).where(Message.id == message_id).values(classification=classification)
        )
