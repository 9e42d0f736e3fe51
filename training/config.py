"""The fine-tuning recipe: every default in one place, each overridable from the CLI.

The defaults are the original notebook's recipe (MobileBERT on ISOT). Each field's
`help` is its comment and its `fakeradar train --help` text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

from fakeradar.training.basemodel import DEFAULT_BASE_MODEL


def _opt(default, help: str):
    return field(default=default, metadata={"help": help})


@dataclass
class TrainConfig:
    base_model: str = _opt(DEFAULT_BASE_MODEL, "hub id, local folder, `minilm` (packaged, "
                           "offline) or `tiny` (toy MobileBERT for smoke runs)")
    max_length: int = _opt(512, "tokens per training example, [CLS]/[SEP] included; "
                           "longer texts are truncated (notebook: 512)")
    epochs: float = _opt(5, "passes over the training split (notebook: 5)")
    train_batch_size: int = _opt(16, "examples per device per optimiser step (notebook: 16)")
    eval_batch_size: int = _opt(32, "examples per device per evaluation batch (notebook: 32)")
    gradient_accumulation: int = _opt(1, "batches accumulated per optimiser step")
    learning_rate: float = _opt(2e-5, "peak AdamW learning rate (notebook: 2e-5)")
    warmup_steps: int = _opt(500, "linear warm-up steps (notebook: 500), capped below")
    max_warmup_fraction: float = _opt(0.1, "warm-up never exceeds this share of all steps, "
                                      "so small data sets still train at full rate")
    weight_decay: float = _opt(0.01, "AdamW weight decay (notebook: 0.01)")
    patience: int = _opt(2, "early stopping: evaluations without a better val F1 (notebook: 2)")
    seed: int = _opt(42, "seed for weights, shuffling and dropout (notebook: 42)")
    max_steps: int = _opt(-1, "stop after this many optimiser steps (-1: run all epochs)")
    limit: int = _opt(0, "use at most this many examples per split (0: all); smoke runs")
    bf16: bool = _opt(True, "bf16 mixed precision where the GPU supports it (never fp16: "
                      "MobileBERT overflows)")


def config_fields() -> list:
    """The dataclass fields, in declaration order (used to build CLI options)."""
    return list(fields(TrainConfig))


@dataclass
class DerivedNumbers:
    steps_per_epoch: int
    effective_batch: int
    total_steps: int
    warmup_used: int

    @classmethod
    def compute(cls, config: TrainConfig, train_examples: int, world_size: int = 1):
        effective = config.train_batch_size * config.gradient_accumulation * world_size
        per_epoch = max(1, math.ceil(train_examples / effective))
        total = config.max_steps if config.max_steps > 0 else math.ceil(per_epoch * config.epochs)
        warmup = min(config.warmup_steps, int(config.max_warmup_fraction * total))
        return cls(per_epoch, effective, total, warmup)

    def describe(self) -> str:
        return (f"steps/epoch {self.steps_per_epoch}, effective batch {self.effective_batch}, "
                f"total steps {self.total_steps}, warm-up {self.warmup_used} steps")
