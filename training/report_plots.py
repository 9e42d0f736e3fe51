"""The evaluation report's figures (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fakeradar.training.modeldir import LABELS


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def confusion_heatmap(matrix: np.ndarray, path: Path, title: str) -> Path:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.5, 4))
    image = ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(LABELS)), LABELS)
    ax.set_yticks(range(len(LABELS)), LABELS)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    for (row, col), value in np.ndenumerate(matrix):
        ax.text(col, row, str(value), ha="center", va="center",
                color="white" if value > matrix.max() / 2 else "black")
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def training_curves(log_history: list[dict], path: Path) -> Path | None:
    """Training loss per logging step and validation loss/F1 per epoch; None without a log."""
    train = [(e["epoch"], e["loss"]) for e in log_history if "loss" in e and "epoch" in e]
    val = [(e["epoch"], e["eval_loss"], e.get("eval_f1")) for e in log_history if "eval_loss" in e]
    if not train and not val:
        return None
    plt = _pyplot()
    fig, (loss_ax, f1_ax) = plt.subplots(1, 2, figsize=(10, 4))
    if train:
        loss_ax.plot(*zip(*train, strict=True), label="training loss")
    if val:
        epochs, losses, f1s = zip(*val, strict=True)
        loss_ax.plot(epochs, losses, "o-", label="validation loss")
        f1_ax.plot(epochs, f1s, "o-", color="tab:green", label="validation F1 (weighted)")
    loss_ax.set_xlabel("epoch")
    loss_ax.legend()
    f1_ax.set_xlabel("epoch")
    f1_ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def reliability_diagram(curves: dict[str, tuple[np.ndarray, np.ndarray]], path: Path,
                        bins: int = 10) -> Path:
    """Observed share of fake vs predicted p_fake, one line per {name: (p_fake, labels)}."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], ":", color="grey", label="perfect calibration")
    edges = np.linspace(0, 1, bins + 1)
    for name, (p_fake, labels) in curves.items():
        which = np.clip(np.digitize(p_fake, edges[1:-1]), 0, bins - 1)
        points = [(p_fake[which == b].mean(), (labels[which == b] == 0).mean())
                  for b in range(bins) if (which == b).any()]
        ax.plot(*zip(*points, strict=True), "o-", label=name)
    ax.set_xlabel("predicted p_fake")
    ax.set_ylabel("observed share of fake")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
