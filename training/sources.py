"""Training sources for the model lifecycle, each cut the same way every time.

A source has four disjoint splits of (text, label):
- `train`: what the model learns from;
- `validation`: what chooses (C, the epoch, the head), cut from training data;
- `gate`: a fixed held-out split, also cut from training data, on which a challenger and the
  champion are compared before a promotion; nothing is ever chosen on it;
- `test`: the official test split, read only to report final figures.

Cuts are by unique text, by a hash of the text (not a shuffle), so a text always lands in the
same split however the data grows: an organization's new corrections never move an old text
from gate to train. CLINC150 also carries its out-of-scope texts (`oos_validation` picks the
review threshold, `oos_test` is reported).
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from training import datasets

Example = tuple[str, str]

PUBLIC = ("banking77", "clinc150", "bitext")
ORG = "org"
SOURCES = (*PUBLIC, ORG)
OOS_LABEL = "oos"

# Per mille of training data held out for validation and for the gate.
VALIDATION_PERMILLE = 100
GATE_PERMILLE = 100


def same_text(text: str) -> str:
    """What makes two texts the same one for cutting and deduplication."""
    return text.strip().lower()


def bucket(text: str) -> int:
    """0..999, stable across runs and machines (not Python's salted hash)."""
    digest = hashlib.blake2b(same_text(text).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % 1000


def cut(text: str, *, validation: bool = True) -> str:
    """Which split a training text belongs to: "gate", "validation" or "train"."""
    b = bucket(text)
    if b < GATE_PERMILLE:
        return "gate"
    if validation and b < GATE_PERMILLE + VALIDATION_PERMILLE:
        return "validation"
    return "train"


@dataclass
class Source:
    name: str
    train: list[Example] = field(default_factory=list)
    validation: list[Example] = field(default_factory=list)
    gate: list[Example] = field(default_factory=list)
    test: list[Example] = field(default_factory=list)
    oos_validation: list[str] = field(default_factory=list)
    oos_test: list[str] = field(default_factory=list)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(sorted({label for _, label in self.train}))

    def split(self, name: str) -> list[Example]:
        if name not in ("train", "validation", "gate", "test"):
            raise KeyError(f"no split {name!r}: train, validation, gate or test")
        examples: list[Example] = getattr(self, name)
        return examples

    def counts(self) -> dict[str, int]:
        return {
            "train": len(self.train),
            "validation": len(self.validation),
            "gate": len(self.gate),
            "test": len(self.test),
            "labels": len(self.labels),
        }

    def add(self, examples: Iterable[Example]) -> int:
        """Merges examples (an organization's labels): by hash into train/validation/gate,
        never a text already present and never one of the official test texts."""
        splits = (self.train, self.validation, self.gate, self.test)
        known = {same_text(text) for split in splits for text, _ in split}
        added = 0
        for text, label in examples:
            if same_text(text) in known:
                continue
            known.add(same_text(text))
            self.split(cut(text)).append((text, label))
            added += 1
        return added

    def limited(self, limit: int | None) -> Source:
        """At most `limit` examples per split, spread across labels (small test runs)."""
        if limit is None:
            return self
        return Source(
            self.name,
            train=_spread(self.train, limit),
            validation=_spread(self.validation, limit),
            gate=_spread(self.gate, limit),
            test=_spread(self.test, limit),
            oos_validation=self.oos_validation[:limit],
            oos_test=self.oos_test[:limit],
        )

    def restricted(self, labels: Sequence[str]) -> Source:
        """Only the given labels (small test runs): every split keeps what train can predict."""
        keep = set(labels)

        def only(rows: list[Example]) -> list[Example]:
            return [e for e in rows if e[1] in keep]

        return Source(
            self.name,
            train=only(self.train),
            validation=only(self.validation),
            gate=only(self.gate),
            test=only(self.test),
            oos_validation=self.oos_validation,
            oos_test=self.oos_test,
        )


def _spread(examples: list[Example], limit: int) -> list[Example]:
    by_label: dict[str, list[Example]] = {}
    for example in examples:
        by_label.setdefault(example[1], []).append(example)
    out: list[Example] = []
    queues = [list(reversed(rows)) for _, rows in sorted(by_label.items())]
    while len(out) < limit and any(queues):
        for queue in queues:
            if queue and len(out) < limit:
                out.append(queue.pop())
    return out


def _from_training(name: str, rows: Iterable[Example], test: list[Example]) -> Source:
    source = Source(name, test=list(test))
    # Published training data repeats a few official test texts: they stay test only.
    official = {same_text(text) for text, _ in source.test}
    seen: set[str] = set()
    for text, label in rows:
        if text in seen or same_text(text) in official:
            continue
        seen.add(text)
        source.split(cut(text)).append((text, label))
    return source


def banking77() -> Source:
    """PolyAI Banking77: 77 intents; train cut into train/validation/gate; official test."""
    root = datasets.datasets_root() / "banking77"

    def read(name: str) -> list[Example]:
        with (root / f"{name}.csv").open(newline="") as handle:
            return [(row["text"].strip(), row["category"]) for row in csv.DictReader(handle)]

    return _from_training("banking77", read("train"), read("test"))


def clinc150() -> Source:
    """CLINC150 (full): 150 in-scope intents. Its published `val` is the validation split; the
    gate is cut from `train`; out-of-scope texts are kept apart for the threshold and report."""
    data = datasets.clinc()
    source = Source("clinc150", test=data["test"], validation=data["val"])
    published = {same_text(text) for text, _ in (*data["val"], *data["test"])}
    for text, label in data["train"]:
        if same_text(text) in published:
            continue
        (source.gate if bucket(text) < GATE_PERMILLE else source.train).append((text, label))
    source.oos_validation = [text for text, _ in data["oos_val"]]
    source.oos_test = [text for text, _ in data["oos_test"]]
    return source


def bitext() -> Source:
    """Bitext customer support (27 intents, the default heads' taxonomy). It has no official
    test split: a fixed tenth of its unique instructions is held out as one."""
    rows = [(text, intent) for text, intent, _ in datasets.bitext()]
    test = [(t, label) for t, label in dict(rows).items() if bucket(t) >= 900]
    rest = [(t, label) for t, label in rows if bucket(t) < 900]
    return _from_training("bitext", rest, test)


def load(name: str) -> Source:
    if name == "banking77":
        return banking77()
    if name == "clinc150":
        return clinc150()
    if name == "bitext":
        return bitext()
    raise KeyError(f"unknown public dataset {name!r}; one of {', '.join(PUBLIC)}")


def for_run(dataset: str, params: dict[str, object]) -> Source:
    """The public data a run on `dataset` starts from: the dataset itself, or for `org` its
    `base` (default bitext; "none" for the organization's labels alone)."""
    if dataset != ORG:
        return load(dataset)
    base = str(params.get("base", "bitext"))
    source = load(base) if base != "none" else Source(ORG)
    source.name = ORG
    return source


def shaped(source: Source, params: dict[str, object]) -> Source:
    """`labels` and `limit` of a run's params (quick experiments and tests) applied: the gate
    cuts a version's data exactly as its training run did."""
    labels = params.get("labels")
    if isinstance(labels, list) and labels:
        source = source.restricted([str(x) for x in labels])
    limit = params.get("limit")
    if isinstance(limit, int) and limit:
        source = source.limited(limit)
    return source
