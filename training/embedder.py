"""Export all-MiniLM-L6-v2 to ONNX, fuse it for ONNX Runtime and quantise it to int8.

`python -m training.embedder [--out DIR]` writes `model.onnx`, `tokenizer.json` and
`export.json` (versions and sha256). Mean pooling and L2 normalisation are in the graph, so the
serving path needs only onnxruntime, tokenizers and numpy. Attention is exported in its eager
form because ORT's optimiser fuses that pattern into one `Attention` op; weights are quantised
per channel (symmetric int8), which keeps cosine similarity to fp32 torch above 0.99.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from models.bundle import DEFAULT_BUNDLE
from models.embedder import minilm_path

OPSET = 17


def _pooled_encoder(source: Path) -> Any:
    import torch
    from transformers import AutoModel

    encoder = AutoModel.from_pretrained(str(source), attn_implementation="eager").eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    return Pooled()


def _export_fp32(source: Path, target: Path) -> None:
    import torch

    names = ["input_ids", "attention_mask", "token_type_ids"]
    sample = tuple(torch.ones((2, 8), dtype=torch.int64) for _ in names)
    torch.onnx.export(
        _pooled_encoder(source),
        sample,
        str(target),
        input_names=names,
        output_names=["embedding"],
        dynamic_axes={**{n: {0: "batch", 1: "seq"} for n in names}, "embedding": {0: "batch"}},
        opset_version=OPSET,
        dynamo=False,
    )


def export(out: Path, source: Path | None = None) -> Path:
    """Builds the int8 embedder in `out` (replacing it atomically) and returns `out`."""
    import onnx
    import onnxruntime
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    source = source or minilm_path()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as scratch:
        work = Path(scratch)
        _export_fp32(source, work / "fp32.onnx")
        config = json.loads((source / "config.json").read_text())
        fused = optimize_model(
            str(work / "fp32.onnx"),
            model_type="bert",
            num_heads=int(config["num_attention_heads"]),
            hidden_size=int(config["hidden_size"]),
        )
        fused.save_model_to_file(str(work / "fused.onnx"))
        build = work / "build"
        build.mkdir()
        quantize_dynamic(
            str(work / "fused.onnx"),
            str(build / "model.onnx"),
            weight_type=QuantType.QInt8,
            per_channel=True,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
        shutil.copy(source / "tokenizer.json", build / "tokenizer.json")
        digest = hashlib.sha256((build / "model.onnx").read_bytes()).hexdigest()
        meta = {
            "source": source.name,
            "quantization": "dynamic int8, per channel",
            "onnxruntime": onnxruntime.__version__,
            "sha256": digest,
        }
        (build / "export.json").write_text(json.dumps(meta, indent=2) + "\n")
        if out.exists():
            shutil.rmtree(out)
        build.rename(out)
    return out


def ensure(out: Path | None = None) -> Path:
    """Exports only when the directory is missing or incomplete (`make up`, `make test`)."""
    out = out or DEFAULT_BUNDLE / "embedder"
    if not (out / "model.onnx").exists() or not (out / "export.json").exists():
        export(out)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_BUNDLE / "embedder")
    parser.add_argument("--force", action="store_true", help="export even if present")
    parser.add_argument(
        "--source", type=Path, help="another BERT-style sentence-transformers model directory"
    )
    args = parser.parse_args(argv)
    path = export(args.out, args.source) if args.force or args.source else ensure(args.out)
    print(json.loads((path / "export.json").read_text()))


if __name__ == "__main__":
    main()
