"""`fakeradar train` on a tiny MobileBERT: learning, resuming, early stopping, clear errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from fakeradar.daemon.cli import main
from fakeradar.training.config import DerivedNumbers, TrainConfig
from fakeradar.training.modeldir import TOKENIZER_FILES, TORCH_WEIGHTS, check_model_dir
from fakeradar.training.train import TRAINING_LOG

FAST = ["--base-model", "tiny", "--max-length", "64", "--train-batch-size", "8"]


def run_cli(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(autouse=True)
def _one_torch_thread(torch_one_thread):
    """Training tests use one torch thread (2 shared cores; faster and repeatable)."""


def test_training_learns_and_writes_a_model_dir(trained_tiny_dir, synthetic_data_dir):
    info = check_model_dir(trained_tiny_dir, need=(TORCH_WEIGHTS, "config.json",
                                                   *TOKENIZER_FILES))
    history = json.loads((trained_tiny_dir / TRAINING_LOG).read_text())
    losses = [e["loss"] for e in history if "loss" in e]
    evals = [e for e in history if "eval_loss" in e]
    assert losses[0] > 0.6 and min(losses) < 0.1
    assert min(e["eval_loss"] for e in evals) < 0.3 * evals[0]["eval_loss"]
    assert info.training["best_val_f1"] > 0.9
    assert info.training["sizes"] == {"train": 96, "val": 32}
    assert info.training["recipe"]["learning_rate"] == 5e-3
    assert info.training["data_dir"] == str(synthetic_data_dir.resolve())
    assert info.training["seconds"] > 0 and info.training["device"] == "cpu"
    assert info.chunking.max_length == 64 and info.temperature == 1.0


def test_derived_numbers_cap_warmup_on_small_data():
    derived = DerivedNumbers.compute(TrainConfig(), train_examples=1000)
    assert (derived.steps_per_epoch, derived.total_steps, derived.warmup_used) == (63, 315, 31)
    full = DerivedNumbers.compute(TrainConfig(), train_examples=35000, world_size=2)
    assert (full.effective_batch, full.warmup_used) == (32, 500)


def test_early_stopping_stops_when_f1_stalls(synthetic_data_dir, tmp_path):
    # learning rate 0: validation F1 never improves, so patience 2 stops after epoch 3 of 10
    result = run_cli("train", "--data", str(synthetic_data_dir), "--out", str(tmp_path / "m"),
                     *FAST, "--epochs", "10", "--learning-rate", "0", "--limit", "16")
    assert result.exit_code == 0, result.output
    info = check_model_dir(tmp_path / "m")
    assert info.training["epochs_run"] == 3 and info.training["steps"] == 6


def test_resume_continues_from_the_last_checkpoint(synthetic_data_dir, tmp_path):
    out = tmp_path / "m"
    common = ["train", "--data", str(synthetic_data_dir), "--out", str(out), *FAST,
              "--limit", "16"]
    assert run_cli(*common, "--epochs", "1").exit_code == 0
    assert (tmp_path / "m.checkpoints" / "checkpoint-2").is_dir()
    result = run_cli(*common, "--epochs", "2", "--resume")
    assert result.exit_code == 0, result.output
    info = check_model_dir(out)
    assert info.training["resumed"] and info.training["steps"] == 4
    history = json.loads((out / TRAINING_LOG).read_text())
    assert [e["epoch"] for e in history if "eval_loss" in e] == [1.0, 2.0]


def test_resume_without_checkpoint_is_a_clear_error(synthetic_data_dir, tmp_path):
    result = run_cli("train", "--data", str(synthetic_data_dir), "--out", str(tmp_path / "m"),
                     *FAST, "--resume")
    assert result.exit_code == 1
    assert "no checkpoint in" in result.output and "Traceback" not in result.output


def test_missing_data_dir(tmp_path):
    result = run_cli("train", "--data", str(tmp_path / "nothing"), "--out", str(tmp_path / "m"),
                     *FAST)
    assert result.exit_code == 1
    assert "does not exist" in result.output and "fakeradar data" in result.output


def test_wrong_columns(tmp_path):
    for name in ("train", "val", "test"):
        (tmp_path / f"{name}.csv").write_text("headline,body,y\na,b,1\n")
    result = run_cli("train", "--data", str(tmp_path), "--out", str(tmp_path / "m"), *FAST)
    assert result.exit_code == 1
    assert "lacks column(s) title, text, label" in result.output


def test_bad_labels(tmp_path):
    for name in ("train", "val", "test"):
        (tmp_path / f"{name}.csv").write_text("title,text,label,source\na,b,fake,x\n")
    result = run_cli("train", "--data", str(tmp_path), "--out", str(tmp_path / "m"), *FAST)
    assert result.exit_code == 1 and "label must be 0 (fake) or 1 (real)" in result.output


def test_unknown_base_model_offline(synthetic_data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    result = run_cli("train", "--data", str(synthetic_data_dir), "--out", str(tmp_path / "m"),
                     "--base-model", "someone/no-such-model")
    assert result.exit_code == 1
    assert "hf download someone/no-such-model" in result.output
    assert "--base-model minilm" in result.output and len(result.output.splitlines()) == 1


def test_missing_local_base_model_folder(synthetic_data_dir, tmp_path):
    result = run_cli("train", "--data", str(synthetic_data_dir), "--out", str(tmp_path / "m"),
                     "--base-model", str(tmp_path / "weights"))
    assert result.exit_code == 1 and "does not exist" in result.output


def test_tiny_alias_tokenizer_knows_english():
    from fakeradar.training.basemodel import load_base_model

    model, tokenizer, name = load_base_model("tiny", max_length=64)
    ids = tokenizer("Officials reported the quarterly budget on Tuesday.")["input_ids"]
    assert tokenizer.unk_token_id not in ids and len(ids) == 10
    assert model.config.id2label == {0: "fake", 1: "real"} and name == "tiny"


@pytest.mark.slow
def test_minilm_on_isot_sample_end_to_end(shared_data, tmp_path):
    """data -> train (packaged MiniLM, a few dozen steps) -> evaluate -> export, all offline."""
    data, model = tmp_path / "data", tmp_path / "minilm"
    result = run_cli("data", "--isot", str(shared_data / "isot_sample"), "--out", str(data))
    assert result.exit_code == 0, result.output
    result = run_cli("train", "--data", str(data), "--out", str(model), "--base-model", "minilm",
                     "--max-length", "128", "--max-steps", "24", "--learning-rate", "1e-4",
                     "--limit", "384")
    assert result.exit_code == 0, result.output
    history = json.loads((model / TRAINING_LOG).read_text())
    losses = [e["loss"] for e in history if "loss" in e]
    assert losses[-1] < losses[0] - 0.2
    result = run_cli("evaluate", "--model", str(model), "--data", str(data), "--limit", "60")
    assert result.exit_code == 0, result.output
    result = run_cli("export", "--model", str(model), "--parity-docs", "16", "--test-limit", "40")
    assert result.exit_code == 0, result.output
    info = check_model_dir(model, need=("model.onnx", "model.int8.onnx", TORCH_WEIGHTS))
    assert info.base_model == "sentence-transformers/all-MiniLM-L6-v2"
    assert info.metrics["test"]["accuracy"] > 0.8
    assert info.export["test_docs"] == 40 and (model / "report" / "report.md").is_file()
    assert info.export["max_abs_p_diff_fp32_vs_torch"] <= 1e-4
    assert info.export["fused_attention_nodes"] > 0   # MiniLM is a BERT: attention fuses
