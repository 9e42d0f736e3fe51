"""Long documents: overlapping token windows, one p_fake per window, one per document.

Shared by training-time evaluation and the daemon, so both score a document the
same way. The backend only has to turn a batch of windows into logits.

Aggregation rule (documented in the README): each window i gets the margin
z_i = logit_fake - logit_real; the document margin is the mean of z_i weighted
by the number of real tokens in window i; p_fake = sigmoid(z / T) with the
calibration temperature T. Window p_fake values use the same T.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from fakeradar.training.modeldir import Chunking

# (input_ids, attention_mask), both int64 of shape (windows, length) -> logits (windows, 2)
LogitsFn = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass
class Window:
    input_ids: list[int]
    char_start: int
    char_end: int
    tokens: int          # real tokens in the window, [CLS]/[SEP] excluded


@dataclass
class WindowScore:
    char_start: int
    char_end: int
    text: str
    p_fake: float
    weight: float        # share of the document margin this window contributed


@dataclass
class DocumentScore:
    p_fake: float
    margin: float        # uncalibrated fake-minus-real logit margin of the document
    windows: list[WindowScore]
    tokens: int          # tokens in the document (before windowing)
    truncated: bool      # True when max_chunks cut the document short


def make_windows(tokenizer, text: str, chunking: Chunking) -> tuple[list[Window], int, bool]:
    """Split `text` into windows of at most max_length tokens overlapping by `stride`.

    `tokenizer` is a `tokenizers.Tokenizer` (a Hugging Face fast tokenizer's
    `backend_tokenizer`). Returns the windows, the document's token count and
    whether windows were dropped by `max_chunks`.
    """
    if tokenizer.truncation or tokenizer.padding:
        # A tokenizer.json saved with truncation would cut the document at one window.
        tokenizer.no_truncation()
        tokenizer.no_padding()
    encoding = tokenizer.encode(text, add_special_tokens=False)
    ids, offsets = encoding.ids, encoding.offsets
    body = chunking.max_length - 2
    step = body - chunking.stride
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    windows: list[Window] = []
    start = 0
    while True:
        piece = ids[start:start + body]
        span = offsets[start:start + body]
        windows.append(Window(
            input_ids=[cls_id, *piece, sep_id],
            char_start=span[0][0] if span else 0,
            char_end=span[-1][1] if span else 0,
            tokens=len(piece),
        ))
        if start + body >= len(ids) or len(windows) == chunking.max_chunks:
            break
        start += step
    truncated = start + body < len(ids)
    return windows, len(ids), truncated


def pad_batch(windows: list[Window], pad_id: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Pad windows to the longest one (dynamic padding, not to max_length)."""
    width = max(len(w.input_ids) for w in windows)
    ids = np.full((len(windows), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(windows), width), dtype=np.int64)
    for row, window in enumerate(windows):
        ids[row, :len(window.input_ids)] = window.input_ids
        mask[row, :len(window.input_ids)] = 1
    return ids, mask


def sigmoid(x: np.ndarray | float) -> np.ndarray | float:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -60, 60)))


def score_document(tokenizer, text: str, logits_fn: LogitsFn, chunking: Chunking,
                   temperature: float = 1.0, batch_size: int = 8) -> DocumentScore:
    """Score one document over its windows and aggregate them (rule in the module doc)."""
    windows, n_tokens, truncated = make_windows(tokenizer, text, chunking)
    pad_id = tokenizer.token_to_id("[PAD]") or 0
    logits = []
    for first in range(0, len(windows), batch_size):
        ids, mask = pad_batch(windows[first:first + batch_size], pad_id)
        logits.append(np.asarray(logits_fn(ids, mask), dtype=np.float64))
    logits = np.concatenate(logits)
    margins = logits[:, 0] - logits[:, 1]
    weights = np.array([max(w.tokens, 1) for w in windows], dtype=np.float64)
    weights /= weights.sum()
    margin = float(np.dot(weights, margins))
    scored = [WindowScore(w.char_start, w.char_end, text[w.char_start:w.char_end],
                          float(sigmoid(m / temperature)), float(wt))
              for w, m, wt in zip(windows, margins, weights, strict=True)]
    return DocumentScore(p_fake=float(sigmoid(margin / temperature)), margin=margin,
                         windows=scored, tokens=n_tokens, truncated=truncated)
