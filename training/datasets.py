"""The public datasets the default heads learn from, loaded and split without leakage.

Bitext repeats instructions (one per response), so it is split by unique instruction; the
airline tweets repeat ids and texts, so they are deduplicated by text first. Every split is a
seeded shuffle: train / calibration (temperature) / validation (model choice, ECE) / test (the
held-out figure, read once at the end).
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

Example = tuple[str, str]

SPLITS = ("train", "calibration", "validation", "test")
FRACTIONS = (0.7, 0.1, 0.1, 0.1)


def datasets_root() -> Path:
    """`SWITCHBOARD_DATASETS`, else the copies kept in `training/data/public/` (with SOURCE.md)."""
    configured = os.environ.get("SWITCHBOARD_DATASETS")
    if configured:
        return Path(configured)
    return Path(__file__).parent / "data" / "public"


@dataclass(frozen=True)
class Splits:
    """Four disjoint lists of (text, label)."""

    train: list[Example]
    calibration: list[Example]
    validation: list[Example]
    test: list[Example]

    def head(self, limit: int | None) -> Splits:
        """The first `limit` examples of each split (all of them for None): small test runs."""
        if limit is None:
            return self
        return Splits(*(list(getattr(self, n)[:limit]) for n in SPLITS))

    def get(self, name: str) -> list[Example]:
        if name not in SPLITS:
            raise KeyError(name)
        examples: list[Example] = getattr(self, name)
        return examples


def split_unique(examples: Sequence[Example], *, seed: int) -> Splits:
    """Shuffles unique texts and cuts them 70/10/10/10; a text never lands in two splits."""
    first_label: dict[str, str] = {}
    for text, label in examples:
        first_label.setdefault(text, label)
    texts = sorted(first_label)
    random.Random(seed).shuffle(texts)
    cuts, start = [], 0
    for fraction in FRACTIONS[:-1]:
        cuts.append((start, start + round(fraction * len(texts))))
        start = cuts[-1][1]
    cuts.append((start, len(texts)))
    parts = [[(t, first_label[t]) for t in texts[a:b]] for a, b in cuts]
    return Splits(*parts)


def bitext(root: Path | None = None) -> list[tuple[str, str, str]]:
    """(instruction, intent, category) rows of Bitext v11, in file order."""
    path = (root or datasets_root()) / "bitext_customer_support"
    with (path / "bitext_v11_instruction_category_intent.csv").open(newline="") as handle:
        return [(r["instruction"], r["intent"], r["category"]) for r in csv.DictReader(handle)]


_MENTION = re.compile(r"(?<!\w)@\w+")


def strip_mentions(text: str) -> str:
    """Tweets open with @airline handles; they carry no sentiment and skew short texts."""
    return " ".join(_MENTION.sub(" ", text).split())


def airline(root: Path | None = None) -> list[Example]:
    """(tweet text without handles, sentiment), deduplicated by text."""
    path = (root or datasets_root()) / "airline_sentiment" / "Tweets.csv"
    seen: dict[str, str] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            text = strip_mentions(row["text"])
            if text:
                seen.setdefault(text, row["airline_sentiment"])
    return list(seen.items())


def clinc(root: Path | None = None) -> dict[str, list[Example]]:
    """CLINC150 splits as published: train/val/test and oos_train/oos_val/oos_test."""
    path = (root or datasets_root()) / "clinc150" / "data_full.json"
    data = json.loads(path.read_text())
    return {name: [(str(t), str(label)) for t, label in rows] for name, rows in data.items()}


def massive(split: str, root: Path | None = None) -> list[Example]:
    """MASSIVE en-US (voice-assistant requests): off-topic text for the scope head."""
    path = (root or datasets_root()) / "massive_en" / f"{split}.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [(str(r["text"]), str(r["label_text"])) for r in rows]
