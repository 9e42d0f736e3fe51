"""The model card (README.md of a model directory): data, metrics, limits, citation."""

from __future__ import annotations

from pathlib import Path

from fakeradar.training.modeldir import ModelInfo

ISOT_CITATION = (
    "Ahmed H, Traore I, Saad S. Detecting opinion spams and fake news using text "
    "classification. Security and Privacy 1(1), 2018. / Ahmed H, Traore I, Saad S. Detection "
    "of Online Fake News Using N-Gram Analysis and Machine Learning Techniques. ISDDC 2017, "
    "LNCS 10618, Springer. (ISOT Fake News dataset, University of Victoria)")

LIMITS = """\
- Trained on ISOT-style political news from 2015-2017: fake = sites flagged by PolitiFact,
  real = Reuters. It learns the style of those sources, not the truth of claims.
- Accuracy on other datasets (cross-dataset rows below, where measured) is far below the
  in-domain figure; treat scores as a prompt to check a story, never as a verdict.
- English only. Texts longer than the window are scored in overlapping windows and
  aggregated (length-weighted mean margin); very long texts are cut at max_chunks windows.
"""


def _metric_rows(info: ModelInfo) -> list[str]:
    test = info.metrics.get("test", {})
    rows = [f"| {key} | {test[key]:.4f} |" for key in
            ("accuracy", "precision_weighted", "recall_weighted", "f1_weighted", "ece_after")
            if isinstance(test.get(key), float)]
    for name, result in info.metrics.get("cross_dataset", {}).items():
        rows.append(f"| {name}: accuracy / F1 | {result['accuracy']:.4f} / "
                    f"{result['f1_weighted']:.4f} |")
    return rows or ["| (not evaluated yet: run `fakeradar evaluate`) | |"]


def render_model_card(info: ModelInfo) -> str:
    """Markdown text of the model card."""
    training = info.training
    sizes = ", ".join(f"{k}: {v} MB" for k, v in info.export.get("sizes_mb", {}).items())
    return "\n".join([
        f"# {info.name}", "",
        f"Fake-news classifier for fakeradar, fine-tuned from `{info.base_model}`. "
        "Labels: 0 = fake, 1 = real. Input: `model_input(title, body)` "
        "(fakeradar.training.text).", "",
        "## Data", "",
        f"- data folder: `{training.get('data_dir', 'unknown')}`",
        f"- examples per split: {training.get('sizes', 'unknown')}",
        f"- training time: {training.get('seconds', 'unknown')} s on {training.get('device', '?')}",
        "", "## Metrics (test split)", "", "| metric | value |", "| --- | --- |",
        *_metric_rows(info), "",
        f"Calibration temperature: {info.temperature:.4f}. Thresholds: suspect >= "
        f"{info.thresholds.suspect}, credible <= {info.thresholds.credible}.", "",
        "## Files", "",
        f"ONNX fp32 vs torch max |p difference|: "
        f"{info.export.get('max_abs_p_diff_fp32_vs_torch', 'n/a')}; int8 label agreement: "
        f"{info.export.get('int8_label_agreement', 'n/a')}; sizes: {sizes or 'n/a'}.", "",
        "## Known limits", "", LIMITS,
        "## Citation", "", ISOT_CITATION, "",
    ])


def write_model_card(model_dir: str | Path, info: ModelInfo) -> Path:
    path = Path(model_dir) / "README.md"
    path.write_text(render_model_card(info), encoding="utf-8")
    return path
