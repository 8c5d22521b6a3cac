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


# CLINC150 intents that are requests of the Bitext taxonomy in other words ("did my order get
# here yet"): their training rows teach the intent head natural phrasings Bitext lacks, and the
# scope head that they are in scope.
CLINC_AS_BITEXT = {"order_status": "track_order", "card_declined": "payment_issue"}
# CLINC150 and MASSIVE intents too close to support requests to serve as off-topic examples.
NOT_OFF_TOPIC = frozenset(
    {
        *CLINC_AS_BITEXT,
        "order",
        "cancel",
        "report_fraud",
        "transactions",
        "bill_due",
        "bill_balance",
        "pay_bill",
        "account_blocked",
        "freeze_account",
        "change_user_name",
        "user_name",
        "lost_luggage",
        "cancel_reservation",
        "confirm_reservation",
        "takeaway_order",
        "takeaway_query",
    }
)


def _clinc_as_bitext(split: str, limit: int | None) -> list[tuple[str, str]]:
    rows = datasets.clinc()[split]
    return [(text, CLINC_AS_BITEXT[label]) for text, label in rows if label in CLINC_AS_BITEXT][
        :limit
    ]


def intents(seed: int, limit: int | None = None) -> Corpus:
    """Bitext intents split by unique instruction; test kept as one-liners and as emails."""
    rows = [(i, intent) for i, intent, _ in datasets.bitext()]
    splits = datasets.split_unique(rows, seed=seed).head(limit)
    train = [*splits.train, *_clinc_as_bitext("train", limit)]
    out = {
        "train": _prepared(_augmented(train, seed)),
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
    """In scope: Bitext requests. Out of scope: CLINC150 and MASSIVE requests, but for the
    intents that a help desk would call its own (NOT_OFF_TOPIC)."""
    bitext = datasets.split_unique([(i, t) for i, t, _ in datasets.bitext()], seed=seed)
    bitext = bitext.head(limit)
    clinc = {name: _shuffled(rows, seed)[:limit] for name, rows in datasets.clinc().items()}
    massive = {
        s: _shuffled(datasets.massive(s), seed)[:limit] for s in ("train", "validation", "test")
    }
    clinc = {name: [r for r in rows if r[1] not in NOT_OFF_TOPIC] for name, rows in clinc.items()}
    massive = {
        name: [r for r in rows if r[1] not in NOT_OFF_TOPIC] for name, rows in massive.items()
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
        "train": _on_topic(_augmented([*bitext.train, *_clinc_as_bitext("train", limit)], seed)),
        "calibration": _on_topic(_augmented(bitext.calibration, seed + 10)),
        "validation": _on_topic(_augmented(bitext.validation, seed + 20)),
        "test_in_scope": _on_topic(email_eval_set(_filled(bitext.test, seed), seed=seed + 40)),
    }
    out = {}
    for name in {*negatives, *positives}:
        out[name] = _prepared([*positives.get(name, []), *negatives.get(name, [])])
    return Corpus(("in_scope", "out_of_scope"), out)
