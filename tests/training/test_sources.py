"""Training sources: four disjoint splits cut by a hash of the text, so a text never moves split
and no official test text is ever trained or chosen on."""

from __future__ import annotations

import csv
import itertools
from collections import Counter

import pytest

from training import datasets, sources
from training.sources import Source, bucket, cut, same_text

SPLITS = ("train", "validation", "gate", "test")


@pytest.fixture(scope="module")
def banking77() -> Source:
    return sources.banking77()


@pytest.fixture(scope="module")
def clinc150() -> Source:
    return sources.clinc150()


def _texts(rows: list[tuple[str, str]]) -> set[str]:
    return {same_text(text) for text, _ in rows}


def _csv_texts(name: str) -> list[tuple[str, str]]:
    path = datasets.datasets_root() / "banking77" / f"{name}.csv"
    with path.open(newline="") as handle:
        return [(row["text"], row["category"]) for row in csv.DictReader(handle)]


def test_cut_depends_only_on_the_text() -> None:
    texts = [f"where is my card number {i}?" for i in range(2000)]
    first = [cut(t) for t in texts]
    assert first == [cut(t) for t in texts]
    assert cut("  Where is my CARD?  ") == cut("where is my card?")
    assert all(0 <= bucket(t) < 1000 for t in texts)
    shares = Counter(first)
    assert set(shares) == {"train", "validation", "gate"}
    assert 0.07 < shares["gate"] / len(texts) < 0.13
    assert 0.07 < shares["validation"] / len(texts) < 0.13
    assert "validation" not in {cut(t, validation=False) for t in texts}


def test_a_text_keeps_its_split_however_the_other_data_grows() -> None:
    old = [(f"my transfer {i} has not arrived", "transfer") for i in range(300)]
    new = [(f"please refund order {i}", "refund") for i in range(300)]
    small, grown = Source("org"), Source("org")
    small.add(old)
    grown.add(new + old)

    def where(source: Source) -> dict[str, str]:
        return {text: name for name in SPLITS for text, _ in source.split(name)}

    before, after = where(small), where(grown)
    assert all(after[text] == split for text, split in before.items())
    assert {"train", "validation", "gate"} <= set(before.values())


@pytest.mark.parametrize("name", sources.PUBLIC)
def test_public_splits_are_disjoint_by_text(name: str) -> None:
    source = sources.load(name)
    for a, b in itertools.combinations(SPLITS, 2):
        assert not _texts(source.split(a)) & _texts(source.split(b)), (name, a, b)
    assert all(source.split(split) for split in SPLITS)


def test_banking77_keeps_the_official_test_and_cuts_every_training_text_once(
    banking77: Source,
) -> None:
    assert banking77.test == [(t.strip(), label) for t, label in _csv_texts("test")]
    assert len(banking77.test) == 3080
    assert len({label for _, label in banking77.test}) == 77
    assert len(banking77.labels) == 77
    # train.csv has 10003 rows: 9999 texts once stripped, 6 of them also official test texts.
    official = _texts(banking77.test)
    published = {same_text(t) for t, _ in _csv_texts("train")}
    assert len(published) == 9999
    training = [t for split in ("train", "validation", "gate") for t, _ in banking77.split(split)]
    assert len(training) == len(set(training)) == len(published - official) == 9993
    for split in ("train", "validation", "gate"):
        assert all(cut(text) == split for text, _ in banking77.split(split))
        assert {label for _, label in banking77.split(split)} == set(banking77.labels)


def test_clinc150_keeps_val_as_validation_cuts_the_gate_from_train_and_keeps_oos(
    clinc150: Source,
) -> None:
    data = datasets.clinc()
    assert clinc150.validation == data["val"]
    assert clinc150.test == data["test"]
    published_train = set(data["train"])
    assert set(clinc150.gate) | set(clinc150.train) <= published_train
    assert all(bucket(t) < sources.GATE_PERMILLE for t, _ in clinc150.gate)
    assert all(bucket(t) >= sources.GATE_PERMILLE for t, _ in clinc150.train)
    assert len(clinc150.labels) == 150 and sources.OOS_LABEL not in clinc150.labels
    assert clinc150.oos_validation == [t for t, _ in data["oos_val"]]
    assert clinc150.oos_test == [t for t, _ in data["oos_test"]]
    assert len(clinc150.oos_validation) == 100 and len(clinc150.oos_test) == 1000


def test_add_cuts_new_examples_by_hash_and_skips_duplicates_and_test_texts(
    banking77: Source,
) -> None:
    source = Source(
        "org",
        train=list(banking77.train),
        validation=list(banking77.validation),
        gate=list(banking77.gate),
        test=list(banking77.test),
    )
    before = source.counts()
    fresh = [(f"the widget {i} I ordered is broken", "broken_widget") for i in range(60)]
    test_text, _ = banking77.test[0]
    known_text, _ = banking77.train[0]
    added = source.add(
        [
            *fresh,
            fresh[0],  # a repeat of this batch
            (fresh[1][0].upper(), "broken_widget"),  # the same text, shouted
            (test_text, "broken_widget"),  # an official test text
            (f"  {test_text.lower()} ", "broken_widget"),  # the same, differently written
            (known_text, "broken_widget"),  # already in train
        ]
    )
    assert added == 60
    assert source.counts()["test"] == before["test"] and source.test == banking77.test
    placed = {text: name for name in SPLITS for text, _ in source.split(name)}
    assert all(placed[text] == cut(text) for text, _ in fresh)
    assert sum(before[s] for s in ("train", "validation", "gate")) + 60 == sum(
        source.counts()[s] for s in ("train", "validation", "gate")
    )
    assert "broken_widget" in source.labels
    trained = [t for split in ("train", "validation", "gate") for t, _ in source.split(split)]
    assert test_text not in trained


def test_limited_spreads_each_split_across_labels(banking77: Source, clinc150: Source) -> None:
    assert banking77.limited(None) is banking77
    small = banking77.limited(154)  # two per label
    for split in SPLITS:
        rows = small.split(split)
        assert len(rows) == 154
        assert set(Counter(label for _, label in rows).values()) == {2}, split
        assert set(rows) <= set(banking77.split(split))
    few = banking77.limited(5)
    assert len({label for _, label in few.train}) == 5
    clinc = clinc150.limited(7)
    assert len(clinc.oos_validation) == len(clinc.oos_test) == 7


def test_restricted_keeps_only_the_given_labels_in_every_split(banking77: Source) -> None:
    keep = ["card_arrival", "pin_blocked", "exchange_rate"]
    small = banking77.restricted(keep)
    assert small.labels == tuple(sorted(keep))
    for split in SPLITS:
        rows = small.split(split)
        assert {label for _, label in rows} == set(keep), split
        assert rows == [e for e in banking77.split(split) if e[1] in keep]


def test_an_unknown_split_or_dataset_is_refused() -> None:
    with pytest.raises(KeyError, match="no split"):
        Source("org").split("holdout")
    with pytest.raises(KeyError, match="unknown public dataset"):
        sources.load("imagenet")
