"""Fine-tune the sentence encoder for one task, then export it as the bundle's own int8 encoder.

The model is the serving model: mean pooling, L2 normalisation, then a linear layer over the
unit vector times a fixed scale (a cosine classifier), trained with label-smoothed cross-entropy
(AdamW, linear warm-up and decay; the encoder at a lower rate than the fresh head). Validation
accuracy after every epoch picks the epoch that is kept. The kept encoder is exported through
`training.embedder.export` (fused, per-channel int8 ONNX), so serving needs only onnxruntime,
and its head becomes a `LinearHead` over the exported encoder's vectors.

CPU here: about 45 one-line texts per second on two cores, so Banking77 takes minutes per epoch.
On a cluster the whole function runs as one Ray task (see `training.jobs`).
"""

from __future__ import annotations

import math
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.embedder import minilm_path
from models.heads import LinearHead

Example = tuple[str, str]
Progress = Callable[[float, dict[str, float]], None]


@dataclass(frozen=True)
class FinetuneConfig:
    epochs: int = 8
    batch_size: int = 32
    learning_rate: float = 8e-5
    head_learning_rate: float = 3e-3
    max_length: int = 64
    warmup: float = 0.06
    label_smoothing: float = 0.1
    weight_decay: float = 0.01
    scale: float = 20.0
    seed: int = 13
    max_steps: int | None = None  # tests: stop after this many optimiser steps
    threads: int | None = None

    def params(self) -> dict[str, Any]:
        return {f"finetune_{k}": v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class FinetuneResult:
    embedder_dir: Path  # int8 ONNX encoder + tokenizer, as `OnnxEmbedder` loads it
    head: LinearHead  # the trained cosine head, over the exported encoder's unit vectors
    history: list[dict[str, float]]
    best_epoch: int
    seconds: float


class _Classifier:
    """Encoder + mean pooling + normalisation + scaled linear layer (built lazily: torch)."""

    def __init__(self, source: Path, n_labels: int, scale: float) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.torch = torch
        self.encoder = AutoModel.from_pretrained(str(source))
        self.tokenizer = AutoTokenizer.from_pretrained(str(source))
        self.head = torch.nn.Linear(self.encoder.config.hidden_size, n_labels)
        self.scale = scale

    def logits(self, texts: Sequence[str], max_length: int) -> Any:
        torch = self.torch
        batch = self.tokenizer(
            list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt"
        )
        hidden = self.encoder(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        unit = torch.nn.functional.normalize(pooled, p=2, dim=1)
        return self.head(unit) * self.scale

    def accuracy(self, texts: Sequence[str], targets: Sequence[int], max_length: int) -> float:
        if not texts:
            return 0.0
        torch = self.torch
        self.encoder.eval()
        correct = 0
        with torch.inference_mode():
            for start in range(0, len(texts), 128):
                chunk = texts[start : start + 128]
                predicted = self.logits(chunk, max_length).argmax(dim=1).tolist()
                correct += sum(
                    int(p == t)
                    for p, t in zip(predicted, targets[start : start + 128], strict=True)
                )
        self.encoder.train()
        return correct / len(texts)


def _schedule(step: int, total: int, warmup: int) -> float:
    if step < warmup:
        return (step + 1) / max(1, warmup)
    return max(0.0, (total - step) / max(1, total - warmup))


def finetune(
    train: Sequence[Example],
    validation: Sequence[Example],
    labels: tuple[str, ...],
    out: Path,
    config: FinetuneConfig | None = None,
    *,
    name: str = "intent",
    version: str = "0",
    source: Path | None = None,
    progress: Progress | None = None,
) -> FinetuneResult:
    """Trains, keeps the best epoch by validation accuracy, exports `<out>/embedder/`."""
    import torch

    from training.embedder import export

    config = config or FinetuneConfig()
    source = source or minilm_path()
    started = time.monotonic()
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    if config.threads:
        torch.set_num_threads(config.threads)
    index = {label: i for i, label in enumerate(labels)}
    texts = [text for text, _ in train]
    targets = [index[label] for _, label in train]
    val_texts = [text for text, _ in validation]
    val_targets = [index[label] for _, label in validation]

    model = _Classifier(source, len(labels), config.scale)
    model.encoder.train()
    decay: list[Any] = []
    no_decay: list[Any] = []
    for param_name, param in model.encoder.named_parameters():
        (no_decay if "bias" in param_name or "LayerNorm" in param_name else decay).append(param)
    optimiser = torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": config.weight_decay, "lr": config.learning_rate},
            {"params": no_decay, "weight_decay": 0.0, "lr": config.learning_rate},
            {
                "params": model.head.parameters(),
                "weight_decay": 0.0,
                "lr": config.head_learning_rate,
            },
        ]
    )
    base_rates = [group["lr"] for group in optimiser.param_groups]
    steps_per_epoch = math.ceil(len(texts) / config.batch_size)
    total = steps_per_epoch * config.epochs
    if config.max_steps is not None:
        total = min(total, config.max_steps)
    warmup = int(total * config.warmup)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)

    history: list[dict[str, float]] = []
    best: tuple[float, int, dict[str, Any]] | None = None
    step = 0
    order = list(range(len(texts)))
    for epoch in range(1, config.epochs + 1):
        rng.shuffle(order)
        running, seen = 0.0, 0
        for start in range(0, len(order), config.batch_size):
            if step >= total:
                break
            picked = order[start : start + config.batch_size]
            factor = _schedule(step, total, warmup)
            for group, rate in zip(optimiser.param_groups, base_rates, strict=True):
                group["lr"] = rate * factor
            logits = model.logits([texts[i] for i in picked], config.max_length)
            loss = loss_fn(logits, torch.tensor([targets[i] for i in picked]))
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.encoder.parameters(), 1.0)
            optimiser.step()
            step += 1
            running += float(loss.item()) * len(picked)
            seen += len(picked)
            if progress and step % 10 == 0:
                progress(0.9 * step / total, {"train_loss": running / max(1, seen)})
        accuracy = model.accuracy(val_texts, val_targets, config.max_length)
        history.append(
            {"epoch": epoch, "train_loss": running / max(1, seen), "validation_accuracy": accuracy}
        )
        if progress:
            progress(0.9 * step / total, history[-1])
        if best is None or accuracy > best[0]:
            state = {k: v.detach().clone() for k, v in model.encoder.state_dict().items()}
            head_state = {k: v.detach().clone() for k, v in model.head.state_dict().items()}
            best = (accuracy, epoch, {"encoder": state, "head": head_state})
        if step >= total:
            break

    assert best is not None
    model.encoder.load_state_dict(best[2]["encoder"])
    model.head.load_state_dict(best[2]["head"])
    out.mkdir(parents=True, exist_ok=True)
    scratch = out / "encoder-fp32"
    model.encoder.save_pretrained(str(scratch))
    for extra in (
        "tokenizer.json",
        "tokenizer_config.json",
        "vocab.txt",
        "special_tokens_map.json",
    ):
        if (source / extra).exists():
            shutil.copy(source / extra, scratch / extra)
    embedder_dir = export(out / "embedder", scratch)
    shutil.rmtree(scratch)
    weights = model.head.weight.detach().numpy().astype(np.float32) * config.scale
    bias = model.head.bias.detach().numpy().astype(np.float32) * config.scale
    head = LinearHead(name, version, labels, np.ascontiguousarray(weights), bias)
    return FinetuneResult(
        embedder_dir, head, history, best[1], round(time.monotonic() - started, 1)
    )
