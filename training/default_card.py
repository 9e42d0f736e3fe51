"""The model card of the shipped default model (models/default/README.md).

Everything in it is read from fakeradar.json (written by default_model.py) and the
data report, so the card cannot drift from the figures it quotes.
"""

from __future__ import annotations

from pathlib import Path

from fakeradar.training.modelcard import ISOT_CITATION
from fakeradar.training.modeldir import ModelInfo

CITATIONS = [
    ISOT_CITATION,
    "Shu K, Sliva A, Wang S, Tang J, Liu H. Fake News Detection on Social Media: A Data "
    "Mining Perspective. ACM SIGKDD Explorations 19(1), 2017. (FakeNewsNet)",
    "Salem FKA, Al Feel R, Elbassuoni S, Jaber M, Farah M. FA-KES: A Fake News Dataset "
    "around the Syrian War. ICWSM 2019.",
    "Perez-Rosas V, Kleinberg B, Lefevre A, Mihalcea R. Automatic Detection of Fake News. "
    "COLING 2018. (FakeNewsAMT)",
]

LIMITS = """\
- **Topic and time drift.** The training articles are 2015-2018 news: US politics
  (ISOT, FakeNewsNet), the Syrian war (FA-KES) and six short-story domains
  (FakeNewsAMT). A page about anything else is out of domain; the leave-one-dataset-out
  table shows how much accuracy falls on a source the model never saw.
- **It judges style, not truth.** Fake here means "written like the fake articles of
  these datasets". A true story told in a tabloid voice can score suspect, and a
  careful fabrication credible.
- **Fact-based labels are out of reach.** FA-KES labels war reports fake or credible by
  checking their facts against other sources; nothing in the wording tells them apart,
  and the model scores most of them near 0.5 (the per-source table's uncertain share).
- **Satire** reads like fake news to the model and is not labelled as such in the data.
- **Short texts** (headlines, social posts, a few sentences) carry little signal;
  FakeNewsAMT's short pieces are the hardest in-domain source. Below ~50 words, read
  the score as uncertain whatever it says.
- English only. Long pages are scored in overlapping windows (head first, at most
  `max_chunks`), so the end of a very long page is not read.
- Small data: a few thousand articles. Retrain on your own data with `make train`.
"""


def _pct(value) -> str:
    return "-" if value is None else f"{value:.1%}"


def _num(value, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def data_section(report: dict) -> list[str]:
    lines = ["| source | rows read | train | val | test |", "| --- | ---: | ---: | ---: | ---: |"]
    for source, read in report["sources"].items():
        cells = []
        for split in ("train", "val", "test"):
            counts = report["splits"][split]["by_source"].get(source, {})
            cells.append(f"{counts.get('fake', 0)} / {counts.get('real', 0)}")
        lines.append(f"| {source} | {read['rows_read']} | " + " | ".join(cells) + " |")
    totals = [f"{report['splits'][s]['rows']}" for s in ("train", "val", "test")]
    lines.append(f"| **all** | | {' | '.join(totals)} |")
    return lines


def per_source_section(metrics: dict) -> list[str]:
    lines = ["| test set | n | accuracy | F1 (weighted) | fake recall | ECE | uncertain |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for source, r in metrics.get("per_source_test", {}).items():
        lines.append(f"| {source} | {r['n']} | {_pct(r['accuracy'])} | {_num(r['f1_weighted'])}"
                     f" | {_pct(r['fake_recall'])} | {_num(r['ece'])} | "
                     f"{_pct(r['uncertain_share'])} |")
    return lines


def loo_section(metrics: dict) -> list[str]:
    loo, chosen = metrics.get("loo", {}), metrics.get("recipe_chosen")
    if chosen not in loo:
        return ["(not measured)"]
    lines = ["| left out (test) | n | accuracy | F1 | fake recall | real recall | ECE |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for source, r in loo[chosen]["loo"].items():
        lines.append(f"| {source} | {r['n']} | {_pct(r['accuracy'])} | {_num(r['f1_weighted'])}"
                     f" | {_pct(r['fake_recall'])} | {_pct(r['real_recall'])} | "
                     f"{_num(r['ece'])} |")
    lines += ["", "Recipes compared (same data, same seed; mean LOO accuracy decided):", "",
              "| recipe | max_length | epochs | mean LOO accuracy | in-domain val F1 |",
              "| --- | ---: | ---: | ---: | ---: |"]
    for name, r in loo.items():
        mark = " (chosen)" if name == chosen else ""
        lines.append(f"| {name}{mark} | {r['recipe']['max_length']} | {r['recipe']['epochs']} | "
                     f"{_pct(r['loo_mean_accuracy'])} | {_num(r['best_val_f1'])} |")
    return lines


def render(info: ModelInfo, report: dict) -> str:
    test, export = info.metrics.get("test", {}), info.export
    t = info.thresholds
    return "\n".join([
        "# fakeradar default model", "",
        "The model `fakeradar serve` uses out of the box. It says how much a page is "
        "written like the fake articles of four public datasets; it does not check facts.",
        "",
        f"- **Base model: `{info.base_model}`** (the packaged all-MiniLM-L6-v2, 6 layers, "
        "22.7M parameters), fine-tuned for fake/real classification. The project's "
        "intended base, MobileBERT (`google/mobilebert-uncased`), could not be downloaded "
        "where this model was built (no Hugging Face hub). Where the hub is reachable, build "
        "the MobileBERT model with one command:", "",
        "  ```", "  make train DATA=../shared/data/isot_sample "
        "BASE_MODEL=google/mobilebert-uncased", "  ```", "",
        f"- Window {info.chunking.max_length} tokens, stride {info.chunking.stride}, at most "
        f"{info.chunking.max_chunks} windows per page; labels 0 = fake, 1 = real.",
        f"- Rebuild: `make default-model` (recipe: `training/default_model.py`, seed "
        f"{info.training.get('recipe', {}).get('seed', 42)}; trained in "
        f"{info.training.get('seconds', '?')} s on {info.training.get('device', '?')}).", "",
        "## Data", "",
        "Cleaned and deduplicated by `fakeradar data` (datelines, agency tags, image credits, "
        "tweets and links removed; duplicates and label conflicts dropped before the split), "
        "split 80/10/10 stratified by label and source. Counts are fake / real.", "",
        *data_section(report), "",
        "## In-domain test figures (held-out test split, int8 ONNX, as served)", "",
        *per_source_section(info.metrics), "",
        f"Torch fp32 on the same split: accuracy {_pct(test.get('accuracy'))}, F1 "
        f"{_num(test.get('f1_weighted'))}. int8 vs fp32 ONNX accuracy change: "
        f"{_num(export.get('int8_accuracy_change'), 4)} on {export.get('test_docs', '?')} "
        f"test documents (label agreement {_pct(export.get('int8_label_agreement'))}).", "",
        "## Leave-one-dataset-out (trained on the other three, tested on all of the fourth)",
        "", *loo_section(info.metrics), "",
        "These are the figures to expect on news unlike the training data. The recipe was "
        "chosen on them, so they are slightly optimistic.", "",
        "## Calibration", "",
        f"One temperature, fitted on the validation split: T = {info.temperature:.3f}. "
        f"Expected calibration error on the test split: {_num(test.get('ece_before'))} "
        f"before, {_num(test.get('ece_after'))} after.", "",
        "## Thresholds", "",
        f"`suspect` when p_fake >= {t.suspect:.2f}, `credible` when p_fake <= "
        f"{t.credible:.2f}, `uncertain` in between.", "", info.thresholds_reason, "",
        "## Files", "",
        f"`model.int8.onnx` (dynamic int8, per channel; what the daemon loads on a CPU), "
        f"tokenizer and config. ONNX fp32 vs torch max |p difference| "
        f"{export.get('max_abs_p_diff_fp32_vs_torch', '-')}. Sizes (MB): "
        f"{export.get('sizes_mb', {})}. The fp32 ONNX and safetensors are rebuilt by "
        "`make default-model` and not kept in git.", "",
        "## Known limits", "", LIMITS,
        "## Citations", "", *[f"- {c}" for c in CITATIONS], "",
    ])


def write_card(model_dir: str | Path, info: ModelInfo, data_report: dict) -> Path:
    path = Path(model_dir) / "README.md"
    path.write_text(render(info, data_report), encoding="utf-8")
    return path
