"""The scorer interface: tokenize (pre) -> run (core) -> post, one file per backend.

A backend implements `load` and `run(input_ids, attention_mask) -> logits`; all the
rest is shared. The document score is training/chunking.py's `score_document`, the
same code evaluation uses, so the daemon cannot drift from the test-set figures.
Passages (paragraph-sized pieces of the input) are scored in one extra padded batch
to show which parts weighed most.
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fakeradar.training.chunking import (
    DocumentScore,
    Window,
    pad_batch,
    score_document,
    sigmoid,
)
from fakeradar.training.modeldir import (
    ONNX_FP32,
    ONNX_INT8,
    TORCH_WEIGHTS,
    ModelDirError,
    ModelInfo,
    Thresholds,
    check_model_dir,
)

LOGGER = logging.getLogger(__name__)

# Passages: paragraphs merged until at least MIN tokens, split beyond MAX, scored in one
# extra batch. Inference cost grows with the tokens scored, so passages cover at most
# PASSAGE_TOKEN_BUDGET tokens (two 512-token windows), spread evenly over a longer
# article; README "Extraction and speed, measured" has the latency this adds.
MIN_PASSAGE_TOKENS = 40
MAX_PASSAGE_TOKENS = 120
PASSAGE_TOKEN_BUDGET = 1024
TOP_PASSAGES = 5
WARMUP_TEXT = ("Officials said on Tuesday that the committee reached an agreement on the budget. "
               "The statement was reported by several newspapers.")


def verdict_for(p_fake: float, thresholds: Thresholds) -> str:
    """suspect at or above the suspect threshold, credible at or below credible, else uncertain."""
    if p_fake >= thresholds.suspect:
        return "suspect"
    if p_fake <= thresholds.credible:
        return "credible"
    return "uncertain"


@dataclass
class Passage:
    text: str
    p_fake: float
    start: int           # character offsets into the scored model input
    end: int

    def to_json(self) -> dict:
        return {"text": self.text, "p_fake": round(self.p_fake, 4),
                "start": self.start, "end": self.end}


@dataclass
class ScoreResult:
    p_fake: float
    passages: list[Passage]          # most influential first, at most TOP_PASSAGES
    windows: int
    tokens: int
    truncated: bool                  # the document was longer than the scored windows
    timings_ms: dict[str, float] = field(default_factory=dict)   # tokenize, infer


class Scorer(ABC):
    """A loaded model: a backend's `run` plus the shared windowing and passages."""

    backend: str = ""
    passage_token_budget: int = PASSAGE_TOKEN_BUDGET   # 0 turns passages off (latency bench)

    def __init__(self, model_dir: Path, info: ModelInfo, device: str) -> None:
        from fakeradar.training.predict import load_backend_tokenizer

        self.model_dir, self.info, self.device = Path(model_dir), info, device
        self.tokenizer = load_backend_tokenizer(self.model_dir)
        self.pad_id = self.tokenizer.token_to_id("[PAD]") or 0

    @classmethod
    @abstractmethod
    def load(cls, model_dir: Path, info: ModelInfo) -> Scorer:
        """Open the backend's weights in `model_dir` on the best device available."""

    @abstractmethod
    def run(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        """(windows, length) int64 ids and mask -> (windows, 2) logits [fake, real]."""

    def describe(self) -> dict:
        return {"name": self.info.name, "backend": self.backend, "device": self.device}

    def warmup(self) -> None:
        """Score a short text once so the first request does not pay for lazy set-up."""
        self.score(WARMUP_TEXT)

    def score(self, text: str) -> ScoreResult:
        """Score one model input: the document p_fake plus its most influential passages.

        On a GPU the passages ride in the first batch of document windows (one forward
        call: GPU latency is per call, 21 -> 41 ms with a second call for MobileBERT on
        an H200); on the CPU they get their own batch, since cost there is per token
        and padding them to the windows' width would waste it.
        """
        started, inferring = time.perf_counter(), [0.0]
        passages = self.tokenize_passages(text)
        passage_logits: list[np.ndarray] = []
        fuse = self.device == "cuda" and bool(passages)

        def timed_run(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
            begin = time.perf_counter()
            if fuse and not passage_logits:
                ids, mask = stack_batches((ids, mask), pad_batch(passages, self.pad_id),
                                          self.pad_id)
                logits = self.run(ids, mask)
                passage_logits.append(logits[-len(passages):])
                logits = logits[:-len(passages)]
            else:
                logits = self.run(ids, mask)
            inferring[0] += time.perf_counter() - begin
            return logits

        doc = score_document(self.tokenizer, text, timed_run, self.info.chunking,
                             self.info.temperature)
        if passages and not passage_logits:
            passage_logits.append(timed_run(*pad_batch(passages, self.pad_id)))
        total = (time.perf_counter() - started) * 1000
        infer = inferring[0] * 1000
        logits = passage_logits[0] if passage_logits else np.zeros((0, 2))
        result = self.post(text, doc, passages, logits)
        result.timings_ms = {"tokenize": round(total - infer, 2), "infer": round(infer, 2)}
        return result

    def tokenize_passages(self, text: str) -> list[Window]:
        """Paragraph-sized windows over the part of the text the document windows score."""
        encoding = self.tokenizer.encode(text, add_special_tokens=False)
        offsets = encoding.offsets
        if not offsets:
            return []
        chunking = self.info.chunking
        body = chunking.max_length - 2
        reach = body + (chunking.max_chunks - 1) * (body - chunking.stride)   # as make_windows
        scored_tokens = min(len(offsets), reach)
        scored_end = offsets[scored_tokens - 1][1]
        cls_id, sep_id = self.tokenizer.token_to_id("[CLS]"), self.tokenizer.token_to_id("[SEP]")
        spans = [(first, last) for first, last in passage_spans(text, offsets)
                 if offsets[first][0] < scored_end]
        return [Window([cls_id, *encoding.ids[first:last], sep_id], offsets[first][0],
                       offsets[last - 1][1], last - first)
                for first, last in within_budget(spans, self.passage_token_budget)]

    def post(self, text: str, doc: DocumentScore, passages: list[Window],
             logits: np.ndarray) -> ScoreResult:
        """Rank passages by how far they lean the way the document leans."""
        margins = logits[:, 0] - logits[:, 1] if len(passages) else np.zeros(0)
        lean = 1.0 if doc.margin >= 0 else -1.0
        order = np.argsort(-lean * margins, kind="stable")[:TOP_PASSAGES]
        ranked = [Passage(text[passages[i].char_start:passages[i].char_end],
                          float(sigmoid(margins[i] / self.info.temperature)),
                          passages[i].char_start, passages[i].char_end) for i in order]
        return ScoreResult(p_fake=doc.p_fake, passages=ranked, windows=len(doc.windows),
                           tokens=doc.tokens, truncated=doc.truncated)


def passage_spans(text: str, offsets: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Token index ranges of passages: paragraphs merged to >= MIN tokens, cut at MAX."""
    spans: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(offsets) + 1):
        at_break = i == len(offsets) or "\n" in text[offsets[i - 1][1]:offsets[i][0]]
        length = i - start
        if length >= MAX_PASSAGE_TOKENS or (at_break and length >= MIN_PASSAGE_TOKENS):
            spans.append((start, i))
            start = i
    if start < len(offsets):   # a short tail joins the previous passage when it fits
        if spans and len(offsets) - spans[-1][0] <= MAX_PASSAGE_TOKENS:
            spans[-1] = (spans[-1][0], len(offsets))
        else:
            spans.append((start, len(offsets)))
    return spans


def stack_batches(first: tuple[np.ndarray, np.ndarray], second: tuple[np.ndarray, np.ndarray],
                  pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """One (ids, mask) batch of two, padded to the wider one (masked padding)."""
    width = max(first[0].shape[1], second[0].shape[1])

    def widen(ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        extra = ((0, 0), (0, width - ids.shape[1]))
        return np.pad(ids, extra, constant_values=pad_id), np.pad(mask, extra)

    (ids_a, mask_a), (ids_b, mask_b) = widen(*first), widen(*second)
    return np.concatenate([ids_a, ids_b]), np.concatenate([mask_a, mask_b])


def within_budget(spans: list[tuple[int, int]], budget: int) -> list[tuple[int, int]]:
    """Spans evenly spread over the text whose tokens add up to about `budget` at most."""
    total = sum(last - first for first, last in spans)
    if total <= budget:
        return spans
    keep = int(budget / (total / len(spans)))
    if keep == 0:
        return []
    picks = np.unique(np.linspace(0, len(spans) - 1, keep).round().astype(int))
    return [spans[i] for i in picks]


def load_scorer(model_dir: str | Path, backend: str = "auto") -> Scorer:
    """Load a model directory with the named backend ("auto": ONNX when exported, else torch)."""
    path = Path(model_dir)
    info = check_model_dir(path)
    has_onnx = (path / ONNX_INT8).is_file() or (path / ONNX_FP32).is_file()
    if backend == "auto":
        backend = "onnx" if has_onnx else "torch"
    if backend == "onnx":
        if not has_onnx:
            raise ModelDirError(f"{path} has no {ONNX_INT8} or {ONNX_FP32}; export it with "
                                f"`fakeradar export --model {path}`, or use --backend torch")
        from fakeradar.daemon.scoring.onnx import OnnxScorer as chosen
    elif backend == "torch":
        check_model_dir(path, need=(TORCH_WEIGHTS,))
        from fakeradar.daemon.scoring.torch import TorchScorer as chosen
    else:
        raise ValueError(f"unknown backend {backend!r} (auto, onnx or torch)")
    scorer = chosen.load(path, info)
    scorer.warmup()
    LOGGER.info("model %s loaded from %s: backend %s, device %s",
                info.name, path, scorer.backend, scorer.device)
    return scorer
