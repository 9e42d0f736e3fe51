"""Model directories to benchmark: MobileBERT at full shape (random weights) and tiny."""

from __future__ import annotations

from pathlib import Path

from fakeradar.training.modeldir import Chunking, ModelInfo, write_info


def mobilebert(tiny: bool):
    """MobileBertConfig() is google/mobilebert-uncased's shape (24.8M parameters)."""
    from transformers import MobileBertConfig, MobileBertForSequenceClassification

    from fakeradar.training.basemodel import label_maps
    from fakeradar.training.tiny import tiny_mobilebert

    if tiny:
        return tiny_mobilebert()
    return MobileBertForSequenceClassification(MobileBertConfig(**label_maps())).eval()


def build_mobilebert_dir(out: Path, tiny: bool = False) -> Path:
    """A complete model directory (weights, ONNX fp32 + int8, tokenizer); cached in OUT."""
    from fakeradar.training.basemodel import (
        load_tokenizer,
        packaged_minilm_path,
        save_weights_and_tokenizer,
    )
    from fakeradar.training.export import export_onnx, quantize_int8

    if (out / "model.int8.onnx").is_file():
        return out
    import torch

    torch.manual_seed(0)
    model = mobilebert(tiny)
    save_weights_and_tokenizer(model, load_tokenizer(packaged_minilm_path(), 512), out)
    write_info(out, ModelInfo(name="mobilebert-random" + ("-tiny" if tiny else ""),
                              base_model="MobileBertConfig() random weights",
                              chunking=Chunking(max_length=512 if not tiny else 128,
                                                stride=128 if not tiny else 32)))
    export_onnx(model, out / "model.onnx")
    quantize_int8(out / "model.onnx", out / "model.int8.onnx")
    return out


def file_sizes_mb(model_dir: Path) -> dict[str, float]:
    return {p.name: round(p.stat().st_size / 1e6, 1) for p in sorted(model_dir.iterdir())
            if p.suffix in (".onnx", ".safetensors")}
