"""JetStream streams (INBOUND, EVENTS, DEADLETTER), created idempotently, and publishing.

A sender is acknowledged only after JetStream stored the message (`publish` awaits the PubAck);
every message carries a `Nats-Msg-Id` so a retried publish is stored once.
"""

from __future__ import annotations

from dataclasses import dataclass

import nats.errors
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, PubAck, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

from store.errors import Retriable

DAY_S = 24 * 3600.0


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]
    max_age_s: float
    max_bytes: int
    duplicate_window_s: float

    def config(self) -> StreamConfig:
        return StreamConfig(
            name=self.name,
            subjects=list(self.subjects),
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            discard=DiscardPolicy.OLD,
            max_age=self.max_age_s,
            max_bytes=self.max_bytes,
            # Refuse rather than silently drop a huge message: the API caps bodies below this.
            max_msg_size=4 * 1024 * 1024,
            duplicate_window=self.duplicate_window_s,
        )


# Inbound is kept a week (a replay after an outage); its duplicate window covers sender retries.
INBOUND = StreamSpec("INBOUND", ("inbound.>",), 7 * DAY_S, 8 * 1024**3, 2 * 3600.0)
# Events feed live clients; a reconnecting client may replay up to three days.
EVENTS = StreamSpec("EVENTS", ("events.>",), 3 * DAY_S, 2 * 1024**3, 2 * 3600.0)
DEADLETTER = StreamSpec("DEADLETTER", ("deadletter.>",), 30 * DAY_S, 1024**3, 3600.0)
STREAMS = (INBOUND, EVENTS, DEADLETTER)

PUBLISH_TIMEOUT_S = 5.0


async def ensure_streams(js: JetStreamContext) -> None:
    """Create the streams, or bring an existing one's limits to what this code expects."""
    for spec in STREAMS:
        try:
            await js.stream_info(spec.name)
        except NotFoundError:
            await js.add_stream(spec.config())
            continue
        try:
            await js.update_stream(spec.config())
        except BadRequestError:
            # A limit the server refuses to change in place (e.g. storage type) stays as it is.
            continue


async def publish(
    js: JetStreamContext,
    subject: str,
    payload: bytes,
    *,
    msg_id: str,
    headers: dict[str, str] | None = None,
) -> PubAck:
    """Publish and wait for JetStream's acknowledgement; a failure is Retriable for the caller."""
    all_headers = {"Nats-Msg-Id": msg_id, **(headers or {})}
    try:
        return await js.publish(subject, payload, headers=all_headers, timeout=PUBLISH_TIMEOUT_S)
    except (nats.errors.TimeoutError, nats.errors.NoRespondersError) as exc:
        raise Retriable("the message bus did not acknowledge; retry", retry_after=2) from exc
    except (nats.errors.ConnectionClosedError, nats.errors.ConnectionReconnectingError) as exc:
        raise Retriable("the message bus is unreachable; retry", retry_after=2) from exc
