"""Long documents: windows cover the text with the stated overlap; the aggregation rule holds."""

from __future__ import annotations

import numpy as np
import pytest

from fakeradar.training.chunking import make_windows, score_document, sigmoid
from fakeradar.training.modeldir import Chunking
from fakeradar.training.predict import load_backend_tokenizer, score_texts

CHUNKING = Chunking(max_length=32, stride=8, max_chunks=4)
TEXT = " ".join(f"word{i % 7} number {i}." for i in range(40))


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir):
    return load_backend_tokenizer(tiny_model_dir)


def test_windows_cover_the_document_with_overlap(tokenizer):
    windows, n_tokens, truncated = make_windows(tokenizer, TEXT, Chunking(32, 8, 100))
    ids = tokenizer.encode(TEXT, add_special_tokens=False).ids
    assert not truncated and len(ids) == n_tokens > 60
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    body = [w.input_ids[1:-1] for w in windows]
    assert all(w.input_ids[0] == cls and w.input_ids[-1] == sep for w in windows)
    assert all(len(w.input_ids) <= 32 for w in windows)
    assert body[0] + [t for b in body[1:] for t in b[8:]] == ids   # stride tokens shared
    assert windows[0].char_start == 0 and windows[-1].char_end == len(TEXT.rstrip())


def test_max_chunks_truncates(tokenizer):
    windows, _, truncated = make_windows(tokenizer, TEXT, CHUNKING)
    assert len(windows) == 4 and truncated


def test_tokenizer_saved_with_truncation_still_windows(tokenizer, tiny_model_dir):
    from tokenizers import Tokenizer

    truncating = Tokenizer.from_file(str(tiny_model_dir / "tokenizer.json"))
    truncating.enable_truncation(16)
    windows, n_tokens, _ = make_windows(truncating, TEXT, CHUNKING)
    assert n_tokens > 60 and len(windows) == 4


def test_document_margin_is_length_weighted_mean(tokenizer):
    def logits_fn(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        # margin of a window = its number of real tokens / 10, so weights matter
        real = mask.sum(axis=1) - 2
        return np.stack([real / 10.0, np.zeros(len(ids))], axis=1)

    short = " ".join(TEXT.split()[:50])
    score = score_document(tokenizer, short, logits_fn, CHUNKING, temperature=2.0)
    windows, _, _ = make_windows(tokenizer, short, CHUNKING)
    tokens = np.array([w.tokens for w in windows], dtype=float)
    expected = float(np.dot(tokens / tokens.sum(), tokens / 10.0))
    assert len(windows) >= 2 and score.margin == pytest.approx(expected)
    assert score.p_fake == pytest.approx(sigmoid(expected / 2.0))
    assert [w.p_fake for w in score.windows] == pytest.approx(sigmoid(tokens / 10.0 / 2.0))


def test_batched_scoring_equals_one_document_at_a_time(tokenizer, tiny_model_dir):
    from fakeradar.training.predict import onnx_logits_fn

    logits_fn = onnx_logits_fn(tiny_model_dir / "model.onnx")
    texts = [TEXT, "Shocking hoax exposed.", " ".join(TEXT.split()[:30])]
    batched = score_texts(tokenizer, texts, logits_fn, CHUNKING, batch_size=3)
    single = [score_document(tokenizer, t, logits_fn, CHUNKING) for t in texts]
    assert [b.p_fake for b in batched] == pytest.approx([s.p_fake for s in single], abs=1e-6)
