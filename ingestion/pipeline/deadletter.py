"""DEADLETTER: messages the pipeline gave up on, with the error, listable and replayable."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from ingestion.streams import DEADLETTER, publish
from store.errors import NotFound

H_ERROR, H_TYPE, H_DELIVERIES = "Sb-Error", "Sb-Error-Type", "Sb-Deliveries"
H_SUBJECT, H_SEQ, H_FAILED_AT = "Sb-Original-Subject", "Sb-Original-Seq", "Sb-Failed-At"


def org_of(subject: str) -> str:
    """`inbound.<org>.<channel>` → `<org>` ("unknown" for a subject that is not ours)."""
    parts = subject.split(".")
    return parts[1] if len(parts) >= 3 else "unknown"


async def dead_letter(js: JetStreamContext, msg: Msg, error: BaseException) -> None:
    """Copy the message to `deadletter.<org>` with why it failed; the caller then acks it."""
    meta = msg.metadata
    reason = str(error)[:500] or type(error).__name__
    headers = {
        H_ERROR: reason.replace("\r", " ").replace("\n", " "),
        H_TYPE: type(error).__name__,
        H_DELIVERIES: str(meta.num_delivered),
        H_SUBJECT: msg.subject,
        H_SEQ: str(meta.sequence.stream),
        H_FAILED_AT: datetime.now(UTC).isoformat(),
    }
    await publish(
        js,
        f"deadletter.{org_of(msg.subject)}",
        msg.data,
        msg_id=f"dl:{meta.sequence.stream}",
        headers=headers,
    )


@dataclass(frozen=True)
class DeadLetter:
    seq: int
    subject: str
    error: str
    error_type: str
    deliveries: int
    failed_at: str
    message: dict[str, Any] | None

    @classmethod
    def of(cls, seq: int, headers: dict[str, str], data: bytes) -> DeadLetter:
        try:
            body = orjson.loads(data)
            message = body if isinstance(body, dict) else None
        except orjson.JSONDecodeError:
            message = None
        return cls(
            seq=seq,
            subject=headers.get(H_SUBJECT, ""),
            error=headers.get(H_ERROR, ""),
            error_type=headers.get(H_TYPE, ""),
            deliveries=int(headers.get(H_DELIVERIES, "0") or 0),
            failed_at=headers.get(H_FAILED_AT, ""),
            message=message,
        )


async def list_dead_letters(
    js: JetStreamContext, org_id: uuid.UUID, *, after_seq: int = 0, limit: int = 50
) -> list[DeadLetter]:
    """The organization's dead letters in stream order, after `after_seq` (a cursor)."""
    try:
        info = await js.stream_info(DEADLETTER.name)
    except NotFoundError:
        return []
    if info.state.messages == 0 or after_seq >= info.state.last_seq:
        return []
    sub = await js.pull_subscribe(
        f"deadletter.{org_id}",
        stream=DEADLETTER.name,
        config=ConsumerConfig(
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=after_seq + 1,
            ack_policy=AckPolicy.NONE,
            inactive_threshold=30.0,
            mem_storage=True,
        ),
    )
    found: list[DeadLetter] = []
    try:
        while len(found) < limit:
            batch = await _fetch(sub, limit - len(found))
            for m in batch:
                found.append(DeadLetter.of(m.metadata.sequence.stream, m.headers or {}, m.data))
            if not batch or m.metadata.num_pending == 0:
                break
    finally:
        await sub.unsubscribe()
    return found


async def _fetch(sub: Any, count: int) -> list[Msg]:
    try:
        return list(await sub.fetch(count, timeout=0.5))
    except TimeoutError:
        return []


async def replay(js: JetStreamContext, org_id: uuid.UUID, seq: int) -> str:
    """Put a dead letter back on its inbound subject and remove it; returns that subject."""
    try:
        raw = await js.get_msg(DEADLETTER.name, seq)
    except NotFoundError:
        raise NotFound("dead letter not found") from None
    if raw.subject != f"deadletter.{org_id}":
        raise NotFound("dead letter not found")
    headers = dict(raw.headers or {})
    subject = str(headers.get(H_SUBJECT, ""))
    if not subject.startswith(f"inbound.{org_id}."):
        raise NotFound("dead letter not found")
    await publish(js, subject, raw.data or b"", msg_id=f"replay:{seq}")
    await js.delete_msg(DEADLETTER.name, seq)
    return subject
