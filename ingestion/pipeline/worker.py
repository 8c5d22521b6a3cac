"""The pipeline worker: a durable pull consumer on INBOUND feeding `MessageProcessor`.

At-least-once delivery plus idempotent steps give exactly-once effects. A dependency that is
down or overloaded (Serve's 503, PostgreSQL restarting) is waited out: the message is kept in
progress and retried, then nak'ed with a delay, never dead-lettered. Any other error is retried
with backoff; after `max_deliver` deliveries the message moves to DEADLETTER with its error.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, OperationalError

from ingestion.contract import InboundMessage
from ingestion.pipeline.deadletter import dead_letter
from ingestion.pipeline.processor import MessageProcessor
from ingestion.streams import INBOUND
from store.errors import Retriable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerConfig:
    durable: str = "pipeline"
    filter_subject: str = "inbound.>"
    batch: int = 32  # messages fetched, and classified, together
    concurrency: int = 2  # batches in flight per worker
    ack_wait_s: float = 30.0
    max_deliver: int = 5  # for errors that are not a dependency being down
    retry_for_s: float = 20.0  # how long one delivery waits out a dependency before nak


class PipelineWorker:
    """Pulls batches and processes them concurrently (bounded); run several for throughput."""

    def __init__(
        self, js: JetStreamContext, processor: MessageProcessor, config: WorkerConfig | None = None
    ) -> None:
        self.js = js
        self.processor = processor
        self.config = config or WorkerConfig()
        self._slots = asyncio.Semaphore(self.config.concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self.processed = 0

    def consumer_config(self) -> ConsumerConfig:
        c = self.config
        return ConsumerConfig(
            durable_name=c.durable,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=c.ack_wait_s,
            max_deliver=-1,  # we decide when to give up (dependency outages never count)
            max_ack_pending=max(1000, 4 * c.concurrency),
            filter_subject=c.filter_subject,
        )

    async def run(self, stop: asyncio.Event) -> None:
        sub = await self.js.pull_subscribe(
            self.config.filter_subject,
            durable=self.config.durable,
            stream=INBOUND.name,
            config=self.consumer_config(),
        )
        while not stop.is_set():
            await self._slots.acquire()
            try:
                msgs = await sub.fetch(self.config.batch, timeout=1.0)
            except TimeoutError:
                self._slots.release()
                continue
            except Exception as exc:  # the bus is reconnecting: wait, the consumer is durable
                self._slots.release()
                log.warning("pipeline fetch failed: %s", type(exc).__name__)
                await asyncio.sleep(1.0)
                continue
            task = asyncio.create_task(self._guarded(msgs))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _guarded(self, msgs: list[Msg]) -> None:
        try:
            await self.handle(msgs)
        finally:
            self._slots.release()

    async def handle(self, msgs: list[Msg]) -> None:
        """Process one fetched batch; ack, nak or dead-letter each message on its own."""
        valid: list[tuple[Msg, InboundMessage]] = []
        for msg in msgs:
            try:
                valid.append((msg, InboundMessage.model_validate_json(msg.data)))
            except ValidationError as exc:
                await self._give_up(msg, exc)  # a malformed payload never becomes valid
        if not valid:
            return
        outcomes = await self._process_waiting_out_outages(valid)
        for (msg, _), outcome in zip(valid, outcomes, strict=True):
            await self._settle(msg, outcome)

    async def _settle(self, msg: Msg, outcome: object) -> None:
        if not isinstance(outcome, BaseException):
            await msg.ack()
            self.processed += 1
        elif _is_outage(outcome):
            await msg.nak(delay=self._backoff(msg))
        elif msg.metadata.num_delivered >= self.config.max_deliver:
            log.error("dead-lettering %s after %s deliveries: %s", msg.subject,
                      msg.metadata.num_delivered, type(outcome).__name__)  # fmt: skip
            await self._give_up(msg, outcome)
        else:
            await msg.nak(delay=self._backoff(msg))

    async def _process_waiting_out_outages(
        self, batch: list[tuple[Msg, InboundMessage]]
    ) -> list[object]:
        """Retry what failed because a dependency is down, keeping those deliveries ours, for up
        to `retry_for_s`; what still fails is returned as its error."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.retry_for_s
        outcomes: list[object] = [None] * len(batch)
        pending = list(range(len(batch)))
        delay = 0.2
        while pending:
            try:
                results = await self.processor.process_many([batch[i][1] for i in pending])
            except Exception as exc:  # the whole batch failed (classifier or database down)
                results = [exc] * len(pending)
            for index, result in zip(pending, results, strict=True):
                outcomes[index] = result
            pending = [i for i in pending if _is_outage(outcomes[i])]
            if not pending or loop.time() + delay > deadline:
                break
            for i in pending:
                await batch[i][0].in_progress()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)
        return outcomes

    async def _give_up(self, msg: Msg, error: BaseException) -> None:
        await dead_letter(self.js, msg, error)
        await msg.ack()

    def _backoff(self, msg: Msg) -> float:
        return float(min(2 ** max(0, msg.metadata.num_delivered - 1), 30))


def _is_outage(outcome: object) -> bool:
    """A dependency down or overloaded: wait it out, never count it toward dead-lettering."""
    return isinstance(outcome, Retriable | OperationalError | DBAPIError | OSError)
