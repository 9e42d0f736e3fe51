"""Fine-tuning with Hugging Face `Trainer` on a data folder, into a model directory.

Runs unchanged under `torchrun`/`accelerate launch` (DDP): every rank trains, only
rank 0 writes the model directory. Checkpoints go to a sibling folder
(`<out>.checkpoints`) so the model directory stays small enough to ship.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict
from pathlib import Path

from fakeradar.training.config import DerivedNumbers, TrainConfig
from fakeradar.training.modeldir import ONNX_FP32, ONNX_INT8, Chunking, ModelInfo, write_info
from fakeradar.training.splits import read_split

TRAINING_LOG = "training_log.json"   # Trainer log history, read by `fakeradar evaluate`


class TrainError(Exception):
    """Training cannot start (bad data, no checkpoint to resume, ...)."""


def encode_split(tokenizer, frame, max_length: int) -> list[dict]:
    """Tokenised examples without padding (the collator pads each batch dynamically)."""
    encoded = tokenizer(frame["input"].tolist(), truncation=True, max_length=max_length)
    return [{"input_ids": ids, "attention_mask": mask, "labels": int(label)}
            for ids, mask, label in zip(encoded["input_ids"], encoded["attention_mask"],
                                        frame["label"], strict=True)]


def classification_metrics(eval_pred) -> dict:
    """Accuracy and weighted precision/recall/F1 on the validation split (model selection)."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    predicted = eval_pred.predictions.argmax(-1)
    labels = eval_pred.label_ids
    precision, recall, f1, _ = precision_recall_fscore_support(
        labels, predicted, average="weighted", zero_division=0)
    return {"accuracy": accuracy_score(labels, predicted), "precision": precision,
            "recall": recall, "f1": f1}


def _device() -> tuple[str, bool]:
    """(device name, bf16 supported)."""
    import torch

    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0), torch.cuda.is_bf16_supported()
    return "cpu", False


def training_arguments(config: TrainConfig, derived: DerivedNumbers, checkpoints: Path):
    from transformers import TrainingArguments

    device, bf16_ok = _device()
    return TrainingArguments(
        output_dir=str(checkpoints), num_train_epochs=config.epochs, max_steps=config.max_steps,
        per_device_train_batch_size=config.train_batch_size,
        per_device_eval_batch_size=config.eval_batch_size,
        gradient_accumulation_steps=config.gradient_accumulation,
        learning_rate=config.learning_rate, warmup_steps=derived.warmup_used,
        weight_decay=config.weight_decay, eval_strategy="epoch", save_strategy="epoch",
        save_total_limit=config.patience + 1, load_best_model_at_end=True,
        metric_for_best_model="f1", greater_is_better=True, seed=config.seed,
        data_seed=config.seed, train_sampling_strategy="group_by_length",
        bf16=config.bf16 and bf16_ok, fp16=False, logging_strategy="steps",
        logging_steps=max(1, min(50, derived.steps_per_epoch // 4)), logging_first_step=True,
        report_to="none", use_cpu=device == "cpu",
        ddp_find_unused_parameters=False)   # every weight gets a gradient: skip the search


def _last_checkpoint(checkpoints: Path) -> str:
    from transformers.trainer_utils import get_last_checkpoint

    last = get_last_checkpoint(str(checkpoints)) if checkpoints.is_dir() else None
    if last is None:
        raise TrainError(f"--resume: no checkpoint in {checkpoints}; run without --resume first")
    return last


def _say(message: str) -> None:
    if os.environ.get("RANK", "0") == "0":
        print(message, flush=True)


def train_model(data_dir: Path, out_dir: Path, config: TrainConfig,
                resume: bool = False) -> dict:
    """Fine-tune `config.base_model` on DATA_DIR's train split, select on val F1, write OUT_DIR."""
    import torch
    from transformers import DataCollatorWithPadding, EarlyStoppingCallback, Trainer, set_seed

    from fakeradar.training.basemodel import load_base_model

    set_seed(config.seed)
    limit = config.limit or None
    splits = {name: read_split(data_dir, name, limit=limit) for name in ("train", "val")}
    model, tokenizer, base_name = load_base_model(config.base_model, config.max_length)
    datasets = {name: encode_split(tokenizer, frame, config.max_length)
                for name, frame in splits.items()}
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    derived = DerivedNumbers.compute(config, len(datasets["train"]), world_size)
    checkpoints = out_dir.parent / f"{out_dir.name}.checkpoints"
    args = training_arguments(config, derived, checkpoints)
    _say(f"base model {base_name}; train {len(datasets['train'])}, val {len(datasets['val'])} "
         f"examples; {derived.describe()}; device {args.device}, bf16 {args.bf16}")
    trainer = Trainer(model=model, args=args, train_dataset=datasets["train"],
                      eval_dataset=datasets["val"], processing_class=tokenizer,
                      data_collator=DataCollatorWithPadding(tokenizer),
                      compute_metrics=classification_metrics,
                      callbacks=[EarlyStoppingCallback(early_stopping_patience=config.patience)])
    started = time.perf_counter()
    trainer.train(resume_from_checkpoint=_last_checkpoint(checkpoints) if resume else None)
    seconds = time.perf_counter() - started
    training = {"data_dir": str(Path(data_dir).resolve()), "base_model": base_name,
                "sizes": {name: len(frame) for name, frame in splits.items()},
                "recipe": asdict(config), "derived": asdict(derived),
                "seconds": round(seconds, 1), "device": _device()[0],
                "world_size": world_size, "bf16": args.bf16,
                "steps": trainer.state.global_step, "epochs_run": trainer.state.epoch,
                "best_checkpoint": trainer.state.best_model_checkpoint,
                "best_val_f1": trainer.state.best_metric, "resumed": resume}
    if trainer.is_world_process_zero():
        _write_model_dir(trainer.model, tokenizer, out_dir, config, training,
                         trainer.state.log_history)
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.barrier()   # other ranks wait until the directory is complete
    return training


def _write_model_dir(model, tokenizer, out_dir: Path, config: TrainConfig, training: dict,
                     log_history: list) -> None:
    from fakeradar.training.basemodel import save_weights_and_tokenizer
    from fakeradar.training.modelcard import write_model_card

    for stale in (ONNX_FP32, ONNX_INT8):   # exports of earlier weights would no longer match
        (out_dir / stale).unlink(missing_ok=True)
    shutil.rmtree(out_dir / "report", ignore_errors=True)   # so would an earlier report
    save_weights_and_tokenizer(model.float(), tokenizer, out_dir)
    info = ModelInfo(name=out_dir.name, base_model=training["base_model"],
                     chunking=Chunking(max_length=config.max_length,
                                       stride=config.max_length // 4),
                     training=training)
    write_info(out_dir, info)
    (out_dir / TRAINING_LOG).write_text(json.dumps(log_history, indent=1) + "\n",
                                        encoding="utf-8")
    write_model_card(out_dir, info)
