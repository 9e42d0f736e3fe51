"""Scoring backends on the tiny model: verdicts, passages, parity with training code."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from fakeradar.daemon.scoring.base import (
    MAX_PASSAGE_TOKENS,
    MIN_PASSAGE_TOKENS,
    TOP_PASSAGES,
    load_scorer,
    passage_spans,
    verdict_for,
    within_budget,
)
from fakeradar.training.modeldir import ModelDirError, Thresholds
from fakeradar.training.predict import onnx_logits_fn, score_texts
from fakeradar.training.text import model_input

FAKE_STYLE = ("Shocking hoax exposed: the secret scandal is a bombshell, outrage as rigged "
              "coverup destroyed by furious elites. ")
REAL_STYLE = ("The ministry said on Tuesday that the committee reached an agreement on the "
              "quarterly budget, officials reported. ")


@pytest.mark.parametrize(("p_fake", "verdict"), [
    (0.0, "credible"), (0.25, "credible"), (0.2501, "uncertain"), (0.5, "uncertain"),
    (0.7499, "uncertain"), (0.75, "suspect"), (1.0, "suspect")])
def test_verdict_thresholds(p_fake, verdict):
    assert verdict_for(p_fake, Thresholds(suspect=0.75, credible=0.25)) == verdict


def test_fake_styled_text_scores_higher(tiny_scorer):
    fake = tiny_scorer.score(model_input("Bombshell", FAKE_STYLE * 3))
    real = tiny_scorer.score(model_input("Budget agreed", REAL_STYLE * 3))
    assert 0 <= real.p_fake < 0.5 < fake.p_fake <= 1
    assert tiny_scorer.backend == "onnxruntime" and tiny_scorer.device == "cpu"


def test_document_score_is_the_training_code_score(tiny_scorer, tiny_model_dir):
    text = model_input("Mixed", "\n".join([FAKE_STYLE * 4, REAL_STYLE * 6, FAKE_STYLE * 2]))
    daemon = tiny_scorer.score(text)
    logits_fn = onnx_logits_fn(tiny_model_dir / "model.int8.onnx")
    reference = score_texts(tiny_scorer.tokenizer, [text], logits_fn, tiny_scorer.info.chunking,
                            tiny_scorer.info.temperature)[0]
    assert daemon.p_fake == pytest.approx(reference.p_fake, abs=1e-5)
    assert daemon.windows == len(reference.windows) > 1


def test_passages_point_at_the_parts_that_lean_the_verdicts_way(tiny_scorer):
    paragraphs = [REAL_STYLE * 2, FAKE_STYLE * 3, REAL_STYLE * 2, REAL_STYLE * 3]
    text = model_input("Budget agreed", "\n".join(paragraphs))
    result = tiny_scorer.score(text)
    assert 0 < len(result.passages) <= TOP_PASSAGES
    for passage in result.passages:
        assert text[passage.start:passage.end] == passage.text and 0 <= passage.p_fake <= 1
    leans = [p.p_fake for p in result.passages]
    leans_fake = result.p_fake >= 0.5
    assert leans == sorted(leans, reverse=leans_fake)   # most influential first
    assert ("Shocking" in result.passages[0].text) == leans_fake
    assert result.timings_ms["infer"] > 0


def test_passage_spans_merge_short_paragraphs_and_cut_long_ones(tiny_scorer):
    text = "Short one.\nAnother short.\n" + "word " * 300 + "\nTail."
    offsets = tiny_scorer.tokenizer.encode(text, add_special_tokens=False).offsets
    spans = passage_spans(text, offsets)
    assert spans[0][0] == 0 and spans[-1][1] == len(offsets)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))   # no gaps
    assert all(end - start <= MAX_PASSAGE_TOKENS for start, end in spans)
    assert all(end - start >= MIN_PASSAGE_TOKENS for start, end in spans[:-1])


def test_torch_backend_agrees_with_onnx(tiny_model_dir, tiny_scorer):
    torch_scorer = load_scorer(tiny_model_dir, "torch")
    text = model_input("Bombshell", FAKE_STYLE * 2 + REAL_STYLE)
    assert torch_scorer.backend == "torch" and torch_scorer.device == "cpu"
    assert torch_scorer.score(text).p_fake == pytest.approx(tiny_scorer.score(text).p_fake,
                                                            abs=0.02)


def test_auto_backend_prefers_onnx(tiny_model_dir):
    assert load_scorer(tiny_model_dir).backend == "onnxruntime"


def test_missing_and_corrupt_model_dirs_fail_clearly(tmp_path, tiny_model_dir):
    with pytest.raises(ModelDirError, match="make train"):
        load_scorer(tmp_path / "nowhere")
    broken = tmp_path / "broken"
    shutil.copytree(tiny_model_dir, broken)
    (broken / "model.int8.onnx").write_bytes(b"not a model")
    with pytest.raises(ModelDirError, match="model.int8.onnx"):
        load_scorer(broken, "onnx")
    (broken / "fakeradar.json").write_text("{ truncated")
    with pytest.raises(ModelDirError, match="corrupt"):
        load_scorer(broken)
    (broken / "fakeradar.json").write_text(json.dumps({"format_version": 1}))
    with pytest.raises(ModelDirError):
        load_scorer(broken)


def test_onnx_run_returns_two_logits_per_window(tiny_scorer):
    ids = np.array([[101, 2023, 102, 0]], dtype=np.int64)
    mask = np.array([[1, 1, 1, 0]], dtype=np.int64)
    assert tiny_scorer.run(ids, mask).shape == (1, 2)


def test_passages_stay_within_the_token_budget():
    spans = [(i * 100, i * 100 + 100) for i in range(30)]
    assert within_budget(spans[:5], 1024) == spans[:5]
    picked = within_budget(spans, 1000)
    assert len(picked) == 10 and picked[0] == spans[0] and picked[-1] == spans[-1]
    assert within_budget(spans, 0) == []


def test_the_fused_gpu_batch_gives_the_same_scores(tiny_model_dir, tiny_scorer):
    """On CUDA passages ride in the windows' batch; the numbers must not change."""
    fused = load_scorer(tiny_model_dir, "onnx")
    fused.device = "cuda"          # takes the GPU code path on onnxruntime's CPU provider
    calls = []
    run = fused.run
    fused.run = lambda ids, mask: calls.append(len(ids)) or run(ids, mask)
    text = model_input("Mixed", "\n".join([FAKE_STYLE * 3, REAL_STYLE * 3, FAKE_STYLE]))
    got, want = fused.score(text), tiny_scorer.score(text)
    assert len(calls) == 1 and got.windows > 1
    assert got.p_fake == pytest.approx(want.p_fake, abs=1e-5)
    assert [(p.start, p.end) for p in got.passages] == [(p.start, p.end) for p in want.passages]
    assert [p.p_fake for p in got.passages] == pytest.approx([p.p_fake for p in want.passages],
                                                             abs=1e-5)
