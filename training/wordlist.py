"""Build `models/data/english_words.txt`: what short English support messages are made of.

The all-MiniLM-L6-v2 vocabulary's whole words plus the words used three or more times in Bitext
requests (so "refund" and "invoice" are in), lower-cased, alphabetic. Not the airline tweets:
some are Spanish.
`python -m training.wordlist` rewrites it reproducibly.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from models.embedder import minilm_path
from models.language import ENGLISH_WORDS_PATH
from training import datasets

_WORD = re.compile(r"[a-z]+")
MIN_COUNT = 3
# Chat and SMS shorthand that neither source spells out.
SHORTHAND = frozenset(
    {
        "pls",
        "lol",
        "lmao",
        "omg",
        "username",
        "login",
        "signup",
        "plz",
        "thx",
        "ty",
        "tnx",
        "ur",
        "asap",
        "msg",
        "pkg",
        "acct",
        "info",
        "ok",
        "okay",
        "yo",
        "btw",
        "fyi",
        "rn",
        "idk",
        "lmk",
        "cuz",
        "bc",
        "tmrw",
        "tmr",
        "tho",
        "wanna",
        "gonna",
        "gotta",
        "hv",
        "pmt",
        "qty",
    }
)


def build() -> list[str]:
    vocab = json.loads((minilm_path() / "tokenizer.json").read_text())["model"]["vocab"]
    words = {w for w in vocab if w.isascii() and w.isalpha() and len(w) > 1}
    counts: Counter[str] = Counter()
    for text, _, _ in datasets.bitext():
        counts.update(_WORD.findall(text.lower()))
    words |= {w for w, n in counts.items() if n >= MIN_COUNT and len(w) > 1}
    words |= SHORTHAND
    return sorted(words)


def main(out: Path = ENGLISH_WORDS_PATH) -> None:
    words = build()
    out.write_text("\n".join(words) + "\n")
    print(f"{len(words)} words -> {out}")


if __name__ == "__main__":
    main()
