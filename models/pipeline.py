"""From raw message text to a Classification: clean, embed once, run every head, add the rules.

`LocalClassifier` is the plain class that the Serve `Classifier` deployment wraps and that tests
and benchmarks run in-process. The embedding is passed in, so a deployment can batch it elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from models.bundle import Bundle
from models.cleaning import clean_message
from models.contract import (
    Classification,
    Guess,
    IntentGuess,
    PiiSpanOut,
    PriorityGuess,
    ReviewReasons,
    SentimentGuess,
)
from models.heads import FloatArray, Ranked, TextFeatures, rank
from models.language import LanguageDetector
from models.pii import find_pii
from models.priority import PriorityScorer

MAX_PREPARED_CHARS = 2000
SUPPORTED_LANGUAGES = frozenset({"en"})


def prepare(text: str) -> str:
    """What the encoder sees: the newest request of the message, without thread or signature."""
    return clean_message(text, max_chars=MAX_PREPARED_CHARS)


@dataclass(frozen=True, slots=True)
class Analysis:
    """A classification with the reasons it needs review (the latter stays internal)."""

    classification: Classification
    review: ReviewReasons


class LocalClassifier:
    """All heads of a bundle over one embedding per message, plus language, PII and priority."""

    def __init__(
        self,
        bundle: Bundle,
        *,
        language: LanguageDetector | None = None,
        priority: PriorityScorer | None = None,
    ) -> None:
        self.bundle = bundle
        self.language = language or LanguageDetector()
        self.priority = priority or PriorityScorer.default()

    def analyse(
        self,
        texts: Sequence[str],
        prepared: Sequence[str],
        embeddings: FloatArray,
        *,
        bundle: Bundle | None = None,
        review_threshold: float | None = None,
        intent_embeddings: FloatArray | None = None,
    ) -> list[Analysis]:
        """`prepared[i]` is `prepare(texts[i])` and `embeddings[i]` its vector. A bundle whose
        intent head has its own (fine-tuned) encoder reads `intent_embeddings`, encoded here
        when not given."""
        bundle = bundle or self.bundle
        threshold = bundle.review_threshold if review_threshold is None else review_threshold
        intent_head = bundle.head("intent")
        features = TextFeatures(prepared)
        if intent_embeddings is None:
            intent_embeddings = own_embeddings(bundle, prepared)
        intent_probs = intent_head.predict_proba(
            embeddings if intent_embeddings is None else intent_embeddings, features
        )
        intents = rank(intent_probs, intent_head.labels)
        categories = _category_guesses(intent_probs, *bundle.category_index)
        sentiment_head = bundle.head("sentiment")
        sentiments = sentiment_head.predict_proba(embeddings, features)
        out_of_scope = self._out_of_scope(bundle, embeddings, features)
        languages = self.language.detect_many(list(prepared))
        versions = {name: head.ref for name, head in sorted(bundle.heads.items())}
        results = []
        for i, text in enumerate(texts):
            review = ReviewReasons(
                low_confidence=intents[i].confidence < threshold,
                out_of_scope=bool(out_of_scope[i]),
                unsupported_language=languages[i].label not in SUPPORTED_LANGUAGES,
            )
            sentiment = _sentiment(sentiments[i], sentiment_head.labels)
            priority = self.priority.score(
                prepared[i],
                intent=intents[i].label,
                sentiment=sentiment.label,
                sentiment_confidence=sentiment.confidence,
            )
            classification = Classification(
                intent=_intent(intents[i]),
                category=categories[i],
                sentiment=sentiment,
                priority=PriorityGuess(
                    label=priority.label, score=priority.score, reasons=list(priority.reasons)
                ),
                language=Guess(label=languages[i].label, confidence=languages[i].confidence),
                pii=[PiiSpanOut(type=s.type, start=s.start, end=s.end) for s in find_pii(text)],
                needs_review=review.any,
                model_version=intent_head.ref,
                model_versions=versions,
            )
            results.append(Analysis(classification, review))
        return results

    def _out_of_scope(
        self, bundle: Bundle, embeddings: FloatArray, features: TextFeatures
    ) -> npt.NDArray[np.bool_]:
        scope = bundle.heads.get("scope")
        if scope is None:
            return np.zeros(len(embeddings), dtype=bool)
        column = scope.labels.index("out_of_scope")
        return np.asarray(
            scope.predict_proba(embeddings, features)[:, column] >= bundle.scope_threshold
        )


def own_embeddings(bundle: Bundle, prepared: Sequence[str]) -> FloatArray | None:
    """The intent head's vectors from the bundle's own encoder; None when it has none."""
    if bundle.encoder is None:
        return None
    vectors: FloatArray = bundle.encoder.encode(list(prepared))
    return vectors


def _intent(ranked: Ranked) -> IntentGuess:
    runner_up = None
    if ranked.runner_up is not None:
        runner_up = Guess(label=ranked.runner_up, confidence=_unit(ranked.runner_up_confidence))
    return IntentGuess(label=ranked.label, confidence=_unit(ranked.confidence), runner_up=runner_up)


def _sentiment(row: FloatArray, labels: tuple[str, ...]) -> SentimentGuess:
    probability = dict(zip(labels, (float(p) for p in row), strict=True))
    label = max(probability, key=probability.__getitem__)
    polarity = probability.get("positive", 0.0) - probability.get("negative", 0.0)
    return SentimentGuess(
        label=label,
        score=max(-1.0, min(1.0, round(polarity, 4))),
        confidence=_unit(probability[label]),
    )


def _category_guesses(
    intent_probs: FloatArray, names: tuple[str, ...], membership: FloatArray
) -> list[Guess]:
    summed = intent_probs @ membership
    best = summed.argmax(axis=1)
    return [
        Guess(label=names[b], confidence=_unit(float(summed[i, b]))) for i, b in enumerate(best)
    ]


def _unit(value: float) -> float:
    return round(min(1.0, max(0.0, value)), 4)
