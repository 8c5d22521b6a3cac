"""What the webhook route published to JetStream's INBOUND stream, for tests that post to it."""

from __future__ import annotations

from typing import Any

import orjson
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy


async def published(
    js: JetStreamContext, org_id: str, channel: str, limit: int = 50
) -> list[dict[str, Any]]:
    """Every message on `inbound.<org>.<channel>` so far (an ephemeral consumer from the start)."""
    sub = await js.pull_subscribe(
        f"inbound.{org_id}.{channel}",
        stream="INBOUND",
        config=ConsumerConfig(
            deliver_policy=DeliverPolicy.ALL, mem_storage=True, inactive_threshold=10.0
        ),
    )
    try:
        msgs = await sub.fetch(limit, timeout=1.0)
    except TimeoutError:
        return []
    finally:
        await sub.unsubscribe()
    return [orjson.loads(m.data) for m in msgs]
