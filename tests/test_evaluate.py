"""`fakeradar evaluate`: the report files, calibration, comparison and cross-dataset rows."""

from __future__ import annotations

import csv
import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from fakeradar.daemon.cli import main
from fakeradar.training.calibrate import expected_calibration_error, fit_temperature
from fakeradar.training.chunking import sigmoid
from fakeradar.training.modeldir import read_info

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def evaluated(trained_tiny_dir, synthetic_data_dir, tmp_path_factory):
    """A copy of the trained tiny model, evaluated with a baseline and one --extra set."""
    model = tmp_path_factory.mktemp("evaluated") / "model"
    shutil.copytree(trained_tiny_dir, model)
    data = tmp_path_factory.mktemp("data-with-baseline")
    for name in ("train", "val", "test"):
        shutil.copy(synthetic_data_dir / f"{name}.csv", data)
    (data / "baseline").mkdir()
    (data / "baseline" / "metrics.json").write_text(json.dumps(
        {"model": "TF-IDF + logistic regression", "accuracy": 0.875, "f1_weighted": 0.874,
         "train_seconds": 0.4}))
    flipped = data / "flipped.csv"   # the test set with every label flipped: all errors
    with open(synthetic_data_dir / "test.csv") as src, open(flipped, "w", newline="") as dst:
        rows = list(csv.DictReader(src))
        writer = csv.DictWriter(dst, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({**r, "label": 1 - int(r["label"])} for r in rows)
    result = CliRunner().invoke(main, ["evaluate", "--model", str(model), "--data", str(data),
                                       "--extra", f"flipped={flipped}"])
    assert result.exit_code == 0, result.output
    return model


def test_report_files_exist_and_parse(evaluated):
    report = evaluated / "report"
    for name in ("confusion_matrix.png", "curves.png", "reliability.png"):
        data = (report / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 5000
    metrics = json.loads((report / "metrics.json").read_text())
    test = metrics["test"]
    assert test["n"] == 32 and test["accuracy"] > 0.9
    assert sum(map(sum, test["confusion_matrix"])) == 32
    assert set(test["report"]) >= {"fake", "real", "weighted avg"}
    markdown = (report / "report.md").read_text()
    assert "| fake |" in markdown and "## Confusion matrix" in markdown


def test_comparison_marks_published_rows(evaluated):
    comparison = json.loads((evaluated / "report" / "metrics.json").read_text())["comparison"]
    sources = {row["model"]: row["source"] for row in comparison}
    assert sources["TF-IDF + logistic regression"] == "measured here"
    assert sources["DistilBERT"] == sources["TinyBERT"] == "published, not reproduced"
    assert "tiny (this model)" in sources
    assert "published, not reproduced" in (evaluated / "report" / "report.md").read_text()


def test_cross_dataset_and_manifest(evaluated):
    info = read_info(evaluated)
    flipped = info.metrics["cross_dataset"]["flipped"]
    test = info.metrics["test"]
    # same documents, opposite labels: accuracies add up to one
    assert flipped["accuracy"] == pytest.approx(1 - test["accuracy"])
    assert set(flipped) >= {"n", "f1_weighted", "fake_recall", "ece"}
    metrics = json.loads((evaluated / "report" / "metrics.json").read_text())
    assert info.temperature == metrics["temperature"] > 0
    assert "ece_before" in test and "ece_after" in test
    assert "flipped: accuracy / F1" in (evaluated / "README.md").read_text()


def test_misclassified_sorted_by_confidence(evaluated, synthetic_data_dir):
    with open(evaluated / "report" / "misclassified.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert rows == [] or list(rows[0])[:4] == ["title", "true", "predicted", "p_fake"]
    confidences = [float(r["confidence"]) for r in rows]
    assert confidences == sorted(confidences, reverse=True)


def test_fit_temperature_recovers_the_true_temperature():
    rng = np.random.default_rng(0)
    margins = rng.normal(0, 4, 20000)
    labels = np.where(rng.random(20000) < sigmoid(margins / 2.5), 0, 1)
    assert fit_temperature(margins, labels) == pytest.approx(2.5, rel=0.08)


def test_fit_temperature_keeps_one_on_separable_data():
    assert fit_temperature(np.array([3.0, 2.0, -1.0, -4.0]), np.array([0, 0, 1, 1])) == 1.0


def test_ece_small_when_calibrated_large_when_overconfident():
    rng = np.random.default_rng(1)
    p_fake = rng.random(20000)
    labels = np.where(rng.random(20000) < p_fake, 0, 1)
    assert expected_calibration_error(p_fake, labels) < 0.02
    overconfident = np.where(p_fake >= 0.5, 0.999, 0.001)
    assert expected_calibration_error(overconfident, labels) > 0.2


def test_not_a_model_dir(tmp_path, synthetic_data_dir):
    result = CliRunner().invoke(main, ["evaluate", "--model", str(tmp_path),
                                       "--data", str(synthetic_data_dir)])
    assert result.exit_code == 1 and "not a fakeradar model" in result.output


def test_bad_extra_spec(trained_tiny_dir, synthetic_data_dir):
    result = CliRunner().invoke(main, ["evaluate", "--model", str(trained_tiny_dir),
                                       "--data", str(synthetic_data_dir), "--extra", "nonsense"])
    assert result.exit_code == 1 and "NAME=CSV" in result.output
