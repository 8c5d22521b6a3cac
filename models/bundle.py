"""A model bundle on disk: the heads of one model, its taxonomy and review thresholds.

    <bundle>/manifest.json   name, version, heads, intent→category map, thresholds
    <bundle>/<head>.npz|json one LinearHead each (intent, sentiment, scope)
    <bundle>/embedder/       the int8 ONNX encoder (the default bundle's, built by training; an
                             organization bundle has one when its intent head was fine-tuned
                             with its own encoder: manifest `"encoder": "embedder"`)

An organization's bundle may carry only some heads; the default bundle fills in the rest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from models.heads import FloatArray, LinearHead

DEFAULT_BUNDLE = Path(__file__).parent / "artifacts" / "default"
HEAD_NAMES = ("intent", "sentiment", "scope")
UNCATEGORISED = "other"


def category_membership(
    intents: tuple[str, ...], categories: dict[str, str]
) -> tuple[tuple[str, ...], FloatArray]:
    """Category names and the intents x categories 0/1 matrix: a category's probability is the
    sum of its intents' (the taxonomy is a tree). Intents without a category go to "other"."""
    names = tuple(sorted({categories.get(intent, UNCATEGORISED) for intent in intents}))
    membership = np.zeros((len(intents), len(names)), dtype=np.float32)
    for row, intent in enumerate(intents):
        membership[row, names.index(categories.get(intent, UNCATEGORISED))] = 1.0
    return names, membership


@dataclass(frozen=True)
class Bundle:
    """Everything but the encoder: heads, intent→category, thresholds and where it came from."""

    name: str
    version: str
    heads: dict[str, LinearHead]
    categories: dict[str, str] = field(default_factory=dict)
    review_threshold: float = 0.6
    scope_threshold: float = 0.5
    embedder: dict[str, Any] = field(default_factory=dict)
    # The intent head's own encoder (a fine-tuned one), relative to the bundle; None: the
    # shared encoder. `encoder` is that encoder once loaded (see `models.registry`).
    encoder_dir: str | None = None
    encoder: Any = field(default=None, compare=False, repr=False)

    @property
    def ref(self) -> str:
        return f"{self.name}:{self.version}"

    @cached_property
    def category_index(self) -> tuple[tuple[str, ...], FloatArray]:
        """`category_membership` of this bundle's intent head, built once per bundle."""
        return category_membership(self.head("intent").labels, self.categories)

    def head(self, name: str) -> LinearHead:
        try:
            return self.heads[name]
        except KeyError:
            raise KeyError(f"bundle {self.ref} has no {name} head") from None

    def over(self, base: Bundle) -> Bundle:
        """This bundle's heads on top of `base`'s; a custom intent head brings its own taxonomy."""
        categories = self.categories if "intent" in self.heads else base.categories
        return replace(self, heads={**base.heads, **self.heads}, categories=categories)

    def named(self, name: str, version: str, own: tuple[str, ...] | None = None) -> Bundle:
        """The bundle with its own heads (all, or `own`) answering as `name:version`: the
        registry's name and version are the truth, whatever the files were written with."""
        own = tuple(self.heads) if own is None else own
        heads = {
            head_name: replace(head, name=name, version=version) if head_name in own else head
            for head_name, head in self.heads.items()
        }
        return replace(self, name=name, version=version, heads=heads)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for name, head in self.heads.items():
            head.save(directory / name)
        manifest = {
            "name": self.name,
            "version": self.version,
            "heads": sorted(self.heads),
            "categories": self.categories,
            "review_threshold": self.review_threshold,
            "scope_threshold": self.scope_threshold,
            "embedder": self.embedder,
        }
        if self.encoder_dir:
            manifest["encoder"] = self.encoder_dir
        (directory / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")

    @classmethod
    def load(cls, directory: Path) -> Bundle:
        path = directory / "manifest.json"
        if not path.exists():
            raise FileNotFoundError(f"no model bundle at {directory} (manifest.json missing)")
        manifest = json.loads(path.read_text())
        unknown = set(manifest["heads"]) - set(HEAD_NAMES)
        if unknown:
            raise ValueError(f"bundle {directory} names unknown heads: {sorted(unknown)}")
        heads = {name: LinearHead.load(directory / name) for name in manifest["heads"]}
        return cls(
            name=str(manifest["name"]),
            version=str(manifest["version"]),
            heads=heads,
            categories={str(k): str(v) for k, v in manifest.get("categories", {}).items()},
            review_threshold=float(manifest.get("review_threshold", 0.6)),
            scope_threshold=float(manifest.get("scope_threshold", 0.5)),
            embedder=dict(manifest.get("embedder", {})),
            encoder_dir=manifest.get("encoder"),
        )
