"""The shape of customer context facts, and how a provider's answer merges into them.

A context connector's `lookup` answers `summarize({...})`: lists (`orders`, `charges`,
`disputes`) newest first and capped, and the newest items' scalars lifted to the top, where
draft placeholders such as `{order_number}` read them. On the contact, the facts of every source
are merged (`merge`) into one such document:

    {"orders": [...], "charges": [...], "disputes": [...],   # newest first, ≤ 5 each, merged
     "order_number": "#1001", "order_status": "fulfilled", ...,  # the newest items' scalars
     "customer_since": "...", "sources": {"shopify": {"fetched_at": ..., "customer_id": ...}},
     "fetched_at": "2024-10-02T14:18:20Z"}

List items carry their provider `id`, an ISO `created_at` and their `source` slug; lifted
scalars are recomputed on every merge, so a webhook that updates one order keeps them true.
Pure functions: the connectors use them, so this module imports none of ours.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

MAX_ITEMS = 5
FRESH_FOR = timedelta(minutes=10)
# Scalars a draft may quote, lifted from the newest item of each list: (top-level key, item key).
LIFTED: dict[str, tuple[tuple[str, str], ...]] = {
    "orders": (("order_number", "order_number"), ("order_status", "status"),
               ("financial_status", "financial_status"),
               ("fulfillment_status", "fulfillment_status"), ("tracking_number", "tracking_number"),
               ("tracking_url", "tracking_url"), ("carrier", "carrier"),
               ("order_total", "total"), ("order_currency", "currency"),
               ("order_date", "created_at")),
    "charges": (("receipt_url", "receipt_url"), ("last_charge_amount", "amount"),
                ("last_charge_currency", "currency"), ("last_charge_status", "status")),
    "disputes": (("dispute_status", "status"), ("dispute_reason", "reason"),
                 ("dispute_amount", "amount")),
}  # fmt: skip
_LIFTED_KEYS = {top for pairs in LIFTED.values() for top, _ in pairs}


def iso_utc(value: Any) -> str | None:
    """Epoch seconds or ISO 8601 (any offset) → `YYYY-MM-DDTHH:MM:SSZ`, so strings sort by time."""
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        if isinstance(value, int | float):
            when = datetime.fromtimestamp(value, UTC)
        else:
            when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)  # providers' "GMT" fields are naive
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def summarize(raw: dict[str, Any]) -> dict[str, Any]:
    """A lookup's answer: lists newest first and capped, the newest items' scalars on top,
    `None`s dropped (a missing fact stays a visible gap in the draft)."""
    facts = {k: v for k, v in raw.items() if v is not None and not isinstance(v, list)}
    for name, items in raw.items():
        if isinstance(items, list):
            facts[name] = _newest(items)
    for name, pairs in LIFTED.items():
        if facts.get(name):
            newest = facts[name][0]
            facts.update({top: newest[k] for top, k in pairs if newest.get(k) is not None})
    return facts


def _newest(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    kept = [{k: v for k, v in item.items() if v is not None} for item in items]
    return sorted(kept, key=lambda i: str(i.get("created_at") or ""), reverse=True)[:MAX_ITEMS]


def merge(current: dict[str, Any], source: str, facts: dict[str, Any], *, replace: bool,
          now: datetime) -> dict[str, Any]:  # fmt: skip
    """`current` with `source`'s facts: replaced (a full lookup) or upserted item by item (a
    webhook naming one order: fields update the known item with that `id`; a new item is added
    only when it is dated)."""
    lists = _lists_by_source(current)
    scalars = {s: dict(v) for s, v in (current.get("sources") or {}).items() if isinstance(v, dict)}
    mine = lists.setdefault(source, {})
    if replace:
        mine.clear()
        scalars[source] = {"fetched_at": iso_utc(now.timestamp())}
    for name, items in facts.items():
        if isinstance(items, list):
            mine[name] = _upsert(mine.get(name, []), items, source)
    own = {k: v for k, v in facts.items() if not isinstance(v, list) and k not in _LIFTED_KEYS}
    scalars.setdefault(source, {}).update({k: v for k, v in own.items() if v is not None})
    merged = _compose(lists, scalars)
    merged["fetched_at"] = iso_utc(now.timestamp()) if replace else current.get("fetched_at")
    return {k: v for k, v in merged.items() if v is not None}


def _lists_by_source(current: dict[str, Any]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    found: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for name, items in current.items():
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and item.get("source"):
                found.setdefault(str(item["source"]), {}).setdefault(name, []).append(dict(item))
    return found


def _upsert(known: list[dict[str, Any]], items: list[dict[str, Any]],
            source: str) -> list[dict[str, Any]]:  # fmt: skip
    by_id = {str(i.get("id")): i for i in known if i.get("id") is not None}
    result = list(known)
    for item in items:
        fresh = {k: v for k, v in item.items() if v is not None}
        same = by_id.get(str(fresh.get("id"))) if fresh.get("id") is not None else None
        if same is not None:
            same.update(fresh)
        elif fresh.get("created_at"):
            result.append({**fresh, "source": source})
    return result


def _compose(lists: dict[str, dict[str, list[dict[str, Any]]]],
             scalars: dict[str, dict[str, Any]]) -> dict[str, Any]:  # fmt: skip
    raw: dict[str, Any] = {}
    for per_source in lists.values():
        for name, items in per_source.items():
            raw.setdefault(name, []).extend(items)
    facts = summarize(raw)

    def recency(source: str) -> str:
        dates = [str(i.get("created_at") or "") for v in lists.get(source, {}).values() for i in v]
        return max(dates, default="")

    for source in sorted(scalars, key=recency, reverse=True):
        for k, v in scalars[source].items():
            if k != "fetched_at" and not isinstance(v, dict | list):
                facts.setdefault(k, v)
    since = [str(s["customer_since"]) for s in scalars.values() if s.get("customer_since")]
    if since:
        facts["customer_since"] = min(since)
    facts["sources"] = scalars
    return facts


def is_fresh(commerce: dict[str, Any], now: datetime, fresh_for: timedelta = FRESH_FOR) -> bool:
    stamp = commerce.get("fetched_at")
    try:
        fetched = datetime.fromisoformat(str(stamp).replace("Z", "+00:00")) if stamp else None
    except ValueError:
        return False
    return fetched is not None and now - fetched < fresh_for
