"""The English word list behind short-text language detection."""

from __future__ import annotations

from pathlib import Path

from models.language import ENGLISH_WORDS_PATH
from training import wordlist


def test_the_word_list_is_reproducible_and_has_support_words(tmp_path: Path) -> None:
    out = tmp_path / "words.txt"
    wordlist.main(out)
    words = out.read_text().split()
    assert out.read_text() == ENGLISH_WORDS_PATH.read_text()
    assert {"refund", "invoice", "order", "pls"} <= set(words)
    assert not {"gracias", "merci", "danke"} & set(words)
