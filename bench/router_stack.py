"""Router benchmark, the stack under test: databases, Redis, organizations, smoke checks."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PASSWORD = "benchmark password"


def fresh_database(name: str) -> str:
    import psycopg

    from store import migrate

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    migrate.upgrade(url)
    return url


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def flush_redis(url: str) -> int:
    import redis

    client = redis.Redis.from_url(url)
    try:
        size = int(client.dbsize())
        client.flushdb()
        return size
    finally:
        client.close()


def ledger_check(database_url: str, redis_url: str, expected: int) -> dict[str, Any]:
    """Did every completion our gateway served reach the spend ledger in PostgreSQL?"""
    import psycopg
    import redis

    from routing.budget import LEDGER_STREAM
    from store.db import sync_url

    dsn = sync_url(database_url).replace("postgresql+psycopg://", "postgresql://")
    client = redis.Redis.from_url(redis_url)
    t0 = time.time()
    try:
        while True:
            with psycopg.connect(dsn) as conn:
                row = conn.execute("SELECT count(*) FROM provider_usage").fetchone()
            stored = int(row[0]) if row else 0
            pending = int(client.xlen(LEDGER_STREAM))
            if stored >= expected or time.time() - t0 > 15:
                break
            time.sleep(0.5)
    finally:
        client.close()
    return {
        "expected": expected,
        "stored": stored,
        "in_stream": pending,
        "waited_s": round(time.time() - t0, 1),
    }


def make_org(base: str, upstream_port: int) -> dict[str, str]:
    """Register an organization, give it an `llm` API key and a policy routing to the fake."""
    import httpx

    tag = uuid.uuid4().hex[:8]
    with httpx.Client(base_url=base, timeout=60) as http:
        r = http.post(
            "/api/v1/auth/register",
            json={
                "email": f"router-{tag}@example.com",
                "password": PASSWORD,
                "name": "Bench",
                "organization_name": f"Router bench {upstream_port} {tag}",
            },
        )
        r.raise_for_status()
        admin = {"Authorization": f"Bearer {r.json()['access_token']}"}
        k = http.post("/api/v1/api-keys", headers=admin, json={"name": "bench", "scopes": ["llm"]})
        k.raise_for_status()
        policy = {
            "providers": {
                "openai": {
                    "base_url": f"http://127.0.0.1:{upstream_port}/v1",
                    "api_key": "sk-dummy",
                }
            },
            "tasks": {"draft": {"models": ["openai:gpt-4o-mini"], "max_output_tokens": 16}},
            "budgets": {"daily_usd": 1000000, "monthly_usd": 1000000},
            "mask_pii": True,
        }
        p = http.put("/api/v1/routing/policy", headers=admin, json=policy)
        if p.status_code != 200:
            raise RuntimeError(f"PUT /api/v1/routing/policy: {p.status_code} {p.text[:500]}")
        return {"org_id": r.json()["organization"]["id"], "key": str(k.json()["key"])}


def smoke(base_v1: str, key: str, model: str) -> dict[str, Any]:
    """One plain and one streamed completion by hand: 200, content "ok", `[DONE]` at the end."""
    import httpx

    body = {"model": model, "messages": [{"role": "user", "content": "Say ok."}], "max_tokens": 16}
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(timeout=30, headers=headers) as http:
        r = http.post(f"{base_v1}/chat/completions", json=body)
        content = r.json()["choices"][0]["message"]["content"] if r.status_code == 200 else None
        s = http.post(f"{base_v1}/chat/completions", json={**body, "stream": True})
        deltas = []
        for line in s.text.splitlines():
            if line.startswith("data: {"):
                for choice in json.loads(line[6:]).get("choices") or []:
                    deltas.append((choice.get("delta") or {}).get("content") or "")
        m = http.get(f"{base_v1}/models")
    out = {
        "status": r.status_code,
        "content": content,
        "stream_status": s.status_code,
        "stream_content": "".join(deltas),
        "stream_done": "data: [DONE]" in s.text,
        "models_status": m.status_code,
    }
    if not (
        r.status_code == s.status_code == 200
        and content == "ok"
        and out["stream_done"]
        and out["stream_content"] == "ok"
    ):
        raise RuntimeError(
            f"smoke check failed for {base_v1}: {out}; body {r.text[:500]}; stream {s.text[:500]}"
        )
    return out


def run_stream(
    peer_py: str, peer_dir: Path, url: str, n: int, c: int, model: str, key: str
) -> dict[str, Any]:
    """load.py with --stream (the peer's run_load has no stream switch)."""
    cmd = [
        peer_py,
        str(peer_dir / "load.py"),
        "--base-url",
        url,
        "-n",
        str(n),
        "-c",
        str(c),
        "--model",
        model,
        "--api-key",
        key,
        "--stream",
        "--json",
    ]
    p = subprocess.run(cmd, capture_output=True, text=True)
    try:
        return dict(json.loads(p.stdout.strip().splitlines()[-1]))
    except Exception as exc:
        raise RuntimeError(
            f"load.py --stream failed rc={p.returncode}: {p.stderr[-1000:]}"
        ) from exc


# -- profile --------------------------------------------------------------------------------------
