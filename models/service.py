"""The whole local classification path in one process: bundle, encoder, heads, rules.

The API uses it when no Serve application is attached, and the benchmark measures it; the Serve
deployments split the same steps across `Embedder` and `Classifier`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from models.bundle import DEFAULT_BUNDLE, Bundle
from models.contract import Classification
from models.embedder import Embedder, OnnxEmbedder
from models.pipeline import LocalClassifier, prepare
from models.registry import ModelStore


class ClassifierService:
    """`classify(texts, model_id=..., review_threshold=...)` → one Classification per text."""

    def __init__(self, classifier: LocalClassifier, embedder: Embedder, store: ModelStore) -> None:
        self.classifier = classifier
        self.embedder = embedder
        self.store = store

    @classmethod
    def load(
        cls, bundle_dir: Path | None = None, model_root: Path | None = None
    ) -> ClassifierService:
        bundle_dir = bundle_dir or DEFAULT_BUNDLE
        bundle = Bundle.load(bundle_dir)
        embedder = OnnxEmbedder(
            bundle_dir / bundle.embedder.get("dir", "embedder"),
            max_tokens=int(bundle.embedder.get("max_tokens", 256)),
        )
        store = ModelStore(model_root or Path(".switchboard/models"), bundle)
        return cls(LocalClassifier(bundle), embedder, store)

    def classify(
        self,
        texts: Sequence[str],
        *,
        model_id: str = "",
        review_threshold: float | None = None,
    ) -> list[Classification]:
        bundle = self.store.load(model_id)
        prepared = [prepare(text) for text in texts]
        analyses = self.classifier.analyse(
            texts,
            prepared,
            self.embedder.encode(prepared),
            bundle=bundle,
            review_threshold=review_threshold,
        )
        return [analysis.classification for analysis in analyses]
