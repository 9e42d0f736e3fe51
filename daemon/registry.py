"""Models kept side by side, and the one `current` pointer the daemon follows.

    models/
      default/                     the shipped model
      retrained-20261126-171500/   one directory per promoted (or refused) retrain
      current                      the name of the model in use (one line)
      current.history              the names that were current, oldest first (rollback)

The pointer is a small text file replaced atomically (write a temp file, fsync,
rename), so a reader sees the old name or the new one, never half of either. Model
directories appear by rename once complete, so the pointer never names a half-written
model. Without a pointer the current model is `default`. Import-light: no torch.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import wraps
from pathlib import Path

import click

from fakeradar.training.modeldir import MANIFEST, ModelDirError, ModelInfo, check_model_dir

POINTER = "current"
HISTORY = "current.history"
DEFAULT_NAME = "default"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_STAMP = re.compile(r"-\d{8}-\d{6}$")


class RegistryError(Exception):
    """A model name, pointer or models folder the registry cannot use."""


def models_root() -> Path:
    """FAKERADAR_MODELS_DIR, else this checkout's models/, else the per-user models/."""
    if os.environ.get("FAKERADAR_MODELS_DIR"):
        return Path(os.environ["FAKERADAR_MODELS_DIR"])
    from fakeradar.daemon.config import CHECKOUT_ROOT, user_home

    candidates = [CHECKOUT_ROOT / "models", user_home() / "models"]
    in_use = [root for root in candidates
              if (root / POINTER).is_file() or (root / DEFAULT_NAME).is_dir()]
    return (in_use or candidates)[0]


def check_name(name: str) -> str:
    """A model name is one path component: letters, digits, '.', '_' and '-'."""
    if not _NAME.fullmatch(name) or name in (POINTER, HISTORY) or name.startswith("."):
        raise RegistryError(f"{name!r} is not a valid model name (letters, digits, . _ -)")
    return name


def family_name(name: str) -> str:
    """The name without a retrain time stamp: `mine-20261126-171500` -> `mine`."""
    return _STAMP.sub("", name)


def read_pointer(root: Path) -> str | None:
    """The name in models/current, or None when there is no pointer."""
    try:
        name = (root / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


def current_model_dir(root: Path) -> Path:
    """The directory the pointer names when it is a model, else models/default."""
    name = read_pointer(root)
    if name and _NAME.fullmatch(name) and (root / name / MANIFEST).is_file():
        return root / name
    return root / DEFAULT_NAME


def current_name(root: Path) -> str | None:
    """The name of the current model, or None when there is none at all."""
    path = current_model_dir(root)
    return path.name if path.is_dir() else None


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` so that readers see the old or the new file, never half."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _history(root: Path) -> list[str]:
    path = root / HISTORY
    if not path.is_file():
        return []
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _set_current(root: Path, name: str, history: list[str]) -> None:
    write_atomically(root / HISTORY, "".join(f"{entry}\n" for entry in history))
    write_atomically(root / POINTER, name + "\n")


def use_model(root: Path, name: str) -> ModelInfo:
    """Make `name` the current model (it must be a complete model directory)."""
    info = check_model_dir(root / check_name(name))
    history = _history(root)
    previous = current_name(root)
    if not history and previous and previous != name:
        history.append(previous)   # so that the first rollback returns to the implicit default
    if not history or history[-1] != name:
        history.append(name)
    _set_current(root, name, history)
    return info


def rollback(root: Path) -> str:
    """Make the model that was current before the current one current again; its name."""
    history = _history(root)
    current = current_name(root)
    while history and history[-1] == current:
        history.pop()
    while history and not (root / history[-1] / MANIFEST).is_file():
        history.pop()            # a model deleted by hand since: skip it
    if not history:
        raise RegistryError(f"nothing to roll back to: {current or 'no model'} is the only "
                            f"model that has been current in {root}")
    _set_current(root, history[-1], history)
    return history[-1]


@dataclass
class ModelEntry:
    name: str
    created_at: str
    base_model: str
    metrics: dict
    current: bool
    problem: str | None = None   # why the directory is not loadable, when it is not


def list_models(root: Path) -> list[ModelEntry]:
    """Every model directory under `root`, oldest first; broken ones with their problem."""
    current = current_name(root)
    entries = []
    if not root.is_dir():
        return entries
    for path in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            info = check_model_dir(path)
        except ModelDirError as exc:
            entries.append(ModelEntry(path.name, "", "", {}, path.name == current, str(exc)))
            continue
        entries.append(ModelEntry(path.name, info.created_at, info.base_model,
                                  info.metrics.get("test", {}), path.name == current))
    return sorted(entries, key=lambda e: (e.created_at, e.name))


def _fmt(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else "-"


def _registry_errors(function):
    """Show registry and model-directory problems as one line, never a traceback."""
    @wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except (RegistryError, ModelDirError) as exc:
            raise click.ClickException(str(exc)) from None
    return wrapper


_ROOT = click.option("--models-dir", "root", type=click.Path(file_okay=False, path_type=Path),
                     default=None, help="Folder of model directories [env FAKERADAR_MODELS_DIR; "
                                        "default: this checkout's models/]")


@click.group(name="models")
def models() -> None:
    """List the models kept side by side, switch the current one, roll back.

    A running daemon that was started without --model follows the switch: it checks
    the pointer at most once a second, on requests, and loads the new model in the
    background (or at once: `curl -X POST localhost:8765/v1/reload`).
    """


@models.command(name="list")
@_ROOT
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
def models_list(root: Path | None, as_json: bool) -> None:
    """Name, creation time, test metrics, and which model is current (*)."""
    root = root or models_root()
    entries = list_models(root)
    if as_json:
        click.echo(json.dumps([entry.__dict__ for entry in entries], indent=2))
        return
    if not entries:
        click.echo(f"no models in {root}")
        return
    click.echo(f"{'':2}{'name':38} {'created':26} {'test F1':>8} {'accuracy':>8}")
    for e in entries:
        marker = "* " if e.current else "  "
        tail = f"  ({e.problem})" if e.problem else ""
        click.echo(f"{marker}{e.name:38} {e.created_at or '-':26} "
                   f"{_fmt(e.metrics.get('f1_weighted')):>8} {_fmt(e.metrics.get('accuracy')):>8}"
                   f"{tail}")


@models.command(name="use")
@click.argument("name")
@_ROOT
@_registry_errors
def models_use(name: str, root: Path | None) -> None:
    """Make NAME the current model."""
    root = root or models_root()
    use_model(root, name)
    click.echo(f"current model: {name} ({root / name})")


@models.command(name="rollback")
@_ROOT
@_registry_errors
def models_rollback(root: Path | None) -> None:
    """Go back to the model that was current before the current one."""
    root = root or models_root()
    click.echo(f"current model: {rollback(root)}")
