"""`fakeradar train`, `fakeradar evaluate` and `fakeradar export`.

Heavy packages (torch, transformers) are imported inside the commands. Every
expected failure becomes one line (click.ClickException), never a traceback.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import click

from fakeradar.training.config import TrainConfig, config_fields

_DATA = click.option("--data", "data_dir", required=True,
                     type=click.Path(file_okay=False, path_type=Path),
                     help="data folder written by `fakeradar data` (train/val/test.csv)")


@contextlib.contextmanager
def clear_errors() -> Iterator[None]:
    """Turn the package's expected errors into one-line CLI errors."""
    from fakeradar.training.basemodel import BaseModelError
    from fakeradar.training.export import ParityError
    from fakeradar.training.modeldir import ModelDirError
    from fakeradar.training.splits import SplitError
    from fakeradar.training.train import TrainError

    try:
        yield
    except ParityError as exc:
        raise click.ClickException(f"PARITY CHECK FAILED: {exc}") from None
    except (BaseModelError, ModelDirError, SplitError, TrainError) as exc:
        raise click.ClickException(str(exc)) from None


def recipe_options(command):
    """One --option per TrainConfig field, defaults and help taken from the dataclass."""
    for spec in reversed(config_fields()):
        flag = "--" + spec.name.replace("_", "-")
        if spec.type in ("bool", bool):
            decl = [f"{flag}/--no-{spec.name.replace('_', '-')}", spec.name]
            command = click.option(*decl, default=spec.default, show_default=True,
                                   help=spec.metadata["help"])(command)
        else:
            kind = {"int": int, "float": float, "str": str}[str(spec.type)]
            command = click.option(flag, spec.name, type=kind, default=spec.default,
                                   show_default=True, help=spec.metadata["help"])(command)
    return command


@click.command(name="train")
@_DATA
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="model directory to write (checkpoints go to OUT.checkpoints)")
@click.option("--resume", is_flag=True, help="continue from the last checkpoint in OUT.checkpoints")
@recipe_options
def train(data_dir: Path, out_dir: Path, resume: bool, **recipe) -> None:
    """Fine-tune a base model (MobileBERT by default) on a data folder.

    \b
    The defaults are the notebook's recipe: max_length 512, 5 epochs, batch 16/32,
    lr 2e-5, warm-up 500 steps, weight decay 0.01, best checkpoint by val F1,
    early stopping after 2 evaluations without improvement, seed 42.
    \b
    Offline:     fakeradar train --data runs/data --out models/mine --base-model minilm
    Smoke run:   fakeradar train --data runs/data --out /tmp/m --base-model tiny --max-steps 5
    """
    from fakeradar.training.train import train_model

    with clear_errors():
        result = train_model(data_dir, out_dir, TrainConfig(**recipe), resume=resume)
    click.echo(f"trained in {result['seconds']} s ({result['steps']} steps, best val F1 "
               f"{result['best_val_f1']}); model directory {out_dir}")


_MODEL = click.option("--model", "model_dir", required=True,
                      type=click.Path(file_okay=False, path_type=Path),
                      help="model directory written by `fakeradar train`")


@click.command(name="evaluate")
@_MODEL
@_DATA
@click.option("--extra", "extras", multiple=True, metavar="NAME=CSV",
              help="cross-dataset set in the data-folder format (repeatable)")
@click.option("--batch-size", default=32, show_default=True, help="windows per forward pass")
@click.option("--limit", default=0, show_default=True,
              help="score at most this many val/test documents (0: all); quick looks only")
def evaluate(model_dir: Path, data_dir: Path, extras: tuple[str, ...], batch_size: int,
             limit: int) -> None:
    """Write MODEL/report/: metrics, confusion matrix, curves, errors, calibration, comparison.

    \b
    Example:  fakeradar evaluate --model models/mine --data runs/data \\
                  --extra fakenewsnet=runs/fnn/test.csv
    """
    from fakeradar.training.evaluate import evaluate_model, parse_extras

    with clear_errors():
        summary = evaluate_model(model_dir, data_dir, parse_extras(extras), batch_size,
                                 limit or None)
    click.echo(summary)


@click.command(name="export")
@_MODEL
@click.option("--parity-docs", default=64, show_default=True,
              help="validation documents compared between torch, ONNX fp32 and int8")
@click.option("--test-limit", default=1000, show_default=True,
              help="test documents used to measure int8's accuracy change")
@click.option("--data", "data_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="data folder for the parity and test texts  [default: the one in the manifest]")
def export(model_dir: Path, parity_docs: int, test_limit: int, data_dir: Path | None) -> None:
    """Export MODEL to model.onnx + model.int8.onnx, check parity (fails loudly), write the card."""
    from fakeradar.training.export import export_model_dir
    from fakeradar.training.modeldir import TORCH_WEIGHTS, check_model_dir

    with clear_errors():
        check_model_dir(model_dir, need=(TORCH_WEIGHTS, "config.json"))
        result = export_model_dir(model_dir, parity_docs=parity_docs, test_limit=test_limit,
                                  data_dir=data_dir)
    click.echo(f"parity ok: max |p diff| fp32 vs torch {result['max_abs_p_diff_fp32_vs_torch']:.2e}"
               f", int8 label agreement {result['int8_label_agreement']:.1%}, "
               f"int8 accuracy change {result.get('int8_accuracy_change')}; "
               f"sizes {result['sizes_mb']}")
