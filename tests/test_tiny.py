"""The tiny test model directory: complete, loadable by the daemon contract, and learned."""

from __future__ import annotations

import json

import numpy as np
import pytest

from fakeradar.training.modeldir import TOKENIZER_FILES, check_model_dir
from fakeradar.training.predict import load_backend_tokenizer, onnx_logits_fn, score_texts

FAKE_STYLED = "SHOCKING hoax EXPOSED! The rigged coverup by the elites is insane, share it."
REAL_STYLED = ("The ministry said on Tuesday that the budget agreement was reported by "
               "officials, according to analysts.")


def test_directory_is_complete(tiny_model_dir):
    info = check_model_dir(tiny_model_dir, need=("model.onnx", "model.int8.onnx",
                                                 "model.safetensors", "config.json", "README.md",
                                                 *TOKENIZER_FILES))
    assert info.chunking.max_length == 128 and info.chunking.stride == 32
    config = json.loads((tiny_model_dir / "config.json").read_text())
    assert config["id2label"] == {"0": "fake", "1": "real"}
    assert info.export["max_abs_p_diff_fp32_vs_torch"] <= 1e-4


def test_tokenizer_knows_ordinary_english(tiny_model_dir):
    tokenizer = load_backend_tokenizer(tiny_model_dir)
    encoding = tokenizer.encode("The Senate passed the budget bill on Tuesday evening.")
    assert tokenizer.token_to_id("[UNK]") not in encoding.ids
    assert encoding.tokens[:3] == ["[CLS]", "the", "senate"]
    vocab = (tiny_model_dir / "vocab.txt").read_text().splitlines()
    assert len(vocab) == 30522 and vocab[tokenizer.token_to_id("senate")] == "senate"


def test_saved_tokenizer_does_not_truncate(tiny_model_dir):
    from tokenizers import Tokenizer

    raw = Tokenizer.from_file(str(tiny_model_dir / "tokenizer.json"))
    assert raw.truncation is None and raw.padding is None


@pytest.mark.parametrize("name", ["model.onnx", "model.int8.onnx"])
def test_onnx_inputs_and_learned_styles(tiny_model_dir, name):
    import onnx

    graph = onnx.load(str(tiny_model_dir / name)).graph
    inputs = {i.name: i.type.tensor_type for i in graph.input}
    assert set(inputs) == {"input_ids", "attention_mask"}
    assert all(t.elem_type == onnx.TensorProto.INT64 for t in inputs.values())
    assert all(not d.HasField("dim_value") for t in inputs.values() for d in t.shape.dim)
    assert [o.name for o in graph.output] == ["logits"]
    info = check_model_dir(tiny_model_dir)
    scores = score_texts(load_backend_tokenizer(tiny_model_dir), [FAKE_STYLED, REAL_STYLED],
                         onnx_logits_fn(tiny_model_dir / name), info.chunking)
    assert scores[0].p_fake > 0.8 > 0.2 > scores[1].p_fake
    assert np.isfinite(scores[0].margin)
