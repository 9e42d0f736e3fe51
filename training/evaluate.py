"""`fakeradar evaluate`: the full test report of a trained model directory.

Documents are scored through chunking.score_document (the daemon's windowing), with
the torch weights. The temperature is fitted on the validation split, then the test
split and every --extra set are scored with it. Everything lands in MODEL/report/
and the headline numbers in fakeradar.json `metrics`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from fakeradar.training.calibrate import (
    calibrated,
    expected_calibration_error,
    fit_temperature,
)
from fakeradar.training.modeldir import LABELS, TORCH_WEIGHTS, check_model_dir, write_info
from fakeradar.training.splits import SplitError, check_frame, read_split

# The original notebook's figures (ISOT, its own split and preprocessing): shown for
# context, never reproduced here.
PUBLISHED = [("DistilBERT", 0.9996), ("TinyBERT", 0.9991), ("TF-IDF + ML", 0.984)]


def parse_extras(extras: tuple[str, ...]) -> dict[str, Path]:
    """NAME=CSV pairs -> {name: path}; SplitError on a malformed pair or missing file."""
    parsed = {}
    for item in extras:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise SplitError(f"--extra expects NAME=CSV, got {item!r}")
        if not Path(path).is_file():
            raise SplitError(f"--extra {name}: {path} does not exist")
        parsed[name] = Path(path)
    return parsed


def read_extra(path: Path):
    import pandas as pd

    try:
        frame = pd.read_csv(path, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise SplitError(f"{path} is not a readable CSV ({str(exc).splitlines()[0]})") from None
    return check_frame(frame, str(path))


def classification_summary(labels: np.ndarray, p_fake: np.ndarray) -> dict:
    """Accuracy, weighted P/R/F1, per-class report, confusion matrix and ECE."""
    from sklearn.metrics import (
        accuracy_score,
        classification_report,
        confusion_matrix,
        precision_recall_fscore_support,
    )

    predicted = np.where(p_fake >= 0.5, 0, 1)
    precision, recall, f1, _ = precision_recall_fscore_support(
        labels, predicted, average="weighted", zero_division=0)
    report = classification_report(labels, predicted, labels=[0, 1], target_names=LABELS,
                                   output_dict=True, zero_division=0)
    return {"n": int(len(labels)), "accuracy": float(accuracy_score(labels, predicted)),
            "precision_weighted": float(precision), "recall_weighted": float(recall),
            "f1_weighted": float(f1), "fake_recall": float(report["fake"]["recall"]),
            "report": report,
            "confusion_matrix": confusion_matrix(labels, predicted, labels=[0, 1]).tolist(),
            "ece": expected_calibration_error(p_fake, labels)}


class _Scorer:
    """Scores frames with the model directory's torch weights and windowing."""

    def __init__(self, model_dir: Path, batch_size: int) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification

        from fakeradar.training.predict import load_backend_tokenizer, torch_logits_fn

        self.info = check_model_dir(model_dir, need=(TORCH_WEIGHTS, "config.json"))
        device = "cuda" if torch.cuda.is_available() else "cpu"
        model = AutoModelForSequenceClassification.from_pretrained(str(model_dir))
        self.logits_fn = torch_logits_fn(model, device)
        self.tokenizer = load_backend_tokenizer(model_dir)
        self.batch_size = batch_size

    def margins(self, frame, desc: str) -> np.ndarray:
        from fakeradar.training.predict import score_texts

        scores = score_texts(self.tokenizer, frame["input"].tolist(), self.logits_fn,
                             self.info.chunking, batch_size=self.batch_size, desc=desc)
        return np.array([s.margin for s in scores])


def _misclassified(frame, p_fake: np.ndarray):
    """Wrong predictions, most confident first."""
    predicted = np.where(p_fake >= 0.5, 0, 1)
    wrong = frame.assign(true=[LABELS[y] for y in frame["label"]],
                         predicted=[LABELS[y] for y in predicted], p_fake=p_fake,
                         confidence=np.abs(p_fake - 0.5) * 2)[predicted != frame["label"]]
    return wrong.sort_values("confidence", ascending=False)[
        ["title", "true", "predicted", "p_fake", "confidence", "source"]]


def comparison_rows(data_dir: Path, test: dict, training: dict) -> list[dict]:
    """Baseline (if trained), this model, and the notebook's published figures."""
    rows = []
    baseline_path = Path(data_dir) / "baseline" / "metrics.json"
    if baseline_path.is_file():
        baseline = json.loads(baseline_path.read_text(encoding="utf-8"))
        rows.append({"model": baseline.get("model", "TF-IDF + logistic regression"),
                     "accuracy": baseline.get("accuracy"),
                     "f1_weighted": baseline.get("f1_weighted"),
                     "train_seconds": baseline.get("train_seconds"), "source": "measured here"})
    rows.append({"model": f"{training.get('base_model', '?')} (this model)",
                 "accuracy": test["accuracy"], "f1_weighted": test["f1_weighted"],
                 "train_seconds": training.get("seconds"), "source": "measured here"})
    rows += [{"model": name, "accuracy": accuracy, "f1_weighted": None, "train_seconds": None,
              "source": "published, not reproduced"} for name, accuracy in PUBLISHED]
    return rows


def _fmt(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else ("-" if value is None else str(value))


def render_markdown(metrics: dict, comparison: list[dict]) -> str:
    test = metrics["test"]
    lines = [f"# Evaluation report: {metrics['model']}", "",
             f"Test split: {test['n']} documents. Temperature {metrics['temperature']:.4f} "
             f"(fitted on {metrics['val_n']} validation documents).", "",
             "| metric | value |", "| --- | --- |"]
    lines += [f"| {key} | {_fmt(test[key])} |" for key in
              ("accuracy", "precision_weighted", "recall_weighted", "f1_weighted",
               "ece_before", "ece_after")]
    lines += ["", "## Per class", "", "| class | precision | recall | F1 | support |",
              "| --- | --- | --- | --- | --- |"]
    lines += [f"| {name} | {_fmt(test['report'][name]['precision'])} | "
              f"{_fmt(test['report'][name]['recall'])} | {_fmt(test['report'][name]['f1-score'])}"
              f" | {int(test['report'][name]['support'])} |" for name in LABELS]
    matrix = test["confusion_matrix"]
    lines += ["", "## Confusion matrix (rows true, columns predicted)", "",
              "| | fake | real |", "| --- | --- | --- |",
              f"| fake | {matrix[0][0]} | {matrix[0][1]} |",
              f"| real | {matrix[1][0]} | {matrix[1][1]} |",
              "", "![confusion matrix](confusion_matrix.png)", "", "## Comparison", "",
              "| model | accuracy | F1 (weighted) | training s | source |",
              "| --- | --- | --- | --- | --- |"]
    lines += [f"| {r['model']} | {_fmt(r['accuracy'])} | {_fmt(r['f1_weighted'])} | "
              f"{r['train_seconds'] if r['train_seconds'] is not None else '-'} | {r['source']} |"
              for r in comparison]
    if metrics["cross_dataset"]:
        lines += ["", "## Cross-dataset", "", "| set | n | accuracy | F1 | fake recall | ECE |",
                  "| --- | --- | --- | --- | --- | --- |"]
        lines += [f"| {name} | {r['n']} | {_fmt(r['accuracy'])} | {_fmt(r['f1_weighted'])} | "
                  f"{_fmt(r['fake_recall'])} | {_fmt(r['ece'])} |"
                  for name, r in metrics["cross_dataset"].items()]
    lines += ["", "![training curves](curves.png)", "", "![reliability](reliability.png)", "",
              "Misclassified test documents, most confident first: misclassified.csv", ""]
    return "\n".join(lines)


def _write_figures(report_dir: Path, model_dir: Path, test: dict, reliability: dict) -> None:
    from fakeradar.training import report_plots
    from fakeradar.training.train import TRAINING_LOG

    report_plots.confusion_heatmap(np.array(test["confusion_matrix"]),
                                   report_dir / "confusion_matrix.png", "test split")
    log_path = model_dir / TRAINING_LOG
    if log_path.is_file():
        report_plots.training_curves(json.loads(log_path.read_text(encoding="utf-8")),
                                     report_dir / "curves.png")
    report_plots.reliability_diagram(reliability, report_dir / "reliability.png")


def _cross_dataset(scorer: _Scorer, extras: dict[str, Path], temperature: float) -> dict:
    results = {}
    for name, path in extras.items():
        frame = read_extra(path)
        p_fake = calibrated(scorer.margins(frame, f"scoring {name}"), temperature)
        summary = classification_summary(frame["label"].to_numpy(), p_fake)
        results[name] = {key: summary[key] for key in
                         ("n", "accuracy", "f1_weighted", "fake_recall", "ece")}
        results[name]["path"] = str(path)
    return results


def evaluate_model(model_dir: Path, data_dir: Path, extras: dict[str, Path],
                   batch_size: int = 32, limit: int | None = None) -> str:
    """Write MODEL/report/ and the manifest's metrics + temperature; returns a summary line."""
    from fakeradar.training.modelcard import write_model_card

    model_dir = Path(model_dir)
    scorer = _Scorer(model_dir, batch_size)
    val, test = read_split(data_dir, "val", limit), read_split(data_dir, "test", limit)
    val_margins = scorer.margins(val, "scoring validation")
    temperature = fit_temperature(val_margins, val["label"].to_numpy())
    test_margins = scorer.margins(test, "scoring test")
    labels = test["label"].to_numpy()
    raw, p_fake = calibrated(test_margins, 1.0), calibrated(test_margins, temperature)
    summary = classification_summary(labels, p_fake)
    summary["ece_after"] = summary.pop("ece")
    summary["ece_before"] = expected_calibration_error(raw, labels)
    info = scorer.info
    metrics = {"model": info.name, "data_dir": str(Path(data_dir).resolve()),
               "temperature": temperature, "val_n": len(val), "test": summary,
               "cross_dataset": _cross_dataset(scorer, extras, temperature)}
    comparison = comparison_rows(data_dir, summary, info.training)
    report_dir = model_dir / "report"
    report_dir.mkdir(exist_ok=True)
    (report_dir / "metrics.json").write_text(
        json.dumps({**metrics, "comparison": comparison}, indent=2) + "\n", encoding="utf-8")
    (report_dir / "report.md").write_text(render_markdown(metrics, comparison), encoding="utf-8")
    _misclassified(test, p_fake).to_csv(report_dir / "misclassified.csv", index=False)
    reliability = {"before (T = 1)": (raw, labels),
                   f"after (T = {temperature:.2f})": (p_fake, labels)}
    _write_figures(report_dir, model_dir, summary, reliability)
    info.temperature = temperature
    info.metrics = {"test": {k: v for k, v in summary.items() if k != "report"},
                    "cross_dataset": metrics["cross_dataset"], "data_dir": metrics["data_dir"]}
    write_info(model_dir, info)
    write_model_card(model_dir, info)
    return (f"test accuracy {summary['accuracy']:.4f}, F1 {summary['f1_weighted']:.4f}, ECE "
            f"{summary['ece_before']:.4f} -> {summary['ece_after']:.4f} (T = {temperature:.3f});"
            f" report in {report_dir}")
