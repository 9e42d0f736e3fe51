"""`fakeradar retrain`: feedback -> merged data -> train -> compare -> promote or refuse."""

from __future__ import annotations

import json
import random
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from fakeradar.daemon.registry import current_name, read_pointer, rollback
from fakeradar.daemon.storage import Feedback, FeedbackStore
from fakeradar.training.retrain import export_feedback, merge_feedback, retrain
from fakeradar.training.tiny import synthetic_example

# Fine-tuning from the tiny model's weights: 1e-3 learns the corrections; 5e-3 (the rate
# that trains it from scratch) makes the already-trained model collapse.
RECIPE = ["--epochs", "3", "--learning-rate", "1e-3", "--train-batch-size", "8"]


@pytest.fixture
def models_dir(tmp_path, tiny_model_dir):
    root = tmp_path / "models"
    shutil.copytree(tiny_model_dir, root / "default")
    return root


@pytest.fixture(autouse=True)
def _one_torch_thread(torch_one_thread):
    """Training tests use one torch thread (2 shared cores; faster and repeatable)."""


def store_feedback(home, n: int, contradict: bool, seed: int = 7) -> None:
    """n synthetic articles; the user labels them by their style, or against it."""
    store, rng = FeedbackStore(home), random.Random(seed)
    for i in range(n):
        title, body = synthetic_example(rng, i % 2)
        label = ("fake", "real")[(i + contradict) % 2]
        store.add(Feedback(score_id="0" * 64, label=label, title=title, text=body))


def run_retrain(home, models_dir, data_dir, *extra):
    args = ["--data", str(data_dir), "--home", str(home), "--models-dir", str(models_dir),
            *RECIPE, *extra]
    return CliRunner().invoke(retrain, args, catch_exceptions=False)


def test_feedback_export_dedupes_and_the_latest_correction_wins(isolated_user_dir):
    store = FeedbackStore(isolated_user_dir)
    body = "Officials said the committee met on Tuesday to discuss the quarterly budget. " * 3
    store.add(Feedback(score_id="a" * 64, label="real", title="Budget talks", text=body))
    store.add(Feedback(score_id="a" * 64, label="fake", title="Budget  talks",
                       text=body.upper()))          # the same article, relabelled later
    store.add(Feedback(score_id="b" * 64, label="fake", title="", text="   "))   # empty
    frame, stats = export_feedback(isolated_user_dir)
    assert len(frame) == 1 and frame["label"].tolist() == [0]
    assert stats == {**stats, "rows": 3, "articles": 1, "empty_dropped": 1, "repeated_rows": 1,
                     "relabelled_by_user": 1}


def test_merge_lets_the_users_label_win_and_keeps_test_articles_out_of_train(
        synthetic_data_dir, tmp_path):
    test = pd.read_csv(synthetic_data_dir / "test.csv")
    corrected = test.iloc[[0]].assign(label=1 - test["label"].iloc[0], source="feedback")
    report = merge_feedback(synthetic_data_dir, corrected.reset_index(drop=True), tmp_path / "m")
    merged = {name: pd.read_csv(tmp_path / "m" / f"{name}.csv") for name in ("train", "test")}
    assert report["splits"]["test"] == {"rows": len(test) - 1, "dataset_rows_replaced": 1,
                                        "dataset_labels_overruled": 1}
    assert test["text"].iloc[0] not in set(merged["test"]["text"])
    in_train = merged["train"][merged["train"]["text"] == test["text"].iloc[0]]
    assert in_train["label"].tolist() == [corrected["label"].iloc[0]]


def test_retrain_promotes_a_candidate_that_is_not_worse_and_rollback_undoes_it(
        isolated_user_dir, models_dir, synthetic_data_dir):
    store_feedback(isolated_user_dir, 24, contradict=False)
    result = run_retrain(isolated_user_dir, models_dir, synthetic_data_dir)
    assert result.exit_code == 0, result.output
    assert "\npromoted default-" in "\n" + result.stdout
    new = read_pointer(models_dir)
    assert new.startswith("default-") and current_name(models_dir) == new
    report = json.loads((models_dir / new / "retrain_report.json").read_text())
    candidate, current = report["comparison"]["candidate"], report["comparison"]["current"]
    assert report["promoted"] and candidate["model"] == new and current["model"] == "default"
    assert candidate["test"]["n"] == current["test"]["n"] == 32
    assert candidate["feedback"]["accuracy"] >= current["feedback"]["accuracy"]
    assert "PROMOTED" in (models_dir / new / "retrain_report.md").read_text()
    assert (models_dir / new / "model.int8.onnx").is_file()
    assert not list(models_dir.glob(".retrain-*"))          # work folder cleaned up
    assert rollback(models_dir) == "default" and current_name(models_dir) == "default"


def test_retrain_refuses_a_candidate_that_is_not_better_enough(
        isolated_user_dir, models_dir, synthetic_data_dir):
    # Corrections that contradict the data: selection on val F1 keeps the candidate near
    # the current model, so a negative tolerance (demand +0.2 F1) forces the refusal.
    store_feedback(isolated_user_dir, 40, contradict=True)
    result = run_retrain(isolated_user_dir, models_dir, synthetic_data_dir,
                         "--f1-tolerance", "-0.2")
    assert result.exit_code == 0, result.output
    assert "\nNOT promoted default-" in "\n" + result.stdout
    assert read_pointer(models_dir) is None and current_name(models_dir) == "default"
    refused = [p for p in models_dir.iterdir() if p.name.startswith("default-")]
    assert len(refused) == 1
    report = json.loads((refused[0] / "retrain_report.json").read_text())
    assert not report["promoted"]
    assert any(r.startswith("WORSE: test F1") for r in report["reasons"])
    assert "REFUSED" in (refused[0] / "retrain_report.md").read_text()


def test_retrain_without_feedback_is_a_one_line_error(isolated_user_dir, models_dir,
                                                      synthetic_data_dir):
    result = run_retrain(isolated_user_dir, models_dir, synthetic_data_dir)
    assert result.exit_code == 1
    assert "no feedback to learn from" in result.output and "Traceback" not in result.output
    assert read_pointer(models_dir) is None


@pytest.mark.parametrize(("candidate", "promote"), [
    ({"test": 0.90, "feedback": 0.80}, True),     # F1 within the tolerance, feedback better
    ({"test": 0.88, "feedback": 0.90}, False),    # F1 dropped by more than the tolerance
    ({"test": 0.95, "feedback": 0.70}, False),    # feedback accuracy lower
])
def test_promotion_rule(candidate, promote):
    from fakeradar.training.retrain import decide

    def result(test_f1, feedback_accuracy):
        return {"test": {"f1_weighted": test_f1}, "feedback": {"accuracy": feedback_accuracy}}

    comparison = {"current": result(0.905, 0.75),
                  "candidate": result(candidate["test"], candidate["feedback"])}
    decision = decide(comparison, f1_tolerance=0.01)
    assert decision.promote is promote
    assert any(r.startswith("WORSE") for r in decision.reasons) is not promote
    assert not decide(comparison, 0.01, export_error="int8 disagrees").promote
