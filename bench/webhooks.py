"""Webhook ingestion benchmark: one chat connector (Slack Events API) at 64 concurrent senders,
signature verification included, against a running `make up`.

In one run, on the same realistic texts:

1. the baseline: the generic API channel (POST /api/v1/inbound/{id}, API-key auth), flooded by
   wrk exactly as bench/ingest.py does;
2. Slack `event_callback` deliveries, each signed with Slack's v0 scheme (HMAC-SHA256 over
   `v0:{timestamp}:{body}`, made by the official slack_sdk) and posted to
   POST /api/v1/webhooks/slack/{id}: accepted/s and p95, as a ratio of the baseline;
3. those Slack messages classified and stored per second (first to last row);
4. the verification alone, in process (µs per call), so its share of the request is visible.

    .venv/bin/python bench/webhooks.py [--messages 2000] [--senders 64]

The organization's default draft workflow is switched off: these are the pipeline's figures.
Needs `wrk`. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
import timeit
import uuid
from pathlib import Path

import httpx
from slack_sdk.signature import SignatureVerifier

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.classify import realistic_texts
from bench.ingest import HERE, body, flood, load_stack, stored, wait_stored

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # Slack's documented example secret


async def setup(url: str, senders: int) -> tuple[str, str, str, list[str]]:
    """A fresh organization (drafts off) with an `api` and a `slack` integration, and API keys."""
    tag = uuid.uuid4().hex[:8]
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        r = await http.post("/api/v1/auth/register", json={
            "email": f"webhooks-{tag}@example.com", "password": "benchmark password",
            "name": "Bench", "organization_name": f"Webhooks {tag}"})  # fmt: skip
        r.raise_for_status()
        org_id = r.json()["organization"]["id"]
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        flows = await http.get("/api/v1/workflows", headers=headers)
        for flow in flows.json()["items"]:
            await http.patch(f"/api/v1/workflows/{flow['id']}", headers=headers,
                             json={"is_enabled": False})  # fmt: skip
        api = await http.post("/api/v1/integrations", headers=headers,
                              json={"name": "baseline", "type": "api", "config": {}})  # fmt: skip
        api.raise_for_status()
        slack = await http.post("/api/v1/integrations", headers=headers, json={
            "name": "Slack", "type": "slack",
            "config": {"signing_secret": SIGNING_SECRET,
                       "bot_token": "xoxb-bench-token"}})  # fmt: skip
        slack.raise_for_status()
        keys = []
        for i in range(senders):
            k = await http.post("/api/v1/api-keys", headers=headers,
                                json={"name": f"sender-{i}", "scopes": ["inbound"]})  # fmt: skip
            k.raise_for_status()
            keys.append(str(k.json()["key"]))
    return org_id, str(api.json()["id"]), str(slack.json()["id"]), keys


def slack_event(text: str, channel: str, i: int) -> bytes:
    ts = f"{1_700_000_000 + i}.{i:06d}"
    event = {"type": "message", "channel": channel, "user": f"U{i % 500:08d}", "text": text,
             "ts": ts, "event_ts": ts, "channel_type": "im"}  # fmt: skip
    payload = {"token": "XXYYZZ", "team_id": "T0001", "api_app_id": "A0001", "event": event,
               "type": "event_callback", "event_id": f"Ev{channel}{i:06d}",
               "event_time": 1_700_000_000 + i}  # fmt: skip
    return json.dumps(payload, separators=(",", ":")).encode()


def signed_calls(texts: list[str], channel: str) -> list[tuple[dict[str, str], bytes]]:
    verifier, stamp = SignatureVerifier(SIGNING_SECRET), str(int(time.time()))
    calls = []
    for i, text in enumerate(texts):
        raw = slack_event(text, channel, i)
        signature = verifier.generate_signature(timestamp=stamp, body=raw) or ""
        headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": stamp,
                   "X-Slack-Signature": signature}  # fmt: skip
        calls.append((headers, raw))
    return calls


def flood_webhooks(endpoint: str, calls: list[tuple[dict[str, str], bytes]],
                   senders: int) -> dict[str, float]:  # fmt: skip
    with tempfile.NamedTemporaryFile("w", suffix=".calls") as f:
        for headers, raw in calls:
            head = "\x1f".join(f"{k}={v}" for k, v in headers.items())
            f.write(f"{head}\t{raw.decode()}\n")
        f.flush()
        args = ["wrk", "-t1", f"-c{senders}", "-d60s", "--timeout", "10s",
                "-s", str(HERE / "wrk_webhooks.lua"), endpoint, "--", f.name]  # fmt: skip
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    row: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    row["rps"] = row["requests"] / row["seconds"]
    return row


async def accept_rate(nats_url: str, subject: str, n: int, last: int) -> tuple[int, float]:
    """(messages, accepted per second) from JetStream's own store times: each webhook call is
    published to INBOUND before its 2xx, so first-to-last publish time is the accept rate
    (wrk's own duration is always its -d)."""
    import nats
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        # No acks: the consumer would stop at 1,000 unacknowledged messages.
        config = ConsumerConfig(deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE,
                                mem_storage=True, inactive_threshold=30.0)  # fmt: skip
        sub = await js.pull_subscribe(subject, stream="INBOUND", config=config)
        stamps: list[float] = []
        while len(stamps) < n:
            try:
                batch = await sub.fetch(500, timeout=2.0)
            except TimeoutError:
                break
            stamps += [m.metadata.timestamp.timestamp() for m in batch]
        await sub.unsubscribe()
    finally:
        await nc.close()
    stamps = sorted(stamps)[-last:]  # the measured run, after the warm-up
    span = max(stamps) - min(stamps) if len(stamps) > 1 else 0.0
    return len(stamps), (len(stamps) - 1) / max(span, 1e-6)


def verify_cost_us(calls: list[tuple[dict[str, str], bytes]]) -> float:
    """Our connector's verify() per call, in process (signature + replay window)."""
    from ingestion.connectors.capabilities import Connection, WebhookRequest
    from ingestion.connectors.registry import REGISTRY

    spec = REGISTRY["slack"]
    conn = Connection(integration_id=uuid.uuid4(), organization_id=uuid.uuid4(), channel="slack",
                      config=spec.config_model.model_validate(
                          {"signing_secret": SIGNING_SECRET, "bot_token": "xoxb-x"}))  # fmt: skip
    connector = spec.connector()
    headers, raw = calls[0]
    request = WebhookRequest(method="POST", url="http://x/", query={}, body=raw,
                             headers={k.lower(): v for k, v in headers.items()})  # fmt: skip
    n = 5000
    return timeit.timeit(lambda: connector.verify(conn, request), number=n) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--senders", type=int, default=64)
    args = parser.parse_args()
    stack = load_stack()
    url, database_url = stack["api_url"].rstrip("/"), stack["database_url"]
    texts = [t for t, _ in realistic_texts(args.messages)]
    org_id, api_id, slack_id, keys = asyncio.run(setup(url, args.senders))
    run = uuid.uuid4().hex[:6].upper()
    api_endpoint = f"{url}/api/v1/inbound/{api_id}"
    slack_endpoint = f"{url}/api/v1/webhooks/slack/{slack_id}"
    # Warm-up (not measured): connections, credential and integration caches, batch queues.
    warm = [json.dumps(body(t, f"warm-{run}-{i}", i)) for i, t in enumerate(texts[:256])]
    flood(api_endpoint, keys, warm, args.senders)
    flood_webhooks(slack_endpoint, signed_calls(texts[:256], f"CW{run}"), args.senders)
    wait_stored(database_url, org_id, 256, prefix=f"CW{run}")
    base = flood(api_endpoint, keys,
                 [json.dumps(body(t, f"{run}-{i}", i)) for i, t in enumerate(texts)],
                 args.senders)  # fmt: skip
    wait_stored(database_url, org_id, len(texts), prefix=f"{run}-")
    calls = signed_calls(texts, f"C{run}")
    row = flood_webhooks(slack_endpoint, calls, args.senders)
    first, last = wait_stored(database_url, org_id, len(texts), prefix=f"C{run}:")
    count, _, _ = stored(database_url, org_id, prefix=f"C{run}:")
    nats_url = stack["nats_url"]
    # Warm-up messages are in the same subjects: count the measured run only (the last n).
    _, base_rate = asyncio.run(
        accept_rate(nats_url, f"inbound.{org_id}.api", 256 + len(texts), len(texts))
    )
    _, slack_rate = asyncio.run(
        accept_rate(nats_url, f"inbound.{org_id}.slack", 256 + len(texts), len(texts))
    )
    print(f"{len(texts)} messages, {args.senders} concurrent senders (wrk, one thread)")
    print(f"baseline API channel: {base_rate:7.1f} accepted/s, p50 {base['p50_ms']:.1f} ms, "
          f"p95 {base['p95_ms']:.1f} ms, non-2xx {int(base['non_2xx'])}")  # fmt: skip
    print(f"slack webhooks:       {slack_rate:7.1f} accepted/s, p50 {row['p50_ms']:.1f} ms, "
          f"p95 {row['p95_ms']:.1f} ms, non-2xx {int(row['non_2xx'])}, socket errors "
          f"{int(row['socket_errors'])} = {slack_rate / base_rate:.2f}x the baseline"
          )  # fmt: skip
    rate = (count - 1) / max(last - first, 1e-6)
    print(f"slack messages classified and stored: {count}/{len(texts)}, {rate:.1f} msgs/s")
    print(f"slack verify() in process: {verify_cost_us(calls):.1f} µs per call")


if __name__ == "__main__":
    main()
