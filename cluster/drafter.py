"""The drafter: a durable pull consumer on `events.*.draft.requested` that has the router write
each requested draft (`routing.drafting.fulfil`), then announces `draft.created` or
`draft.failed` and acks. Configured with `ASSIST`, the same worker consumes
`events.*.message.classified` and has the router relabel unsure messages and translate foreign
ones (`routing.assist`), announcing the updated classification.

At-least-once delivery is made exactly-once in effect: the draft's claim means one paid call,
the announcement's deterministic id means one stored event. A dependency that is down is waited
out (nak with a delay, never counted); a `NoRoute` or an unexpected error is retried up to
`max_deliver` deliveries, after which the draft fails with the reason.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pydantic import ValidationError
from redis.asyncio import Redis
from sqlalchemy.exc import DBAPIError, OperationalError

from ingestion.events import Event, emit, event_id
from ingestion.pipeline.deadletter import dead_letter
from ingestion.streams import EVENTS
from routing.assemble import Lookup
from routing.assist import AgentLanguages, AssistBusy, assist, needs_assist
from routing.backend import RouterBackend
from routing.draft_claims import DraftBusy, Sessions
from routing.drafting import DraftOutcome, draft_for_message, fail_draft, fulfil, recent_outcome
from routing.router import NoRoute, PolicySource
from store.errors import Retriable
from store.tables import Message

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class DrafterConfig:
    durable: str = "drafter"
    filter_subject: str = "events.*.draft.requested"
    concurrency: int = 4  # drafts in flight: each mostly waits on a provider
    ack_wait_s: float = 60.0
    progress_every_s: float = 20.0  # tell JetStream a slow draft is still ours
    max_deliver: int = 5  # for errors that are not a dependency being down
    # A draft another worker is writing: ask again soon, it is cheap (one UPDATE) and the
    # draft is usually announced by then.
    busy_delay_s: float = 15.0


# The assistant: the same machinery on classified messages (relabel when unsure, translate).
ASSIST = DrafterConfig(durable="assist", filter_subject="events.*.message.classified")


def announcement(outcome: DraftOutcome) -> Event:
    """The `draft.created` / `draft.failed` event; its id is the draft's, so it is stored once."""
    return Event(
        id=event_id(outcome.event_kind, outcome.draft_id),
        kind=outcome.event_kind,
        organization_id=outcome.organization_id,
        conversation_id=outcome.conversation_id,
        message_id=outcome.message_id,
        data={
            "draft_id": str(outcome.draft_id),
            "status": outcome.status,
            "provider": outcome.provider,
            "cost_usd": outcome.cost_usd,
            "reason": outcome.reason,
        },
    )


class DraftWorker:
    """Pulls draft requests and fulfils up to `concurrency` of them at once."""

    def __init__(
        self,
        js: JetStreamContext,
        sessions: Sessions,
        router: RouterBackend,
        lookup: Lookup,
        config: DrafterConfig | None = None,
        policies: PolicySource | None = None,
        claims: Redis | None = None,
    ) -> None:
        self.js = js
        self.sessions = sessions
        self.router = router
        self.lookup = lookup
        self.policies = policies  # needed to assist classified messages
        self.claims = claims
        self.languages = AgentLanguages(sessions)
        self.config = config or DrafterConfig()
        self._slots = asyncio.Semaphore(self.config.concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self.fulfilled = 0  # drafts this worker finished (ready or failed)

    def consumer_config(self) -> ConsumerConfig:
        c = self.config
        return ConsumerConfig(
            durable_name=c.durable,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=c.ack_wait_s,
            max_deliver=-1,  # we decide when to give up (dependency outages never count)
            max_ack_pending=max(100, 4 * c.concurrency),
            filter_subject=c.filter_subject,
        )

    async def run(self, stop: asyncio.Event) -> None:
        sub = await self.js.pull_subscribe(
            self.config.filter_subject,
            durable=self.config.durable,
            stream=EVENTS.name,
            config=self.consumer_config(),
        )
        while not stop.is_set():
            await self._slots.acquire()
            try:
                msgs = await sub.fetch(1, timeout=1.0)
            except TimeoutError:
                self._slots.release()
                continue
            except Exception as exc:  # the bus is reconnecting: wait, the consumer is durable
                self._slots.release()
                log.warning("drafter fetch failed: %s", type(exc).__name__)
                await asyncio.sleep(1.0)
                continue
            task = asyncio.create_task(self._guarded(msgs))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _guarded(self, msgs: list[Msg]) -> None:
        try:
            for msg in msgs:
                await self.handle(msg)
        finally:
            self._slots.release()

    async def handle(self, msg: Msg) -> None:
        """Fulfil one request and announce the outcome; ack, nak or give up on the message."""
        try:
            event = Event.model_validate_json(msg.data)
        except ValidationError as exc:  # a malformed event never becomes valid
            await dead_letter(self.js, msg, exc)
            await msg.ack()
            return
        draft_id = None
        try:
            if event.kind == "message.classified":
                await self._assist(event)
                await msg.ack()
                return
            draft_id = await self._draft_id(event)
            if draft_id is not None:
                await self._keeping_progress(msg, self._fulfil(msg, draft_id))
        except Exception as exc:
            await self._settle_error(msg, draft_id, exc)
            return
        await msg.ack()

    async def _assist(self, event: Event) -> None:
        if self.policies is None or event.message_id is None or event.id.endswith(":assist"):
            return  # our own announcement of an assisted message: nothing more to do
        found = event.data.get("classification")
        if isinstance(found, dict):  # skip the sure, same-language majority without a query
            policy = (await self.policies.get(str(event.organization_id))).policy
            language = await self.languages.get(event.organization_id)
            if not needs_assist(found, policy.escalation_threshold, language):
                return
        outcome = await assist(self.sessions, self.router, self.policies,
                               message_id=event.message_id, claims=self.claims)  # fmt: skip
        if outcome is None:
            return
        async with self.sessions() as session:
            message = await session.get(Message, outcome.message_id)
            found = message.classification if message else None
        await emit(self.js, Event(
            id=event_id("message.classified", outcome.message_id, "assist"),
            kind="message.classified", organization_id=outcome.org_id,
            conversation_id=outcome.conversation_id, message_id=outcome.message_id,
            data={"classification": found, "assisted": outcome.done},
        ))  # fmt: skip

    async def _draft_id(self, event: Event) -> uuid.UUID | None:
        given = event.data.get("draft_id")
        if given:
            return uuid.UUID(str(given))
        if event.message_id is None:
            return None
        return await draft_for_message(
            self.sessions, organization_id=event.organization_id, message_id=event.message_id
        )

    async def _fulfil(self, msg: Msg, draft_id: uuid.UUID) -> None:
        last = msg.metadata.num_delivered >= self.config.max_deliver
        outcome = await fulfil(
            self.sessions, self.router, self.lookup, draft_id=draft_id, retry_transient=not last
        )
        if outcome is not None:
            self.fulfilled += 1
        else:
            # Finished on an earlier delivery whose announcement may have been lost.
            outcome = await recent_outcome(self.sessions, draft_id=draft_id)
        if outcome is not None:
            await emit(self.js, announcement(outcome))

    async def _keeping_progress(self, msg: Msg, work: Awaitable[T]) -> T:
        """Await `work`, telling JetStream every few seconds that the message is still ours,
        so a slow provider does not get the draft redelivered to another worker."""
        task = asyncio.ensure_future(work)
        try:
            while True:
                done, _ = await asyncio.wait({task}, timeout=self.config.progress_every_s)
                if done:
                    return task.result()
                await msg.in_progress()
        except asyncio.CancelledError:
            task.cancel()
            raise

    async def _settle_error(self, msg: Msg, draft_id: uuid.UUID | None, error: Exception) -> None:
        outage = _is_outage(error)
        if outage or msg.metadata.num_delivered < self.config.max_deliver:
            log.warning("draft %s not written yet: %s", draft_id, type(error).__name__)
            await msg.nak(delay=self._backoff(msg, error))
            return
        log.error("giving up on draft %s after %s deliveries: %s", draft_id,
                  msg.metadata.num_delivered, type(error).__name__)  # fmt: skip
        try:
            await self._give_up(draft_id, error)
        except Exception as exc:  # the database or the bus went down meanwhile: later
            await msg.nak(delay=self._backoff(msg, exc))
            return
        await msg.ack()

    async def _give_up(self, draft_id: uuid.UUID | None, error: Exception) -> None:
        if draft_id is None:
            return
        reason = f"the draft could not be written: {str(error)[:300] or type(error).__name__}"
        outcome = await fail_draft(self.sessions, draft_id=draft_id, reason=reason)
        if outcome is not None:
            self.fulfilled += 1
            await emit(self.js, announcement(outcome))

    def _backoff(self, msg: Msg, error: Exception) -> float:
        if isinstance(error, DraftBusy | AssistBusy):
            return self.config.busy_delay_s
        backoff = min(2 ** max(0, msg.metadata.num_delivered - 1), 30)
        return float(max(backoff, getattr(error, "retry_after", 0)))


def _is_outage(error: Exception) -> bool:
    """A dependency down or overloaded (or the draft busy elsewhere): wait it out, never count
    it. A `NoRoute` counts: the router already retried and failed over before raising it."""
    if isinstance(error, NoRoute):
        return False
    return isinstance(error, Retriable | OperationalError | DBAPIError | OSError)
