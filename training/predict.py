"""Scoring many documents with any backend, through the daemon's own windowing.

Every document score goes through `chunking.score_document`, so evaluation, export
parity and the daemon aggregate windows identically. For speed, the windows of all
documents are scored first in length-sorted batches (little padding), then each
document's logits are replayed into `score_document`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tqdm import tqdm

from fakeradar.training.chunking import (
    DocumentScore,
    LogitsFn,
    make_windows,
    pad_batch,
    score_document,
)
from fakeradar.training.modeldir import Chunking


def load_backend_tokenizer(model_dir: Path):
    """The `tokenizers.Tokenizer` of a model directory, as the daemon loads it."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    tokenizer.no_truncation()   # windowing needs the whole document's tokens
    tokenizer.no_padding()
    return tokenizer


def torch_logits_fn(model, device: str = "cpu") -> LogitsFn:
    """Logits from a Hugging Face classifier, fp32, no gradients."""
    import torch

    model.eval().to(device)

    def logits_fn(input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            out = model(input_ids=torch.from_numpy(input_ids).to(device),
                        attention_mask=torch.from_numpy(attention_mask).to(device))
        return out.logits.float().cpu().numpy()

    return logits_fn


def onnx_logits_fn(path: Path, threads: int | None = None) -> LogitsFn:
    """Logits from an ONNX model file on the CPU provider."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def logits_fn(input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        return session.run(["logits"], {"input_ids": input_ids,
                                        "attention_mask": attention_mask})[0]

    return logits_fn


def _replay(logits: np.ndarray) -> LogitsFn:
    def logits_fn(input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        if len(input_ids) != len(logits):
            raise RuntimeError("window count changed between batching and scoring")
        return logits

    return logits_fn


def score_texts(tokenizer, texts: list[str], logits_fn: LogitsFn, chunking: Chunking,
                temperature: float = 1.0, batch_size: int = 32,
                desc: str | None = None) -> list[DocumentScore]:
    """Score documents; windows of all documents are batched together by length."""
    windows = [make_windows(tokenizer, text, chunking)[0] for text in texts]
    flat = sorted(((d, i) for d, doc in enumerate(windows) for i in range(len(doc))),
                  key=lambda di: len(windows[di[0]][di[1]].input_ids))
    logits: list[list] = [[None] * len(doc) for doc in windows]
    pad_id = tokenizer.token_to_id("[PAD]") or 0
    for first in tqdm(range(0, len(flat), batch_size), desc=desc, disable=desc is None,
                      unit="batch"):
        batch = flat[first:first + batch_size]
        ids, mask = pad_batch([windows[d][i] for d, i in batch], pad_id)
        for (d, i), row in zip(batch, np.asarray(logits_fn(ids, mask)), strict=True):
            logits[d][i] = row
    return [score_document(tokenizer, text, _replay(np.stack(logits[d])), chunking,
                           temperature, batch_size=len(windows[d]))
            for d, text in enumerate(texts)]
