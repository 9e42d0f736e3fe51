"""The shipped model (models/default/): the DESIGN.md contract, and right on held-out news."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fakeradar.training.modeldir import LABELS, ONNX_INT8, TOKENIZER_FILES, check_model_dir
from fakeradar.training.thresholds import TARGET, choose_thresholds, loosest_threshold

DEFAULT = Path(__file__).resolve().parents[1] / "models" / "default"
SOURCE_FILES = {"fakenewsnet_v1": "fakenewsnet_v1/fakenewsnet_v1_buzzfeed_politifact.csv"}


@pytest.fixture(scope="module")
def info():
    return check_model_dir(DEFAULT, need=(ONNX_INT8, "config.json", "README.md",
                                          *TOKENIZER_FILES))


def test_shipped_directory_meets_the_contract(info):
    assert info.labels == LABELS
    config = json.loads((DEFAULT / "config.json").read_text())
    assert {int(k): v for k, v in config["id2label"].items()} == {0: "fake", 1: "real"}
    assert 0 < info.thresholds.credible < 0.5 < info.thresholds.suspect < 1
    assert "validation" in info.thresholds_reason
    assert info.temperature > 0
    assert (DEFAULT / ONNX_INT8).stat().st_size < 40e6   # small enough to ship in git


def test_manifest_records_leave_one_out_and_per_source_figures(info):
    loo = info.metrics["loo"][info.metrics["recipe_chosen"]]["loo"]
    assert set(loo) == {"isot", "fakenewsnet_v1", "fa-kes", "fakenewsamt"}
    assert all(0 <= r["accuracy"] <= 1 and r["n"] > 100 for r in loo.values())
    assert {"all", "isot", "fa-kes"} <= set(info.metrics["per_source_test"])
    card = (DEFAULT / "README.md").read_text()
    assert "Leave-one-dataset-out" in card and "mobilebert-uncased" in card


def _raw_article(shared_data: Path, source: str, title: str) -> str:
    """The article as the data pipeline reads and cleans it, as the model input string."""
    from fakeradar.training.data import clean_frame
    from fakeradar.training.sources import load_csv_source, preset_source
    from fakeradar.training.text import model_input

    frame, _ = load_csv_source(preset_source(source, str(shared_data / SOURCE_FILES[source])))
    cleaned = clean_frame(frame)
    row = cleaned[cleaned["title"] == title].iloc[0]
    return model_input(row["title"], row["text"])


def test_scores_held_out_articles_in_the_right_direction(info, shared_data):
    from fakeradar.daemon.scoring.base import load_scorer

    scorer = load_scorer(DEFAULT, backend="onnx")
    examples = info.training["heldout_examples"]   # from the test split, seed 42
    assert sorted(e["label"] for e in examples) == [0, 1]
    for example in examples:
        result = scorer.score(_raw_article(shared_data, example["source"], example["title"]))
        if example["label"] == 0:
            assert result.p_fake >= info.thresholds.suspect, example["title"]
        else:
            assert result.p_fake <= info.thresholds.credible, example["title"]
        assert result.p_fake == pytest.approx(example["p_fake"], abs=0.02)


def test_thresholds_reach_the_target_precision_on_both_sets():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 400)
    sharp = np.clip(np.where(labels == 0, 0.8, 0.2) + rng.normal(0, 0.15, 400), 0, 1)
    vague = np.clip(np.where(labels == 0, 0.65, 0.35) + rng.normal(0, 0.15, 400), 0, 1)
    thresholds, reason, choice = choose_thresholds((sharp, labels), (vague, labels))
    assert thresholds.suspect >= loosest_threshold(sharp, labels, "fake")
    assert thresholds.suspect == loosest_threshold(vague, labels, "fake")  # the stricter set
    for name in ("in_domain_val", "out_of_domain_loo"):
        assert choice[name]["suspect_precision"] >= TARGET
        assert choice[name]["credible_precision"] >= TARGET
    assert "uncertain" in reason


def test_unreachable_target_keeps_the_wide_defaults():
    labels = np.array([0, 1] * 100)
    coin = np.full(200, 0.5)
    thresholds, reason, _ = choose_thresholds((coin, labels), (coin, labels))
    assert (thresholds.suspect, thresholds.credible) == (0.75, 0.25)
    assert "default" in reason


def test_leave_one_out_folder_holds_the_source_out_of_training(tmp_path):
    import pandas as pd

    from fakeradar.training.default_model import write_loo_folder

    data = tmp_path / "data"
    data.mkdir()
    for split, n in (("train", 8), ("val", 4), ("test", 4)):
        pd.DataFrame({"title": [f"{split} {i}" for i in range(n)], "text": "body",
                      "label": [i % 2 for i in range(n)],
                      "source": ["isot", "fa-kes"] * (n // 2)}).to_csv(data / f"{split}.csv",
                                                                         index=False)
    loo = write_loo_folder(data, tmp_path / "loo-fa-kes", "fa-kes")
    for split in ("train", "val"):
        assert set(pd.read_csv(loo / f"{split}.csv")["source"]) == {"isot"}
    test = pd.read_csv(loo / "test.csv")
    assert set(test["source"]) == {"fa-kes"} and len(test) == 8   # every row of the source
