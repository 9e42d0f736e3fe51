"""Export a trained model directory to ONNX fp32 + int8, with a parity check that fails loudly.

Legacy TorchScript export (`dynamo=False`) is used: with torch 2.13 it gives dynamic
batch and sequence axes, matches torch to ~1e-7 and takes under a second on the tiny
model (the dynamo exporter took ~6 s for the same graph and matched as well). Attention
is exported in its eager form so onnxruntime's BERT optimizer can fuse it; fusion is
kept only when it finds attention to fuse and the fused int8 model is faster.
"""

from __future__ import annotations

import logging
import time
import warnings
from pathlib import Path

import numpy as np

from fakeradar.training.modeldir import ONNX_FP32, ONNX_INT8, read_info, write_info

LOGGER = logging.getLogger(__name__)
P_TOLERANCE = 1e-4          # max |p_fake(onnx fp32) - p_fake(torch)| over the parity texts
INT8_AGREEMENT = 0.99       # share of int8 labels that must equal fp32 labels
# Documents whose fp32 p_fake lies this close to 0.5 can flip under any rounding (seen on
# the default model: 3 of 64 at p = 0.496-0.504, max |p diff| 0.06); they are left out
# of the label agreement, which is meant to catch a broken int8 model, not a coin toss.
BOUNDARY_MARGIN = 0.02
PARITY_DOCS = 64            # validation documents used for the parity check


class ParityError(Exception):
    """The exported model does not reproduce the torch model."""


def _logits_only(model):
    """A torch module returning only logits, with the input names the daemon feeds."""
    import torch

    class LogitsOnly(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            return self.model(input_ids=input_ids, attention_mask=attention_mask).logits

    return LogitsOnly().eval()


def export_onnx(model, path: Path, opset: int = 17) -> Path:
    """Write fp32 ONNX with inputs input_ids/attention_mask (int64, dynamic axes), output logits."""
    import torch

    model.eval()
    model.set_attn_implementation("eager")   # lets onnxruntime fuse BERT attention
    dummy = torch.ones((2, 16), dtype=torch.long)
    axes = {"input_ids": {0: "batch", 1: "sequence"},
            "attention_mask": {0: "batch", 1: "sequence"}, "logits": {0: "batch"}}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")   # TorchScript tracer chatter, not actionable
        torch.onnx.export(_logits_only(model), (dummy, dummy), str(path), dynamo=False,
                          input_names=["input_ids", "attention_mask"], output_names=["logits"],
                          dynamic_axes=axes, opset_version=opset)
    model.eval()   # an export through a wrapper can leave dropout on
    return path


def fuse_attention(src: Path, dst: Path, config) -> int:
    """Run onnxruntime's BERT optimizer; returns the number of fused Attention nodes."""
    if config.model_type != "bert":
        return 0   # MobileBERT's graph has nothing the optimizer can fuse (notes)
    from onnxruntime.transformers.optimizer import optimize_model

    optimised = optimize_model(str(src), model_type="bert", num_heads=config.num_attention_heads,
                               hidden_size=config.hidden_size, opt_level=1)
    fused = optimised.get_fused_operator_statistics().get("Attention", 0)
    if fused:
        optimised.save_model_to_file(str(dst))
    return fused


def quantize_int8(src: Path, dst: Path) -> Path:
    """Dynamic int8 quantisation, per channel (plain per-tensor lost accuracy on MiniLM)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)   # shape-inference warnings on int64 mask ops are harmless
    try:
        # DefaultTensorType: shape inference cannot type the outputs of fused
        # com.microsoft ops (Attention, SkipLayerNormalization); they are all float.
        quantize_dynamic(str(src), str(dst), per_channel=True, weight_type=QuantType.QInt8,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    finally:
        root.setLevel(level)
    return dst


def _median_seconds(logits_fn, feed: tuple[np.ndarray, np.ndarray], runs: int = 5) -> float:
    logits_fn(*feed)   # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        logits_fn(*feed)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def build_int8(model_dir: Path, config, feed) -> dict:
    """model.int8.onnx from model.onnx, fused first only where fusion measurably helps."""
    from fakeradar.training.predict import onnx_logits_fn

    fp32, int8 = model_dir / ONNX_FP32, model_dir / ONNX_INT8
    quantize_int8(fp32, int8)
    fused_fp32 = model_dir / "model.fused.onnx"
    fused = fuse_attention(fp32, fused_fp32, config)
    result = {"fused_attention_nodes": fused, "fusion_used": False}
    if fused:
        candidate = model_dir / "model.fused.int8.onnx"
        quantize_int8(fused_fp32, candidate)
        plain_s = _median_seconds(onnx_logits_fn(int8), feed)
        fused_s = _median_seconds(onnx_logits_fn(candidate), feed)
        result.update(int8_seconds_plain=plain_s, int8_seconds_fused=fused_s)
        if fused_s < 0.95 * plain_s:
            candidate.replace(int8)
            result["fusion_used"] = True
        candidate.unlink(missing_ok=True)
        fused_fp32.unlink(missing_ok=True)
    return result


def _agreement(a: list, b: list) -> float:
    same = [(x.p_fake >= 0.5) == (y.p_fake >= 0.5) for x, y in zip(a, b, strict=True)
            if abs(x.p_fake - 0.5) >= BOUNDARY_MARGIN]
    return float(np.mean(same)) if same else 1.0


def _test_accuracy_change(model_dir: Path, data_dir: Path | None, tokenizer, chunking,
                          limit: int) -> dict:
    """Accuracy of fp32 vs int8 ONNX on the test split of DATA_DIR, if there is one."""
    from fakeradar.training.predict import onnx_logits_fn, score_texts
    from fakeradar.training.splits import SplitError, read_split

    try:
        test = read_split(data_dir, "test", limit=limit) if data_dir else None
    except SplitError as exc:
        LOGGER.warning("int8 accuracy change not measured: %s", exc)
        test = None
    if test is None:
        return {"int8_accuracy_change": None, "reason": "training data folder unknown or absent"}
    texts, labels = test["input"].tolist(), test["label"].to_numpy()
    accuracy = {}
    for name in (ONNX_FP32, ONNX_INT8):
        scores = score_texts(tokenizer, texts, onnx_logits_fn(model_dir / name), chunking,
                             desc=f"test split, {name}")
        predicted = np.array([0 if s.p_fake >= 0.5 else 1 for s in scores])
        accuracy[name] = float(np.mean(predicted == labels))
    return {"test_docs": len(texts), "accuracy_fp32": accuracy[ONNX_FP32],
            "accuracy_int8": accuracy[ONNX_INT8],
            "int8_accuracy_change": accuracy[ONNX_INT8] - accuracy[ONNX_FP32]}


def _parity_texts(data_dir: Path | None, limit: int) -> list[str]:
    from fakeradar.training.splits import read_split

    if data_dir is None:
        raise ParityError("no parity texts: the data folder named in the manifest is gone; "
                          "pass --data DIR (a folder written by `fakeradar data`)")
    return read_split(data_dir, "val", limit=limit)["input"].tolist()


def export_model_dir(model_dir: str | Path, parity_texts: list[str] | None = None, model=None,
                     parity_docs: int = PARITY_DOCS, test_limit: int = 1000,
                     data_dir: Path | None = None) -> dict:
    """Write model.onnx, model.int8.onnx and README.md; check parity; record it in the manifest.

    Parity texts and the int8 accuracy change come from DATA_DIR's validation and test
    splits, by default the data folder the manifest records.

    Raises ParityError when fp32 ONNX drifts from torch by more than P_TOLERANCE in
    p_fake, or int8 agrees with fp32 on fewer than INT8_AGREEMENT of the labels.
    """
    from fakeradar.training.modelcard import write_model_card
    from fakeradar.training.predict import (
        load_backend_tokenizer,
        onnx_logits_fn,
        score_texts,
        torch_logits_fn,
    )

    model_dir = Path(model_dir)
    info = read_info(model_dir)
    if model is None:
        from transformers import AutoModelForSequenceClassification

        model = AutoModelForSequenceClassification.from_pretrained(str(model_dir))
    data_dir = data_dir or info.training_data_dir()
    texts = (parity_texts or _parity_texts(data_dir, parity_docs))[:parity_docs]
    tokenizer = load_backend_tokenizer(model_dir)
    export_onnx(model, model_dir / ONNX_FP32)
    reference = score_texts(tokenizer, texts, torch_logits_fn(model), info.chunking)
    fp32 = score_texts(tokenizer, texts, onnx_logits_fn(model_dir / ONNX_FP32), info.chunking)
    max_diff = float(max(abs(a.p_fake - b.p_fake) for a, b in zip(reference, fp32, strict=True)))
    if not max_diff <= P_TOLERANCE:
        raise ParityError(f"ONNX fp32 differs from torch by {max_diff:.2e} in p_fake on "
                          f"{len(texts)} validation texts (limit {P_TOLERANCE:.0e})")
    feed = _timing_feed(tokenizer, texts, info.chunking)
    fusion = build_int8(model_dir, model.config, feed)
    int8 = score_texts(tokenizer, texts, onnx_logits_fn(model_dir / ONNX_INT8), info.chunking)
    agreement = _agreement(fp32, int8)
    if agreement < INT8_AGREEMENT:
        raise ParityError(f"int8 agrees with fp32 on only {agreement:.1%} of {len(texts)} "
                          f"validation labels (need {INT8_AGREEMENT:.0%})")
    info.export = {"parity_docs": len(texts), "max_abs_p_diff_fp32_vs_torch": max_diff,
                   "int8_label_agreement": agreement,
                   "int8_max_abs_p_diff": float(max(abs(a.p_fake - b.p_fake)
                                                    for a, b in zip(fp32, int8, strict=True))),
                   **fusion, **_test_accuracy_change(model_dir, data_dir, tokenizer, info.chunking,
                                            test_limit),
                   "sizes_mb": _sizes_mb(model_dir)}
    write_info(model_dir, info)
    write_model_card(model_dir, info)
    return info.export


def _timing_feed(tokenizer, texts: list[str], chunking) -> tuple[np.ndarray, np.ndarray]:
    from fakeradar.training.chunking import make_windows, pad_batch

    windows = [make_windows(tokenizer, text, chunking)[0][0] for text in texts[:8]]
    return pad_batch(windows, tokenizer.token_to_id("[PAD]") or 0)


def _sizes_mb(model_dir: Path) -> dict:
    from fakeradar.training.modeldir import TORCH_WEIGHTS

    return {name: round((model_dir / name).stat().st_size / 1e6, 2)
            for name in (TORCH_WEIGHTS, ONNX_FP32, ONNX_INT8) if (model_dir / name).is_file()}
