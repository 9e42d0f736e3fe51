"""`fakeradar retrain`: learn from the users' corrections, promote only what is not worse.

    feedback (SQLite under FAKERADAR_HOME) -> cleaned like the training data, one row per
    article (the latest correction wins) -> merged with the data folder (the user's label
    wins: the dataset's copies of those articles leave every split, the corrections join
    train) -> `fakeradar train` from the current model's weights -> evaluate + export
    -> current and candidate scored on the same test split and on the feedback set
    -> promoted (the `current` pointer moves) only when not worse (PROMOTION_RULE).

The candidate is built in models/.retrain-<stamp>/ and renamed into
models/<name>-<stamp>/ only once complete, so the daemon never sees half a model.
A refused candidate is kept beside the others (not current): `fakeradar models use`
can still pick it. The report is written as retrain_report.json and .md in it.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
import numpy as np

from fakeradar.training.config import TrainConfig
from fakeradar.training.model_commands import clear_errors, recipe_options

if TYPE_CHECKING:
    import pandas as pd

FEEDBACK_LABELS = {"fake": 0, "real": 1}
REPORT = "retrain_report"
PROMOTION_RULE = ("promote when the candidate passed the export parity check, its weighted F1 "
                  "on the test split is at least the current model's minus the tolerance, and "
                  "its accuracy on the feedback set is at least the current model's")


class RetrainError(Exception):
    """Retraining cannot start or finish (no feedback, no data folder, no base)."""


@dataclass
class RetrainOptions:
    home: Path                       # FAKERADAR_HOME: where the daemon keeps feedback
    models_dir: Path                 # the registry folder (current pointer, model dirs)
    data_dir: Path | None            # None: the data folder the current model was trained on
    recipe: TrainConfig
    base_given: bool = False         # --base-model was given: do not start from current
    max_length_given: bool = False
    name: str | None = None          # None: the current model's family name
    f1_tolerance: float = 0.01
    keep_work: bool = False


@dataclass
class Decision:
    promote: bool
    reasons: list[str] = field(default_factory=list)


# --- feedback -> training rows ------------------------------------------------------

def export_feedback(home: Path) -> tuple[pd.DataFrame, dict]:
    """The stored corrections as data-folder rows, one per article (latest wins); stats."""
    import pandas as pd

    from fakeradar.daemon.storage import FeedbackStore
    from fakeradar.training.data import article_keys, clean_frame

    rows = FeedbackStore(home).all()
    stats = {"database": str(Path(home) / "feedback.sqlite3"), "rows": len(rows)}
    if not rows:
        return pd.DataFrame(columns=["title", "text", "label", "source"]), stats
    frame = pd.DataFrame({"title": [r["title"] for r in rows], "text": [r["text"] for r in rows],
                          "label": [FEEDBACK_LABELS[r["label"]] for r in rows],
                          "source": "feedback"})
    frame = clean_frame(frame)
    frame = frame[(frame["text"].str.strip() != "") | (frame["title"].str.strip() != "")]
    keys = article_keys(frame)
    labels_per_key = frame.groupby(keys)["label"].nunique()
    kept = frame[~keys.duplicated(keep="last")]
    stats.update(empty_dropped=len(rows) - len(frame), articles=len(kept),
                 repeated_rows=len(frame) - len(kept),
                 relabelled_by_user=int((labels_per_key > 1).sum()))
    return kept.reset_index(drop=True), stats


def merge_feedback(data_dir: Path, feedback: pd.DataFrame, out: Path) -> dict:
    """Write OUT/{train,val,test,feedback}.csv: the user's label wins over the dataset's."""
    import pandas as pd

    from fakeradar.training.data import article_keys
    from fakeradar.training.splits import COLUMNS, SPLITS, read_split

    out.mkdir(parents=True, exist_ok=True)
    corrected = dict(zip(article_keys(feedback), feedback["label"], strict=True))
    report = {"data_dir": str(Path(data_dir).resolve()), "splits": {}}
    for name in SPLITS:
        split = read_split(data_dir, name)
        keys = article_keys(split).to_numpy()
        overlap = np.array([key in corrected for key in keys], dtype=bool)
        flipped = sum(corrected[k] != label for k, label in
                      zip(keys[overlap], split["label"][overlap], strict=True))
        kept = split[~overlap][COLUMNS]
        if name == "train":
            kept = pd.concat([kept, feedback[COLUMNS]], ignore_index=True)
        kept.to_csv(out / f"{name}.csv", index=False)
        report["splits"][name] = {"rows": len(kept), "dataset_rows_replaced": int(overlap.sum()),
                                  "dataset_labels_overruled": int(flipped)}
    feedback[COLUMNS].to_csv(out / "feedback.csv", index=False)
    (out / "data_report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


# --- scoring both models the same way -------------------------------------------------

def score_frame(model_dir: Path, frame: pd.DataFrame) -> tuple[np.ndarray, str]:
    """p_fake of every row with the model's served weights (int8 ONNX, fp32 ONNX, torch)."""
    from fakeradar.training.chunking import sigmoid
    from fakeradar.training.modeldir import ONNX_FP32, ONNX_INT8, check_model_dir
    from fakeradar.training.predict import (
        load_backend_tokenizer,
        onnx_logits_fn,
        score_texts,
        torch_logits_fn,
    )

    info = check_model_dir(model_dir)
    onnx = next((model_dir / n for n in (ONNX_INT8, ONNX_FP32) if (model_dir / n).is_file()), None)
    if onnx is not None:
        logits_fn, backend = onnx_logits_fn(onnx), f"onnxruntime {onnx.name}"
    else:
        from transformers import AutoModelForSequenceClassification

        model = AutoModelForSequenceClassification.from_pretrained(str(model_dir))
        logits_fn, backend = torch_logits_fn(model), "torch"
    scores = score_texts(load_backend_tokenizer(model_dir), frame["input"].tolist(), logits_fn,
                         info.chunking)
    return np.array([sigmoid(s.margin / info.temperature) for s in scores]), backend


def compare_models(current: Path | None, candidate: Path, data_dir: Path,
                   candidate_name: str) -> dict:
    """Metrics of both models on DATA/test.csv and DATA/feedback.csv."""
    from fakeradar.training.evaluate import classification_summary
    from fakeradar.training.splits import read_split

    sets = {"test": read_split(data_dir, "test"), "feedback": read_split(data_dir, "feedback")}
    results: dict = {}
    for role, model_dir in (("current", current), ("candidate", candidate)):
        if model_dir is None:
            continue
        results[role] = {"model": candidate_name if role == "candidate" else model_dir.name}
        for set_name, frame in sets.items():
            p_fake, backend = score_frame(model_dir, frame)
            summary = classification_summary(frame["label"].to_numpy(), p_fake)
            results[role][set_name] = {k: summary[k] for k in
                                       ("n", "accuracy", "f1_weighted", "fake_recall", "ece")}
            results[role]["backend"] = backend
    return results


def _export(candidate: Path) -> str | None:
    """Export to ONNX; on a failed parity check remove the ONNX files and say why."""
    from fakeradar.training.export import ParityError, export_model_dir
    from fakeradar.training.modeldir import ONNX_FP32, ONNX_INT8

    try:
        export_model_dir(candidate)
    except ParityError as exc:
        for name in (ONNX_FP32, ONNX_INT8):   # never serve an export that failed its check
            (candidate / name).unlink(missing_ok=True)
        return str(exc)
    return None


def decide(comparison: dict, f1_tolerance: float, export_error: str | None = None) -> Decision:
    """PROMOTION_RULE (and a passed export check), with the figures that decided it."""
    export_check = [(export_error is None, f"export parity check: {export_error or 'passed'}")]
    if "current" not in comparison:
        return Decision(export_error is None,
                        [_reason(ok, text) for ok, text in export_check]
                        + ["ok: there is no current model to compare with"])
    cur, cand = comparison["current"], comparison["candidate"]
    f1_floor = cur["test"]["f1_weighted"] - f1_tolerance
    checks = export_check + [
        (cand["test"]["f1_weighted"] >= f1_floor,
         f"test F1 {cand['test']['f1_weighted']:.4f} vs current {cur['test']['f1_weighted']:.4f}"
         f" (must be >= {f1_floor:.4f}, tolerance {f1_tolerance})"),
        (cand["feedback"]["accuracy"] >= cur["feedback"]["accuracy"],
         f"feedback accuracy {cand['feedback']['accuracy']:.4f} vs current "
         f"{cur['feedback']['accuracy']:.4f} (must not be lower)"),
    ]
    return Decision(all(ok for ok, _ in checks), [_reason(ok, text) for ok, text in checks])


def _reason(ok: bool, text: str) -> str:
    return ("ok: " if ok else "WORSE: ") + text


# --- the whole run -------------------------------------------------------------------

def _training_config(options: RetrainOptions, current: Path | None) -> TrainConfig:
    """The recipe, starting from the current model's weights unless told otherwise."""
    from dataclasses import replace

    from fakeradar.training.modeldir import TORCH_WEIGHTS, read_info

    recipe = options.recipe
    if current is None:
        if not options.base_given:
            raise RetrainError("there is no current model to start from; pass --base-model")
        return recipe
    info = read_info(current)
    if not options.max_length_given:
        recipe = replace(recipe, max_length=info.max_length)
    if options.base_given:
        return recipe
    has_weights = (current / TORCH_WEIGHTS).is_file() and (current / "config.json").is_file()
    return replace(recipe, base_model=str(current) if has_weights else info.base_model)


def _data_dir(options: RetrainOptions, current: Path | None) -> Path:
    from fakeradar.training.modeldir import read_info

    if options.data_dir is not None:
        return options.data_dir
    recorded = read_info(current).training_data_dir() if current is not None else None
    if recorded is not None:
        return recorded
    raise RetrainError("no data folder: pass --data DIR (a folder written by `fakeradar data`)")


def retrain_model(options: RetrainOptions) -> dict:
    """Run the whole retrain (module doc); returns the report (also written as json + md)."""
    from fakeradar.daemon.registry import check_name, current_name, family_name, use_model

    started = time.perf_counter()
    root = Path(options.models_dir)
    current_label = current_name(root)
    current = root / current_label if current_label else None
    feedback, feedback_stats = export_feedback(options.home)
    if feedback.empty:
        raise RetrainError(f"no feedback to learn from in {feedback_stats['database']}; "
                           "corrections are stored when users say a verdict was wrong")
    data_dir = _data_dir(options, current)
    recipe = _training_config(options, current)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    name = check_name(f"{options.name or family_name(current_label or 'retrained')}-{stamp}")
    work = root / f".retrain-{stamp}"
    try:
        report = _build_candidate(work, data_dir, feedback, recipe, current, name, options)
        report.update(model=name, previous_current=current_label, feedback=feedback_stats,
                      data_dir=str(data_dir.resolve()), base=recipe.base_model)
        _finish_candidate(work / "candidate", root / name, report)
    finally:
        if not options.keep_work:
            shutil.rmtree(work, ignore_errors=True)
    if report["promoted"]:
        use_model(root, name)
    report["seconds"] = round(time.perf_counter() - started, 1)
    _write_report(root / name, report)
    return report


def _build_candidate(work: Path, data_dir: Path, feedback: pd.DataFrame, recipe: TrainConfig,
                     current: Path | None, name: str, options: RetrainOptions) -> dict:
    """Merge, train, evaluate and export in WORK/, then compare and decide."""
    from fakeradar.training.evaluate import evaluate_model
    from fakeradar.training.train import train_model

    merged, candidate = work / "data", work / "candidate"
    merge = merge_feedback(data_dir, feedback, merged)
    training = train_model(merged, candidate, recipe)
    evaluate_model(candidate, merged, {})
    export_error = _export(candidate)
    comparison = compare_models(current, candidate, merged, name)
    decision = decide(comparison, options.f1_tolerance, export_error)
    return {"created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "promoted": decision.promote, "rule": PROMOTION_RULE,
            "f1_tolerance": options.f1_tolerance, "reasons": decision.reasons,
            "comparison": comparison, "merge": merge, "train_steps": training["steps"]}


def _finish_candidate(candidate: Path, final: Path, report: dict) -> None:
    """Name the candidate, record where it came from, then move it into place (rename)."""
    from fakeradar.training.modelcard import write_model_card
    from fakeradar.training.modeldir import read_info, write_info

    info = read_info(candidate)
    info.name = final.name
    info.training["retrain"] = {"data_dir": report["data_dir"], "parent": report["base"],
                                "feedback_articles": report["feedback"]["articles"],
                                "promoted": report["promoted"]}
    write_info(candidate, info)
    write_model_card(candidate, info)
    _write_report(candidate, report)
    candidate.rename(final)


def _write_report(model_dir: Path, report: dict) -> None:
    (model_dir / f"{REPORT}.json").write_text(json.dumps(report, indent=2) + "\n",
                                              encoding="utf-8")
    (model_dir / f"{REPORT}.md").write_text(render_report(report), encoding="utf-8")


def render_report(report: dict) -> str:
    """The retrain report for people: the decision first, then the figures behind it."""
    verdict = "PROMOTED (now current)" if report["promoted"] else "REFUSED (kept, not current)"
    lines = [f"# Retrain {report['model']}: {verdict}", "",
             f"Rule: {report['rule']} (tolerance {report['f1_tolerance']}).", ""]
    lines += [f"- {reason}" for reason in report["reasons"]]
    lines += ["", "| model | set | n | accuracy | F1 (weighted) | fake recall | ECE |",
              "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for role, result in report["comparison"].items():
        for set_name in ("test", "feedback"):
            r = result[set_name]
            lines.append(f"| {role} ({result['model']}) | {set_name} | {r['n']} | "
                         f"{r['accuracy']:.4f} | {r['f1_weighted']:.4f} | {r['fake_recall']:.4f}"
                         f" | {r['ece']:.4f} |")
    fb = report["feedback"]
    lines += ["", f"Feedback: {fb['rows']} rows in {fb['database']}, {fb['articles']} articles "
              f"after cleaning and deduplication (latest correction wins; "
              f"{fb['relabelled_by_user']} relabelled by the user since).", "",
              "| split | rows | dataset rows replaced by feedback | dataset labels overruled |",
              "| --- | ---: | ---: | ---: |"]
    lines += [f"| {name} | {s['rows']} | {s['dataset_rows_replaced']} | "
              f"{s['dataset_labels_overruled']} |" for name, s in report["merge"]["splits"].items()]
    lines += ["", f"Data {report['data_dir']}; started from {report['base']}; "
              f"{report['train_steps']} training steps; {report.get('seconds', '?')} s in all.",
              "", "The feedback set is also in the training data: its accuracy says whether "
              "the candidate learnt the corrections, not how it generalises; the test split "
              "says that.", ""]
    return "\n".join(lines)


@click.command(name="retrain")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path),
              help="data folder (train/val/test.csv) [default: the current model's]")
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="the daemon's data dir holding feedback.sqlite3 [env FAKERADAR_HOME]")
@click.option("--models-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="folder of model directories [env FAKERADAR_MODELS_DIR; default models/]")
@click.option("--name", default=None, help="name of the new model (a -YYYYmmdd-HHMMSS stamp "
                                           "is added) [default: the current model's]")
@click.option("--f1-tolerance", default=0.01, show_default=True, type=float,
              help="how much lower the candidate's test F1 may be and still be promoted "
                   "(negative: demand a gain)")
@click.option("--keep-work", is_flag=True, help="keep the merged data and checkpoints "
                                                "(models/.retrain-STAMP/)")
@recipe_options
@click.pass_context
def retrain(ctx: click.Context, data_dir, home, models_dir, name, f1_tolerance, keep_work,
            **recipe) -> None:
    """Retrain on the users' corrections; promote the result only when it is not worse.

    \b
    Promotion rule: the candidate passes the export parity check, its test F1 >=
    current test F1 - tolerance, AND its accuracy on the feedback set >= current's.
    Either way the report is written to models/NAME-STAMP/retrain_report.md (and
    .json). Training options are those of `fakeradar train`; unless --base-model /
    --max-length are given, training starts from the current model's weights and
    window size.
      fakeradar retrain --data runs/data
      fakeradar retrain --data runs/data --epochs 2 --f1-tolerance 0
    """
    from fakeradar.daemon.config import user_home
    from fakeradar.daemon.registry import RegistryError, models_root

    given = click.core.ParameterSource.COMMANDLINE
    options = RetrainOptions(
        home=home or user_home(), models_dir=models_dir or models_root(), data_dir=data_dir,
        recipe=TrainConfig(**recipe), name=name, f1_tolerance=f1_tolerance, keep_work=keep_work,
        base_given=ctx.get_parameter_source("base_model") == given,
        max_length_given=ctx.get_parameter_source("max_length") == given)
    with clear_errors():
        try:
            report = retrain_model(options)
        except (RetrainError, RegistryError) as exc:
            raise click.ClickException(str(exc)) from None
    where = Path(options.models_dir) / report["model"] / f"{REPORT}.md"
    click.echo(("promoted " if report["promoted"] else "NOT promoted ") + report["model"])
    for reason in report["reasons"]:
        click.echo(f"  {reason}")
    click.echo(f"report: {where}")
