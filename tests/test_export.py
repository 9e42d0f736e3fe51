"""`fakeradar export`: ONNX fp32 + int8 with a parity check that fails loudly."""

from __future__ import annotations

import shutil

import onnx
import pytest
from click.testing import CliRunner

from fakeradar.daemon.cli import main
from fakeradar.training import export as export_module
from fakeradar.training.modeldir import ONNX_FP32, ONNX_INT8, check_model_dir, read_info, write_info


@pytest.fixture
def model_copy(trained_tiny_dir, tmp_path):
    shutil.copytree(trained_tiny_dir, tmp_path / "model")
    return tmp_path / "model"


def run_export(model_dir, *args: str):
    return CliRunner().invoke(main, ["export", "--model", str(model_dir), "--parity-docs", "16",
                                     *args])


def test_export_writes_checked_onnx_and_records_parity(model_copy):
    result = run_export(model_copy)
    assert result.exit_code == 0, result.output
    info = check_model_dir(model_copy, need=(ONNX_FP32, ONNX_INT8, "README.md"))
    record = info.export
    assert record["max_abs_p_diff_fp32_vs_torch"] <= 1e-4
    assert record["int8_label_agreement"] >= 0.99 and record["parity_docs"] == 16
    # the data folder is known from training, so int8's accuracy change is measured on test
    assert record["test_docs"] == 32
    assert record["int8_accuracy_change"] == pytest.approx(
        record["accuracy_int8"] - record["accuracy_fp32"])
    assert record["sizes_mb"][ONNX_INT8] < record["sizes_mb"][ONNX_FP32]
    assert record["fused_attention_nodes"] == 0   # MobileBERT: nothing to fuse
    graph = onnx.load(str(model_copy / ONNX_INT8)).graph
    assert [i.name for i in graph.input] == ["input_ids", "attention_mask"]
    card = (model_copy / "README.md").read_text()
    assert "Ahmed" in card and "int8 label agreement" in card


def test_broken_parity_fails_loudly(model_copy, monkeypatch):
    real_export = export_module.export_onnx

    def export_with_drift(model, path, opset=17):
        # what a broken export looks like: the ONNX graph's weights differ from torch's
        import torch

        head = model.classifier.bias
        with torch.no_grad():
            head += torch.tensor([0.5, -0.5])
        try:
            return real_export(model, path, opset)
        finally:
            with torch.no_grad():
                head -= torch.tensor([0.5, -0.5])

    monkeypatch.setattr(export_module, "export_onnx", export_with_drift)
    result = run_export(model_copy)
    assert result.exit_code == 1
    assert "PARITY CHECK FAILED: ONNX fp32 differs from torch" in result.output
    assert check_model_dir(model_copy).export == {}   # nothing recorded as if it passed


def test_int8_disagreement_fails_loudly(model_copy, monkeypatch):
    monkeypatch.setattr(export_module, "INT8_AGREEMENT", 1.01)   # unattainable on purpose
    result = run_export(model_copy)
    assert result.exit_code == 1 and "int8 agrees with fp32 on only" in result.output


def test_not_a_model_dir(tmp_path):
    (tmp_path / "fakeradar.json").write_text("{not json")
    result = run_export(tmp_path)
    assert result.exit_code == 1 and "is corrupt" in result.output


def test_model_dir_without_weights(tiny_model_dir, tmp_path):
    shutil.copytree(tiny_model_dir, tmp_path / "m")
    (tmp_path / "m" / "model.safetensors").unlink()
    result = run_export(tmp_path / "m")
    assert result.exit_code == 1 and "lacks model.safetensors" in result.output


def test_export_when_the_recorded_data_folder_is_gone(model_copy, synthetic_data_dir, tmp_path):
    info = read_info(model_copy)
    info.training["data_dir"] = str(tmp_path / "deleted")   # e.g. retrain's merged folder
    write_info(model_copy, info)
    result = run_export(model_copy)
    assert result.exit_code == 1 and "pass --data DIR" in result.output
    assert run_export(model_copy, "--data", str(synthetic_data_dir)).exit_code == 0
    assert read_info(model_copy).export["test_docs"] == 32


def test_a_retrained_model_falls_back_to_the_folder_it_was_merged_from(model_copy,
                                                                        synthetic_data_dir):
    info = read_info(model_copy)
    info.training.update(data_dir="/nonexistent/merged",
                         retrain={"data_dir": str(synthetic_data_dir)})
    assert info.training_data_dir() == synthetic_data_dir
    info.training["retrain"]["data_dir"] = "/nonexistent/too"
    assert info.training_data_dir() is None
