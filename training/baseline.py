"""The TF-IDF + logistic regression baseline every transformer result is compared with.

It reads the splits written by `fakeradar data`, feeds `model_input(title, text)` (the
exact string the transformer sees), fits on train only, reports on val and test (nothing
is selected on test), and writes DIR/baseline/metrics.json and model.joblib.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd

from .sources import COLUMNS, DataError, read_csv, require_columns
from .text import model_input

MODEL_NAME = "TF-IDF + logistic regression"
LABEL_NAMES = ["fake", "real"]


def load_split(data_dir: Path, name: str) -> pd.DataFrame:
    """One split written by `fakeradar data`, checked for its columns and labels."""
    path = Path(data_dir) / f"{name}.csv"
    if not path.is_file():
        raise DataError(f"{path}: missing; prepare the data first with "
                        f"`fakeradar data --isot DIR --out {data_dir}`")
    frame = read_csv(path)
    require_columns(frame, COLUMNS, path)
    if not frame["label"].isin(["0", "1"]).all():
        raise DataError(f"{path}: the label column must hold 0 (fake) or 1 (real) only")
    return frame.astype({"label": int})


def build_pipeline(seed: int = 42):
    """Word 1-2 grams, sublinear TF-IDF, L2 logistic regression: a strong, cheap baseline."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_df=0.95, sublinear_tf=True,
                        max_features=300_000),
        LogisticRegression(C=4.0, max_iter=2000, random_state=seed),
    )


def inputs(frame: pd.DataFrame) -> list[str]:
    """The model inputs of a split: `model_input(title, text)` for every row."""
    return [model_input(title, text) for title, text in zip(frame["title"], frame["text"],
                                                            strict=True)]


def evaluate(model, frame: pd.DataFrame) -> dict:
    """Accuracy, weighted precision/recall/F1 and sklearn's per-class report."""
    from sklearn.metrics import (
        accuracy_score,
        classification_report,
        precision_recall_fscore_support,
    )

    predicted = model.predict(inputs(frame))
    precision, recall, f1, _ = precision_recall_fscore_support(
        frame["label"], predicted, average="weighted", zero_division=0)
    return {
        "accuracy": round(float(accuracy_score(frame["label"], predicted)), 4),
        "precision_weighted": round(float(precision), 4),
        "recall_weighted": round(float(recall), 4),
        "f1_weighted": round(float(f1), 4),
        "report": classification_report(frame["label"], predicted, labels=[0, 1],
                                        target_names=LABEL_NAMES, output_dict=True,
                                        zero_division=0),
    }


def _summary(model, frame: pd.DataFrame) -> dict:
    """The headline figures without the per-class report."""
    return {key: value for key, value in evaluate(model, frame).items() if key != "report"}


def run_baseline(data_dir: Path, seed: int = 42) -> dict:
    """Fit on train, report on val and test, save metrics.json and model.joblib."""
    import joblib

    train, val, test = (load_split(data_dir, name) for name in ("train", "val", "test"))
    if train["label"].nunique() < 2:
        raise DataError(f"{data_dir}/train.csv holds one class only; the baseline needs both")
    if test.empty:
        raise DataError(f"{data_dir}/test.csv is empty; prepare the data with a test share")
    model = build_pipeline(seed)
    started = time.perf_counter()
    model.fit(inputs(train), train["label"])
    train_seconds = time.perf_counter() - started
    metrics = {"model": MODEL_NAME, **evaluate(model, test),
               "train_seconds": round(train_seconds, 2), "test_size": len(test),
               "train_size": len(train),
               "val": _summary(model, val) if len(val) else None,
               "test_by_source": {str(source): {**_summary(model, rows), "rows": len(rows)}
                                  for source, rows in test.groupby("source")}}
    out = Path(data_dir) / "baseline"
    out.mkdir(exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    joblib.dump(model, out / "model.joblib")
    return metrics


def metrics_text(metrics: dict) -> str:
    """A short readable summary of the baseline's test metrics."""
    lines = [f"{metrics['model']}: trained on {metrics['train_size']} rows in "
             f"{metrics['train_seconds']:.1f} s; test set {metrics['test_size']} rows",
             f"  accuracy {metrics['accuracy']:.4f}   precision {metrics['precision_weighted']:.4f}"
             f"   recall {metrics['recall_weighted']:.4f}   F1 {metrics['f1_weighted']:.4f}"
             "  (weighted)"]
    for name in LABEL_NAMES:
        row = metrics["report"][name]
        lines.append(f"  {name:>4}: precision {row['precision']:.4f}  recall {row['recall']:.4f}"
                     f"  F1 {row['f1-score']:.4f}  support {int(row['support'])}")
    if len(metrics.get("test_by_source", {})) > 1:
        lines.append("  by source: " + ", ".join(
            f"{source} {row['accuracy']:.3f} ({row['rows']})"
            for source, row in metrics["test_by_source"].items()))
    return "\n".join(lines)
