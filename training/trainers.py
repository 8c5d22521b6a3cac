"""The two trainers, each turning a `Source` into a model bundle chosen on validation only.

- `embedding-logreg` (the default, fast): the shared frozen encoder, then a calibrated
  logistic-regression head, with and without hashed word n-grams, C and the variant picked by
  validation macro-F1 (`training.fit.train_head`).
- `finetune`: the encoder itself is fine-tuned (`training.finetune`), exported as the
  bundle's own int8 encoder; the head is whichever of the fine-tuned cosine head and the
  logistic-regression heads over the new encoder scores best on validation.

Both fit the temperature on validation. The gate and test splits are never read here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from models.bundle import Bundle
from models.calibration import fit_temperature
from models.embedder import Embedder, OnnxEmbedder
from models.heads import LinearHead
from models.pipeline import prepare
from training.evaluation import shared_encoder
from training.finetune import FinetuneConfig, finetune
from training.fit import LabelledVectors, evaluate, train_head
from training.sources import Source

TRAINERS = ("embedding-logreg", "finetune")
Progress = Callable[[float, dict[str, float]], None]


@dataclass
class Candidate:
    """A trained bundle (intent head, maybe its own encoder) and what chose it."""

    bundle_dir: Path
    params: dict[str, Any] = field(default_factory=dict)
    fit: dict[str, float] = field(default_factory=dict)
    history: list[dict[str, float]] = field(default_factory=list)


def _split(encoder: Embedder, rows: Sequence[tuple[str, str]], labels: tuple[str, ...]) -> Any:
    texts = [prepare(t) for t, _ in rows]
    return LabelledVectors.build(encoder.encode(texts), [lab for _, lab in rows], labels, texts)


def _logreg(
    encoder: Embedder, source: Source, labels: tuple[str, ...], params: dict[str, Any]
) -> tuple[LinearHead, dict[str, float]]:
    train = _split(encoder, source.train, labels)
    validation = _split(encoder, source.validation, labels)
    grid = tuple(float(c) for c in params.get("c_grid", (4.0, 16.0, 64.0)))
    choices = params.get("ngrams", "auto")
    variants = [False, True] if choices == "auto" else [bool(choices)]
    best: tuple[float, LinearHead, dict[str, float]] | None = None
    for ngrams in variants:
        head, fit = train_head(
            "intent", "0", labels, train, validation, validation, c_grid=grid, ngrams=ngrams
        )
        fit["ngrams"] = float(ngrams)
        if best is None or fit["validation_macro_f1"] > best[0]:
            best = (fit["validation_macro_f1"], head, fit)
    assert best is not None
    return best[1], best[2]


def _bundle(
    source: Source,
    head: LinearHead,
    out: Path,
    *,
    encoder_dir: str | None,
    categories: dict[str, str],
) -> Path:
    Bundle(
        name="intent",
        version="0",
        heads={"intent": head},
        categories={k: v for k, v in categories.items() if k in head.labels},
        encoder_dir=encoder_dir,
    ).save(out)
    return out


def train(
    source: Source,
    trainer: str,
    out: Path,
    *,
    params: dict[str, Any] | None = None,
    categories: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> Candidate:
    """Trains on `source.train`, chooses on `source.validation`, writes the bundle to `out`."""
    params = dict(params or {})
    labels = source.labels
    if len(labels) < 2:
        raise ValueError("training needs examples of at least two labels")
    # A rare label whose few examples all hashed out of train cannot be learnt or chosen on.
    source = replace(source, validation=[e for e in source.validation if e[1] in labels])
    if not source.validation:
        raise ValueError("training needs a validation split (too few examples)")
    categories = categories or {}
    if trainer == "embedding-logreg":
        if progress:
            progress(0.1, {})
        head, fit = _logreg(shared_encoder(), source, labels, params)
        if progress:
            progress(0.9, fit)
        bundle = _bundle(source, head, out, encoder_dir=None, categories=categories)
        return Candidate(bundle, {"trainer": trainer, **_flat(params)}, fit)
    if trainer == "finetune":
        known = set(FinetuneConfig.__dataclass_fields__)
        config = FinetuneConfig(**{k: v for k, v in params.items() if k in known})
        result = finetune(source.train, source.validation, labels, out, config, progress=progress)
        encoder = OnnxEmbedder(result.embedder_dir)
        validation = _split(encoder, source.validation, labels)
        cosine = result.head.with_temperature(
            fit_temperature(result.head.logits(validation.vectors), validation.targets)
        )
        options = [("cosine", cosine, evaluate(cosine, validation, prefix="validation_"))]
        if params.get("logreg_head", True):
            head, fit = _logreg(encoder, source, labels, {"ngrams": "auto", **params})
            options.append(("logreg", head, fit))
        name, head, fit = max(options, key=lambda o: o[2]["validation_accuracy"])
        fit = {
            **fit,
            "finetune_best_epoch": float(result.best_epoch),
            "finetune_seconds": result.seconds,
        }
        bundle = _bundle(source, head, out, encoder_dir="embedder", categories=categories)
        return Candidate(
            bundle,
            {"trainer": trainer, "head": name, **config.params(), **_flat(params)},
            fit,
            result.history,
        )
    raise ValueError(f"unknown trainer {trainer!r}; one of {', '.join(TRAINERS)}")


def _flat(params: dict[str, Any]) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()}
