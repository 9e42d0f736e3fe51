"""Build the shipped default model (models/default/) from ../shared/data, in one command.

    python -m fakeradar.training.default_model --shared ../shared/data --out models/default

Stages (each prints a line when it starts):

1. data:   `fakeradar data` on the ISOT sample, FakeNewsNet v1, FA-KES and FakeNewsAMT
           (cleaned, deduplicated, split 80/10/10 stratified by label and source).
2. train:  one leave-one-dataset-out (LOO) folder per source (train/val = the other
           three sources' train/val rows, test = every row of the source left out);
           then, for each recipe, the 4 LOO models (scored on the source they never saw) and
           the model on all four sources; the recipe with the best mean LOO accuracy
           becomes the default (in-domain figures hardly differ, transfer does).
3. finish: `fakeradar evaluate` (temperature, report), thresholds from validation data,
           `fakeradar export` (ONNX + int8, parity check), per-source test figures, and
           the model card (default_card.py).

Training runs wherever torch finds a GPU (`--device auto`); on a CPU it is slow, so
only the cheap recipe runs by default there.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import click

SPLITS = ("train", "val", "test")
# source name in the data folder -> (preset of `fakeradar data`, file under ../shared/data)
SOURCES = {
    "fakenewsnet_v1": ("fakenewsnet_v1", "fakenewsnet_v1/fakenewsnet_v1_buzzfeed_politifact.csv"),
    "fa-kes": ("fa-kes", "fa-kes/FA-KES-Dataset.csv"),
    "fakenewsamt": ("fakenewsamt", "fakenewsamt/fakenewsamt.csv"),
}
ISOT = ("isot", "isot_sample")
ALL_SOURCES = (ISOT[0], *SOURCES)
MINILM = "sentence-transformers/all-MiniLM-L6-v2"


@dataclass(frozen=True)
class Recipe:
    """What differs between the recipes compared by leave-one-dataset-out."""

    name: str
    max_length: int
    epochs: float

    def overrides(self) -> dict:
        return {"max_length": self.max_length, "epochs": self.epochs}


RECIPES = {r.name: r for r in (
    Recipe("len512-ep5", 512, 5),    # the notebook's recipe (early stopping on val F1)
    Recipe("len512-ep2", 512, 2),    # fewer epochs: less time to learn source quirks
    Recipe("len256-ep2", 256, 2),    # shorter window: cheap, and the CPU fallback
)}
CPU_RECIPES = ("len256-ep2",)
# CPU cost of MiniLM fine-tuning on 2 cores, measured here (batch 16, AdamW): seconds
# per example and epoch at 256 tokens; 512 tokens cost 3.3x. One H200 ran the 15
# trainings of all recipes in 6.5 minutes, scoring included: about 60x.
CPU_SECONDS_PER_EXAMPLE_256 = 0.19
COST_512 = 3.3
GPU_SPEEDUP = 60


def say(message: str) -> None:
    print(f"[default-model {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- stage 1: data --------------------------------------------------------------------

def build_data(shared: Path, work: Path) -> Path:
    """`fakeradar data` on the four article sets -> WORK/data; LOO folders beside it."""
    from fakeradar.training.data_commands import data

    out = work / "data"
    args = ["--isot", str(shared / ISOT[1]), "--out", str(out)]
    for preset, path in SOURCES.values():
        args += ["--preset", f"{preset}={shared / path}"]
    data.main(args, standalone_mode=False)
    return out


def write_loo_folder(data_dir: Path, out: Path, left_out: str) -> Path:
    """train/val: the other sources' rows of DATA_DIR's train/val; test: all rows of LEFT_OUT."""
    import pandas as pd

    frames = {name: pd.read_csv(data_dir / f"{name}.csv", keep_default_na=False)
              for name in SPLITS}
    out.mkdir(parents=True, exist_ok=True)
    for name in ("train", "val"):
        frame = frames[name]
        frame[frame["source"] != left_out].to_csv(out / f"{name}.csv", index=False)
    everything = pd.concat(frames.values(), ignore_index=True)
    everything[everything["source"] == left_out].to_csv(out / "test.csv", index=False)
    return out


# --- stage 2: train -------------------------------------------------------------------

def train_one(data_dir: Path, out_dir: Path, base_model: str, recipe: Recipe,
              extra: dict) -> dict:
    """`fakeradar train`'s code path with the recipe's overrides."""
    from fakeradar.training.config import TrainConfig
    from fakeradar.training.train import train_model

    config = TrainConfig(base_model=base_model, **recipe.overrides(), **extra)
    return train_model(data_dir, out_dir, config)


def score_split(model_dir: Path, frame):
    """Document margins (fake minus real, numpy) through the daemon's windowing, torch."""
    import numpy as np
    import torch
    from transformers import AutoModelForSequenceClassification

    from fakeradar.training.modeldir import read_info
    from fakeradar.training.predict import load_backend_tokenizer, score_texts, torch_logits_fn

    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = AutoModelForSequenceClassification.from_pretrained(str(model_dir))
    scores = score_texts(load_backend_tokenizer(model_dir), frame["input"].tolist(),
                         torch_logits_fn(model, device), read_info(model_dir).chunking,
                         batch_size=64)
    return np.array([s.margin for s in scores])


def leave_one_out(work: Path, source: str, base_model: str, recipe: Recipe,
                  extra: dict) -> dict:
    """Train without SOURCE, calibrate on the others' val split, test on all of SOURCE."""
    from fakeradar.training.calibrate import calibrated, fit_temperature
    from fakeradar.training.evaluate import classification_summary
    from fakeradar.training.splits import read_split

    data_dir = work / f"loo-{source}"
    model_dir = work / "models" / recipe.name / f"loo-{source}"
    training = train_one(data_dir, model_dir, base_model, recipe, extra)
    limit = extra.get("limit") or None   # smoke runs score a sample too
    val, test = read_split(data_dir, "val", limit), read_split(data_dir, "test", limit)
    temperature = fit_temperature(score_split(model_dir, val), val["label"].to_numpy())
    p_fake = calibrated(score_split(model_dir, test), temperature)
    labels = test["label"].to_numpy()
    summary = classification_summary(labels, p_fake)
    predictions = test[["source", "label"]].assign(p_fake=p_fake)
    predictions.to_csv(model_dir.parent / f"loo-{source}.predictions.csv", index=False)
    shutil.rmtree(model_dir.parent / f"loo-{source}.checkpoints", ignore_errors=True)
    return {"n": summary["n"], "accuracy": summary["accuracy"],
            "f1_weighted": summary["f1_weighted"], "fake_recall": summary["fake_recall"],
            "real_recall": summary["report"]["real"]["recall"], "ece": summary["ece"],
            "temperature": temperature, "train_seconds": training["seconds"],
            "train_sizes": training["sizes"]}


def run_recipes(work: Path, base_model: str, recipes: list[Recipe], extra: dict) -> dict:
    """Every recipe: 4 LOO runs + the all-sources model. Writes WORK/loo.json."""
    for source in ALL_SOURCES:
        write_loo_folder(work / "data", work / f"loo-{source}", source)
    results = {}
    for recipe in recipes:
        loo = {}
        for source in ALL_SOURCES:
            say(f"recipe {recipe.name}: leave out {source}")
            loo[source] = leave_one_out(work, source, base_model, recipe, extra)
            say(f"  {source}: accuracy {loo[source]['accuracy']:.3f}, "
                f"fake recall {loo[source]['fake_recall']:.3f}")
        say(f"recipe {recipe.name}: the model on all four sources")
        full = train_one(work / "data", work / "models" / recipe.name / "default", base_model,
                         recipe, extra)
        shutil.rmtree(work / "models" / recipe.name / "default.checkpoints", ignore_errors=True)
        mean = sum(r["accuracy"] for r in loo.values()) / len(loo)
        results[recipe.name] = {"recipe": asdict(recipe), "loo": loo, "loo_mean_accuracy": mean,
                                "best_val_f1": full["best_val_f1"],
                                "train_seconds": full["seconds"]}
        (work / "loo.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return results


def best_recipe(results: dict) -> str:
    """Highest mean LOO accuracy; in-domain val F1 breaks ties."""
    return max(results, key=lambda n: (round(results[n]["loo_mean_accuracy"], 3),
                                       results[n]["best_val_f1"] or 0))


def estimate_minutes(work: Path, recipes: list[Recipe], on_gpu: bool) -> float:
    """Rough wall time of the train stage: 5 trainings per recipe."""
    import pandas as pd

    rows = len(pd.read_csv(work / "data" / "train.csv", usecols=["label"]))
    per_example = CPU_SECONDS_PER_EXAMPLE_256 / (GPU_SPEEDUP if on_gpu else 1)
    seconds = sum(rows * 1.75 * r.epochs * per_example * (COST_512 if r.max_length > 256 else 1)
                  for r in recipes)   # 4 LOO runs on 3/4 of the data + 1 on all of it
    return seconds / 60


# --- stage 3: finish ------------------------------------------------------------------

def finish(work: Path, out: Path, recipe_name: str, base_model: str) -> None:
    """Evaluate, choose thresholds, export, measure per source, write the card."""
    from fakeradar.training.default_card import write_card
    from fakeradar.training.evaluate import evaluate_model
    from fakeradar.training.export import export_model_dir
    from fakeradar.training.modeldir import read_info, write_info
    from fakeradar.training.thresholds import choose_thresholds

    copy_model(work / "models" / recipe_name / "default", out)
    info = read_info(out)
    info.name = "default"
    if base_model == "minilm":   # the hub name and alias, not a local copy training read
        info.base_model = info.training["base_model"] = MINILM
        info.training["recipe"]["base_model"] = base_model
    info.training["data_dir"] = os.path.relpath(work / "data")   # portable, not /home/...
    write_info(out, info)
    say("evaluate: temperature on validation, test report")
    say(evaluate_model(out, work / "data", {}))
    say("thresholds from validation data (in-domain) and LOO predictions (out-of-domain)")
    val_p, val_labels = calibrated_split(out, work / "data", "val")
    loo_p, loo_labels = loo_predictions(work / "models" / recipe_name)
    info = read_info(out)
    info.metrics["data_dir"] = info.training["data_dir"]
    info.thresholds, info.thresholds_reason, choice = choose_thresholds(
        (val_p, val_labels), (loo_p, loo_labels))
    info.metrics["threshold_choice"] = choice
    write_info(out, info)
    say("export: ONNX fp32 + int8, parity check")
    export_model_dir(out, test_limit=10_000)
    say("per-source test figures through the int8 ONNX model (the daemon's path)")
    info = read_info(out)
    test = int8_test_scores(out, work / "data", info)
    info.metrics["per_source_test"] = per_source_figures(test, info)
    info.metrics["loo"] = json.loads((work / "loo.json").read_text(encoding="utf-8"))
    info.metrics["recipe_chosen"] = recipe_name
    info.training["heldout_examples"] = heldout_examples(test)
    write_info(out, info)
    write_card(out, read_info(out), read_data_report(work / "data"))
    say(f"done: {out}")


def copy_model(src: Path, out: Path) -> None:
    if not (src / "model.safetensors").is_file():
        raise click.ClickException(f"{src} holds no trained model; run the train stage first")
    out.mkdir(parents=True, exist_ok=True)
    for path in src.iterdir():
        if path.is_file():
            shutil.copy2(path, out / path.name)


def calibrated_split(model_dir: Path, data_dir: Path, split: str):
    from fakeradar.training.calibrate import calibrated
    from fakeradar.training.modeldir import read_info
    from fakeradar.training.splits import read_split

    frame = read_split(data_dir, split)
    p_fake = calibrated(score_split(model_dir, frame), read_info(model_dir).temperature)
    return p_fake, frame["label"].to_numpy()


def loo_predictions(recipe_dir: Path):
    import pandas as pd

    frame = pd.concat([pd.read_csv(path) for path in sorted(recipe_dir.glob("*.predictions.csv"))])
    return frame["p_fake"].to_numpy(), frame["label"].to_numpy()


def int8_test_scores(model_dir: Path, data_dir: Path, info):
    from fakeradar.training.predict import load_backend_tokenizer, onnx_logits_fn, score_texts
    from fakeradar.training.splits import read_split

    test = read_split(data_dir, "test")
    scores = score_texts(load_backend_tokenizer(model_dir), test["input"].tolist(),
                         onnx_logits_fn(model_dir / "model.int8.onnx"), info.chunking,
                         temperature=info.temperature)
    return test.assign(p_fake=[s.p_fake for s in scores])


def per_source_figures(test, info) -> dict:
    """Accuracy, F1, fake recall, ECE and uncertain share per source of the scored test split."""
    from fakeradar.training.evaluate import classification_summary

    figures = {}
    for source, frame in [("all", test), *test.groupby("source")]:
        p_fake, labels = frame["p_fake"].to_numpy(), frame["label"].to_numpy()
        summary = classification_summary(labels, p_fake)
        figures[source] = {key: summary[key] for key in
                           ("n", "accuracy", "f1_weighted", "fake_recall", "ece")}
        figures[source]["uncertain_share"] = float(
            ((p_fake < info.thresholds.suspect) & (p_fake > info.thresholds.credible)).mean())
    return figures


def heldout_examples(test) -> list[dict]:
    """A confidently right fake and real test article (tests/test_default_model.py)."""
    test = test[test["source"] == "fakenewsnet_v1"]
    examples = []
    for label, ascending in ((0, False), (1, True)):
        row = test[test["label"] == label].sort_values("p_fake", ascending=ascending).iloc[0]
        examples.append({"source": row["source"], "title": row["title"], "label": int(label),
                         "p_fake": round(float(row["p_fake"]), 4)})
    return examples


def read_data_report(data_dir: Path) -> dict:
    return json.loads((data_dir / "data_report.json").read_text(encoding="utf-8"))


# --- the command ----------------------------------------------------------------------

def _use_device(device: str) -> bool:
    """Hide the GPU for --device cpu (before torch is imported); True when one is used."""
    if device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""
    import torch

    on_gpu = torch.cuda.is_available()
    if device == "cuda" and not on_gpu:
        raise click.ClickException("--device cuda: torch finds no GPU here")
    return on_gpu


@click.command()
@click.option("--shared", type=click.Path(file_okay=False, path_type=Path),
              default=Path("../shared/data"), show_default=True,
              help="folder holding isot_sample/, fakenewsnet_v1/, fa-kes/, fakenewsamt/")
@click.option("--work", type=click.Path(file_okay=False, path_type=Path),
              default=Path("runs/default"), show_default=True,
              help="data folders, LOO models and checkpoints (not shipped)")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("models/default"), show_default=True, help="the model directory")
@click.option("--base-model", default="minilm", show_default=True,
              help="`minilm` (packaged, offline), a local folder or a hub id")
@click.option("--stages", default="data,train,finish", show_default=True,
              help="comma-separated subset of data,train,finish")
@click.option("--recipes", default="", help=f"comma-separated subset of {', '.join(RECIPES)} "
              f"(default: all on a GPU, {', '.join(CPU_RECIPES)} on a CPU)")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto",
              show_default=True, help="where to train")
@click.option("--limit", default=0, help="examples per split (smoke runs; 0: all)")
@click.option("--max-steps", default=-1, help="optimiser steps per training (smoke runs)")
def main(shared: Path, work: Path, out: Path, base_model: str, stages: str, recipes: str,
         device: str, limit: int, max_steps: int) -> None:
    """Rebuild models/default/ from ../shared/data (`make default-model`)."""
    wanted = {s.strip() for s in stages.split(",") if s.strip()}
    unknown = wanted - {"data", "train", "finish"}
    if unknown:
        raise click.ClickException(f"unknown stage(s) {', '.join(sorted(unknown))}")
    on_gpu = _use_device(device)
    names = [n.strip() for n in recipes.split(",") if n.strip()] or \
        (list(RECIPES) if on_gpu else list(CPU_RECIPES))
    if any(n not in RECIPES for n in names):
        raise click.ClickException(f"--recipes: choose from {', '.join(RECIPES)}")
    if "data" in wanted:
        say(f"data: cleaning and splitting the four article sets from {shared}")
        build_data(shared, work)
    if "train" in wanted:
        say(f"train: {len(names) * 5} trainings on {'GPU' if on_gpu else 'CPU'}, about "
            f"{estimate_minutes(work, [RECIPES[n] for n in names], on_gpu):.0f} min")
        extra = {"limit": limit, "max_steps": max_steps}
        run_recipes(work, str(base_model), [RECIPES[n] for n in names], extra)
    if "finish" in wanted:
        results = json.loads((work / "loo.json").read_text(encoding="utf-8"))
        chosen = best_recipe(results)
        say(f"finish: recipe {chosen} (mean LOO accuracy "
            f"{results[chosen]['loo_mean_accuracy']:.3f})")
        finish(work, out, chosen, base_model)


if __name__ == "__main__":
    main()
