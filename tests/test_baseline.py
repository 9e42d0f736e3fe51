"""The TF-IDF baseline: the metrics contract, the saved pipeline, the CLI and its errors."""

from __future__ import annotations

import json

import joblib
import pytest
from click.testing import CliRunner
from synthetic_isot import write_isot

from fakeradar.daemon.cli import main
from fakeradar.training.data import PrepareOptions, prepare_data
from fakeradar.training.text import model_input


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("baseline")
    prepare_data(write_isot(root / "isot", per_class=150), [], root / "data",
                 PrepareOptions(audit=False))
    return root / "data"


def test_baseline_command_writes_the_metrics_contract(data_dir) -> None:
    result = CliRunner().invoke(main, ["baseline", "--data", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.output and "fake: precision" in result.output
    metrics = json.loads((data_dir / "baseline" / "metrics.json").read_text())
    assert metrics["model"] == "TF-IDF + logistic regression"
    for key in ("accuracy", "precision_weighted", "recall_weighted", "f1_weighted"):
        assert 0.0 <= metrics[key] <= 1.0
    assert metrics["report"]["fake"]["support"] + metrics["report"]["real"]["support"] \
        == metrics["test_size"] == 30
    assert metrics["train_seconds"] >= 0
    # The class signal lives mid-body (artefacts are cleaned away): it must be learnt.
    assert metrics["accuracy"] >= 0.9


def test_saved_pipeline_scores_model_inputs(data_dir) -> None:
    if not (data_dir / "baseline" / "model.joblib").exists():
        CliRunner().invoke(main, ["baseline", "--data", str(data_dir)])
    model = joblib.load(data_dir / "baseline" / "model.joblib")
    fake = model_input("A story", "Market river school. The outrage engine couldn't wait. "
                                  "Garden letter tower.")
    real = model_input("A story", "Market river school. The ministry engine couldn't wait. "
                                  "Garden letter tower.")
    assert list(model.predict([fake, real])) == [0, 1]


def test_baseline_errors_are_one_line(tmp_path, data_dir) -> None:
    (tmp_path / "train.csv").write_text("title,body\nA,b\n")
    for args, expected in ((["baseline", "--data", str(tmp_path / "none")], "train.csv: missing"),
                           (["baseline", "--data", str(tmp_path)], "missing column(s) text")):
        result = CliRunner().invoke(main, args)
        assert result.exit_code != 0 and "Traceback" not in result.output
        assert expected in result.output.strip().splitlines()[-1]
