"""The PyTorch backend (`--backend torch`): CUDA when available, else the CPU.

Imported only when asked for, so `fakeradar serve` never pays torch's start-up cost
(5-7 s, 545 MB) otherwise.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fakeradar.daemon.scoring.base import Scorer
from fakeradar.training.modeldir import ModelDirError, ModelInfo


class TorchScorer(Scorer):
    backend = "torch"

    def __init__(self, model_dir: Path, info: ModelInfo, logits_fn, device: str) -> None:
        super().__init__(model_dir, info, device)
        self._logits_fn = logits_fn

    @classmethod
    def load(cls, model_dir: Path, info: ModelInfo) -> TorchScorer:
        try:
            import torch
            from transformers import AutoModelForSequenceClassification
        except ImportError as exc:
            raise ModelDirError(f"the torch backend needs {exc.name}; install it with "
                                "`pip install 'fakeradar[train]'`") from None
        from fakeradar.training.predict import torch_logits_fn

        device = "cuda" if torch.cuda.is_available() else "cpu"
        try:
            model = AutoModelForSequenceClassification.from_pretrained(str(model_dir))
        except (OSError, ValueError) as exc:
            raise ModelDirError(f"{model_dir} cannot be loaded by transformers ({exc})") from None
        return cls(model_dir, info, torch_logits_fn(model, device), device)

    def run(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        return self._logits_fn(input_ids, attention_mask)
