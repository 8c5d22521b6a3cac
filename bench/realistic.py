"""Accuracy of the in-process classifier on hand-written realistic customer messages.

The file (bench/data/realistic_messages.jsonl) holds emails, chats and SMS written independently
of the training data: long and noisy, some non-English, some off-topic, some carrying PII. This
prints intent/category accuracy (overall, English only, by channel), language accuracy, PII
recall and precision, and how often non-English or off-topic text is flagged `needs_review`.

    .venv/bin/python bench/realistic.py [--file bench/data/realistic_messages.jsonl] [--show-errors]

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from models.contract import Classification
from models.service import ClassifierService

DEFAULT_FILE = Path(__file__).parent / "data" / "realistic_messages.jsonl"
PII_TYPES = ("email", "phone", "card", "iban")
Row = dict[str, Any]
Pair = tuple[Row, Classification]


def load_service(attempts: int = 3) -> ClassifierService:
    """The default bundle may be mid-rewrite by a training job: wait and retry."""
    for attempt in range(attempts):
        try:
            return ClassifierService.load()
        except Exception as error:
            if attempt == attempts - 1:
                raise
            print(f"loading the bundle failed ({error!r}); retrying in 60 s")
            time.sleep(60)
    raise AssertionError("unreachable")


def share(hits: Iterable[bool]) -> str:
    flags = list(hits)
    if not flags:
        return "n/a (0)"
    return f"{sum(flags) / len(flags):6.1%} ({sum(flags)}/{len(flags)})"


def share_of(hits: int, total: int) -> str:
    return share([True] * hits + [False] * (total - hits))


def accuracy(title: str, pairs: list[Pair]) -> None:
    intent = share(r["intent"] == c.intent.label for r, c in pairs)
    category = share(r["category"] == c.category.label for r, c in pairs)
    print(f"  {title:<22} intent {intent:<18} category {category}")


def gold_spans(row: Row) -> list[tuple[str, int, int]]:
    spans = []
    for item in row["pii"]:
        start = row["text"].index(item["value"])
        spans.append((item["type"], start, start + len(item["value"])))
    return spans


def overlaps(kind: str, start: int, end: int, spans: Iterable[tuple[str, int, int]]) -> bool:
    return any(k == kind and s < end and start < e for k, s, e in spans)


def pii_report(pairs: list[Pair]) -> list[str]:
    """Print recall and precision per type; return one line per missed or spurious span."""
    errors: list[str] = []
    found = {t: [0, 0] for t in PII_TYPES}  # type -> [gold found, gold total]
    right = {t: [0, 0] for t in PII_TYPES}  # type -> [predicted correct, predicted total]
    for row, result in pairs:
        gold = gold_spans(row)
        predicted = [(p.type, p.start, p.end) for p in result.pii if p.type in PII_TYPES]
        for kind, start, end in gold:
            hit = overlaps(kind, start, end, predicted)
            found[kind][0] += hit
            found[kind][1] += 1
            if not hit:
                errors.append(f"  {row['id']} missed {kind}: {row['text'][start:end]!r}")
        for kind, start, end in predicted:
            hit = overlaps(kind, start, end, gold)
            right[kind][0] += hit
            right[kind][1] += 1
            if not hit:
                errors.append(f"  {row['id']} spurious {kind}: {row['text'][start:end]!r}")
    for kind in PII_TYPES:
        print(f"  {kind:<6} recall {share_of(*found[kind]):<18} precision {share_of(*right[kind])}")
    total_found = [sum(v[i] for v in found.values()) for i in (0, 1)]
    total_right = [sum(v[i] for v in right.values()) for i in (0, 1)]
    print(f"  {'all':<6} recall {share_of(*total_found):<18} precision {share_of(*total_right)}")
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()

    rows: list[Row] = [json.loads(line) for line in args.file.read_text().splitlines() if line]
    service = load_service()
    started = time.perf_counter()
    results = service.classify([row["text"] for row in rows])
    elapsed = time.perf_counter() - started
    pairs: list[Pair] = list(zip(rows, results, strict=True))
    on_topic = [(r, c) for r, c in pairs if not r["off_topic"]]
    english = [(r, c) for r, c in on_topic if r["language"] == "en"]
    foreign = [(r, c) for r, c in pairs if r["language"] != "en"]
    off_topic = [(r, c) for r, c in pairs if r["off_topic"]]
    print(f"{len(rows)} messages from {args.file} classified in {elapsed:.1f} s")

    print("\nIntent and category accuracy (on-topic messages)")
    accuracy("all", on_topic)
    accuracy("English only", english)
    for channel in ("email", "chat", "sms"):
        accuracy(f"channel {channel}", [(r, c) for r, c in on_topic if r["channel"] == channel])

    print("\nReview flags and language")
    flagged = {"on-topic English": english, "non-English": foreign, "off-topic": off_topic}
    for title, group in flagged.items():
        print(f"  {title + ' flagged needs_review':<40}{share(c.needs_review for _, c in group)}")
    wrong = [(r, c) for r, c in on_topic if r["intent"] != c.intent.label]
    confident = [(r, c) for r, c in wrong if not c.needs_review]
    print(f"  confidently wrong (on-topic, wrong intent, not flagged): {len(confident)}")
    language = share(r["language"] == c.language.label for r, c in pairs)
    print(f"  {'language accuracy':<40}{language}")

    print("\nPII (a gold value is found when a predicted span of its type overlaps it)")
    pii_errors = pii_report(pairs)

    if not args.show_errors:
        return
    print("\nIntent misses (id, gold, predicted, confidence, flagged)")
    for row, c in wrong:
        print(
            f"  {row['id']} {row['channel']:<5} {row['language']} {row['intent']:<25} "
            f"{c.intent.label:<25} {c.intent.confidence:.2f} {'review' if c.needs_review else '-'}"
        )
    print("\nLanguage misses (id, gold, predicted, confidence)")
    for row, c in pairs:
        if row["language"] != c.language.label:
            print(f"  {row['id']} {row['language']} {c.language.label} {c.language.confidence:.2f}")
    print("\nOff-topic not flagged (id, predicted intent, confidence)")
    for row, c in off_topic:
        if not c.needs_review:
            print(f"  {row['id']} {c.intent.label} {c.intent.confidence:.2f}")
    print("\nPII misses (missed gold values, spurious predicted spans)")
    print("\n".join(pii_errors))


if __name__ == "__main__":
    main()
