"""The labelled texts each default head learns from, as the serving path will see them.

Every text goes through `models.pipeline.prepare` (the same cleaning as at inference). Training
splits are augmented with email, chat and SMS renderings of the same requests, so the heads
learn to find the request inside greetings, stories, signatures and quoted threads.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from models.pipeline import prepare
from training import datasets
from training.synth import email_eval_set, fill_placeholders, render


@dataclass(frozen=True)
class Corpus:
    """Prepared texts and labels per named split (train, calibration, validation, test_*)."""

    labels: tuple[str, ...]
    splits: dict[str, tuple[list[str], list[str]]]


def _prepared(examples: Sequence[tuple[str, str]]) -> tuple[list[str], list[str]]:
    return [prepare(text) for text, _ in examples], [label for _, label in examples]


def _filled(examples: Sequence[tuple[str, str]], seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    return [(fill_placeholders(text, rng), label) for text, label in examples]


def _rendered(
    examples: Sequence[tuple[str, str]], seed: int, share: float = 1.0
) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    picked = [e for e in examples if rng.random() < share]
    return [(render(text, rng, intent=label), label) for text, label in picked]


def _augmented(
    examples: Sequence[tuple[str, str]], seed: int, share: float = 1.0
) -> list[tuple[str, str]]:
    return [*_filled(examples, seed), *_rendered(examples, seed + 1, share)]


def intents(seed: int, limit: int | None = None) -> Corpus:
    """Bitext intents split by unique instruction; test kept as one-liners and as emails."""
    rows = [(i, intent) for i, intent, _ in datasets.bitext()]
    splits = datasets.split_unique(rows, seed=seed).head(limit)
    out = {
        "train": _prepared(_augmented(splits.train, seed)),
        "calibration": _prepared(_augmented(splits.calibration, seed + 10)),
        "validation": _prepared(_augmented(splits.validation, seed + 20)),
        "test_short": _prepared(_filled(splits.test, seed + 30)),
        "test_email": _prepared(email_eval_set(splits.test, seed=seed + 40)),
    }
    labels = tuple(sorted({intent for _, intent, _ in datasets.bitext()}))
    return Corpus(labels, out)


def sentiments(seed: int, limit: int | None = None) -> Corpus:
    """Airline tweets (deduplicated), half of training also rendered as longer messages."""
    splits = datasets.split_unique(datasets.airline(), seed=seed).head(limit)
    out = {
        "train": _prepared(_augmented(splits.train, seed, share=0.5)),
        "calibration": _prepared(splits.calibration),
        "validation": _prepared(splits.validation),
        "test_short": _prepared(splits.test),
        "test_email": _prepared(email_eval_set(splits.test, seed=seed + 40)),
    }
    return Corpus(("negative", "neutral", "positive"), out)


def _shuffled(rows: Sequence[tuple[str, str]], seed: int) -> list[tuple[str, str]]:
    rows = list(rows)
    random.Random(seed).shuffle(rows)
    return rows


def _off_topic(examples: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(text, "out_of_scope") for text, _ in examples]


def _on_topic(examples: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(text, "in_scope") for text, _ in examples]


def scope(seed: int, limit: int | None = None) -> Corpus:
    """In scope: Bitext requests. Out of scope: CLINC150 (all of it) and MASSIVE requests."""
    bitext = datasets.split_unique([(i, i) for i, _, _ in datasets.bitext()], seed=seed)
    bitext = bitext.head(limit)
    clinc = {name: _shuffled(rows, seed)[:limit] for name, rows in datasets.clinc().items()}
    massive = {
        s: _shuffled(datasets.massive(s), seed)[:limit] for s in ("train", "validation", "test")
    }
    held = [*clinc["val"], *clinc["oos_val"], *massive["validation"]]
    random.Random(seed).shuffle(held)
    half = len(held) // 2
    negatives = {
        "train": _off_topic(
            _augmented(
                [*clinc["train"], *clinc["oos_train"], *datasets.massive("train")], seed, 0.5
            )
        ),
        "calibration": _off_topic(held[:half]),
        "validation": _off_topic(held[half:]),
        "test_oos": _off_topic(clinc["oos_test"]),
        "test_massive": _off_topic(massive["test"]),
    }
    positives = {
        "train": _on_topic(_augmented(bitext.train, seed)),
        "calibration": _on_topic(_augmented(bitext.calibration, seed + 10)),
        "validation": _on_topic(_augmented(bitext.validation, seed + 20)),
        "test_in_scope": _on_topic(email_eval_set(_filled(bitext.test, seed), seed=seed + 40)),
    }
    out = {}
    for name in {*negatives, *positives}:
        out[name] = _prepared([*positives.get(name, []), *negatives.get(name, [])])
    return Corpus(("in_scope", "out_of_scope"), out)
