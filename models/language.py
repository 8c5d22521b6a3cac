"""Language identification of customer messages with lingua."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import islice
from pathlib import Path

from lingua import ConfidenceValue, IsoCode639_1, LanguageDetectorBuilder

# Languages common in customer service; a closed set is faster and more accurate than all 75.
# fmt: off
DEFAULT_LANGUAGES: tuple[str, ...] = (
    "en", "es", "fr", "de", "it", "pt", "nl", "pl", "sv", "da", "nb", "fi", "tr", "ru",
    "uk", "cs", "ro", "hu", "el", "ar", "he", "hi", "ja", "ko", "zh", "id", "vi", "th",
)
# fmt: on

# Prior odds per language: most traffic of an English-first help desk is English, and on
# two-word texts ("Order status") lingua's low-accuracy mode is close to a coin toss. A confident
# non-English sentence (0.9+) still wins against a 4x English prior.
DEFAULT_PRIORS: dict[str, float] = {"en": 4.0}

ENGLISH_WORDS_PATH = Path(__file__).parent / "data" / "english_words.txt"
# On short informal texts ("cant log in 🙄", "tell me a joke lol") lingua's low-accuracy mode
# often names a wrong language, even confidently; when nearly all words are English words, the
# text is English. A foreign phrase rarely passes: "merci beaucoup" has none, "por favor" half.
SHORT_TEXT_WORDS = 12
ENGLISH_WORD_SHARE = 0.8

UNDETERMINED = "und"
PARALLEL_FROM = 8
LANGUAGE_CHARS = 240
_MIN_LETTERS = 3

# URLs, emails and anything holding a digit (order ids, tracking codes, prices, dates) carry no
# language signal and pull short texts towards random languages.
_NOISE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+|\S*\d\S*")
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W\d_]+")


@cache
def _english_words() -> frozenset[str]:
    if not ENGLISH_WORDS_PATH.exists():
        return frozenset()
    return frozenset(ENGLISH_WORDS_PATH.read_text().split())


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """An ISO 639-1 code ("und" when undetermined) and its confidence in [0, 1]."""

    label: str
    confidence: float


_UNDETERMINED = LanguageGuess(UNDETERMINED, 0.0)


class LanguageDetector:
    """Detects the language of short texts among a fixed set of languages.

    Low-accuracy mode is the default: ~65-100 MiB instead of ~750 MiB for the default set. It is
    right on sentences but unreliable on 1-3 word texts, where its confidence mostly stays < 0.5.
    """

    def __init__(
        self,
        languages: Iterable[str] | None = None,
        *,
        preload: bool = True,
        high_accuracy: bool = False,
        priors: Mapping[str, float] | None = None,
    ) -> None:
        self._priors = dict(DEFAULT_PRIORS if priors is None else priors)
        chosen = tuple(DEFAULT_LANGUAGES if languages is None else languages)
        self._english = _english_words() if "en" in chosen else frozenset()
        codes = [IsoCode639_1.from_str(code) for code in chosen]
        builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
        if preload:
            builder = builder.with_preloaded_language_models()
        if not high_accuracy:
            builder = builder.with_low_accuracy_mode()
        self._detector = builder.build()

    def detect(self, text: str) -> LanguageGuess:
        """Guess the language of one text."""
        cleaned = _strip_noise(text)
        if cleaned is None:
            return _UNDETERMINED
        values = self._detector.compute_language_confidence_values(cleaned)
        return self._short_english(cleaned, _best(values, self._priors))

    def detect_many(self, texts: Sequence[str]) -> list[LanguageGuess]:
        """Guess the language of each text, in parallel across CPU cores."""
        cleaned = [_strip_noise(text) for text in texts]
        batch = [text for text in cleaned if text is not None]
        if len(batch) >= PARALLEL_FROM:
            values = self._detector.compute_language_confidence_values_in_parallel(batch)
        else:  # handing a few texts to a thread pool costs more than it saves
            values = [self._detector.compute_language_confidence_values(t) for t in batch]
        results = iter(values)
        return [
            _UNDETERMINED
            if text is None
            else self._short_english(text, _best(next(results), self._priors))
            for text in cleaned
        ]

    def _short_english(self, text: str, guess: LanguageGuess) -> LanguageGuess:
        if guess.label == "en" or not self._english:
            return guess
        # Single letters ("i", "a", "u") carry no language signal.
        words = [word for word in _WORD.findall(text.lower()) if len(word) > 1]
        if not words or len(words) > SHORT_TEXT_WORDS:
            return guess
        share = sum(word in self._english for word in words) / len(words)
        return LanguageGuess("en", round(share, 4)) if share >= ENGLISH_WORD_SHARE else guess


def _strip_noise(text: str) -> str | None:
    """The first LANGUAGE_CHARS of text without URLs, emails and digit tokens, or None when too
    few letters are left. A few sentences settle the language; lingua's cost grows with length."""
    cleaned = _NOISE.sub(" ", text[: LANGUAGE_CHARS * 2])[:LANGUAGE_CHARS]
    letters = sum(1 for _ in islice(_LETTER.finditer(cleaned), _MIN_LETTERS))
    return cleaned if letters >= _MIN_LETTERS else None


def _best(values: list[ConfidenceValue], priors: Mapping[str, float]) -> LanguageGuess:
    weighted = {
        v.language.iso_code_639_1.name.lower(): v.value
        * priors.get(v.language.iso_code_639_1.name.lower(), 1.0)
        for v in values
    }
    total = sum(weighted.values())
    if total <= 0.0:
        return _UNDETERMINED
    label = max(weighted, key=weighted.__getitem__)
    return LanguageGuess(label, round(weighted[label] / total, 4))
