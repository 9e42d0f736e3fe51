"""`fakeradar train` under torchrun: two CPU processes (gloo), one model directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def test_two_process_training_splits_the_data_and_saves_one_model(tmp_path,
                                                                  synthetic_data_dir):
    out = tmp_path / "run" / "model"
    command = [str(BIN / "torchrun"), "--nproc_per_node", "2", "--log-dir", str(tmp_path / "logs"),
               "--redirects", "3", str(BIN / "fakeradar"), "train",
               "--data", str(synthetic_data_dir), "--out", str(out), "--base-model", "tiny",
               "--max-length", "64", "--epochs", "1", "--train-batch-size", "8"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    training = json.loads((out / "fakeradar.json").read_text())["training"]
    assert training["world_size"] == 2
    # 96 training rows, 8 per rank and step: 6 steps when both ranks share the epoch
    # (a single process takes 12), so the data really was split between two ranks.
    assert training["steps"] == 6 and training["derived"]["effective_batch"] == 16
    checkpoint = Path(training["best_checkpoint"])
    assert sorted(p.name for p in checkpoint.glob("rng_state_*.pth")) == [
        "rng_state_0.pth", "rng_state_1.pth"]                # each rank saved its state
    rank_logs = sorted(p.parent.name for p in (tmp_path / "logs").rglob("stderr.log"))
    assert rank_logs == ["0", "1"]
    assert [p.parent for p in (tmp_path / "run").rglob("fakeradar.json")] == [out]
    assert (out / "model.safetensors").is_file()
