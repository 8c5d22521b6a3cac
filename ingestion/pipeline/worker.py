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
    batch: int = 32
    concurrency: int = 16  # each in-flight message may hold a database connection
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
            free = max(1, min(self.config.batch, self._slots._value))
            try:
                msgs = await sub.fetch(free, timeout=1.0)
            except TimeoutError:
                continue
            except Exception as exc:  # the bus is reconnecting: wait, the consumer is durable
                log.warning("pipeline fetch failed: %s", type(exc).__name__)
                await asyncio.sleep(1.0)
                continue
            for msg in msgs:
                await self._slots.acquire()
                task = asyncio.create_task(self._guarded(msg))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _guarded(self, msg: Msg) -> None:
        try:
            await self.handle(msg)
        finally:
            self._slots.release()

    async def handle(self, msg: Msg) -> None:
        try:
            inbound = InboundMessage.model_validate_json(msg.data)
        except ValidationError as exc:
            await self._give_up(msg, exc)  # a malformed payload never becomes valid
            return
        try:
            await self._process_waiting_out_outages(msg, inbound)
        except Retriable:
            await msg.nak(delay=self._backoff(msg))
            return
        except Exception as exc:
            if msg.metadata.num_delivered >= self.config.max_deliver:
                log.error("dead-lettering %s after %s deliveries: %s", msg.subject,
                          msg.metadata.num_delivered, type(exc).__name__)  # fmt: skip
                await self._give_up(msg, exc)
            else:
                await msg.nak(delay=self._backoff(msg))
            return
        await msg.ack()
        self.processed += 1

    async def _process_waiting_out_outages(self, msg: Msg, inbound: InboundMessage) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.retry_for_s
        delay = 0.2
        while True:
            try:
                await self.processor.process(inbound)
                return
            except (Retriable, OperationalError, DBAPIError, OSError) as exc:
                if loop.time() + delay > deadline:
                    raise Retriable(f"dependency unavailable: {type(exc).__name__}") from exc
                await msg.in_progress()  # keep the delivery ours while we wait
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def _give_up(self, msg: Msg, error: BaseException) -> None:
        await dead_letter(self.js, msg, error)
        await msg.ack()

    def _backoff(self, msg: Msg) -> float:
        return float(min(2 ** max(0, msg.metadata.num_delivered - 1), 30))
