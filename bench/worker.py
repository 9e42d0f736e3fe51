"""One inference variant in its own process: load, then time calls on request.

Protocol (JSON lines on stdin/stdout): the worker prints {"ready", "load_s"} once
loaded; each request {"seq", "batch"} runs one forward pass on random token ids and
answers {"seconds"}; {"quit": true} answers {"peak_rss_mb"} and exits. The driver
sends requests to one worker at a time, so variants never compete for the cores.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np


def torch_variant(model_dir: Path, dtype: str):
    import torch
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(str(model_dir)).eval()
    if dtype == "bf16":
        model = model.to(torch.bfloat16)

    def run(ids: np.ndarray, mask: np.ndarray) -> None:
        with torch.no_grad():   # as the notebook's Trainer.predict runs it
            model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask))

    return run


def ort_session(path: Path, threads: int, spinning: bool):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return lambda ids, mask: session.run(None, {"input_ids": ids, "attention_mask": mask})


def daemon_variant(model_dir: Path):
    """Exactly the daemon's scorer (session options included)."""
    from fakeradar.daemon.scoring.onnx import OnnxScorer
    from fakeradar.training.modeldir import check_model_dir

    scorer = OnnxScorer.load(model_dir, check_model_dir(model_dir))
    return scorer.run


def two_sessions_variant(path: Path):
    """Two 1-thread sessions, each taking half of the batch (throughput)."""
    halves = [ort_session(path, 1, False) for _ in range(2)]
    pool = ThreadPoolExecutor(2)   # onnxruntime releases the GIL while it runs

    def run(ids: np.ndarray, mask: np.ndarray) -> None:
        cut = max(1, len(ids) // 2)
        parts = [(ids[:cut], mask[:cut]), (ids[cut:], mask[cut:])]
        list(pool.map(lambda fn_part: fn_part[0](*fn_part[1]),
                      [(fn, part) for fn, part in zip(halves, parts, strict=True) if len(part[0])]))

    return run


VARIANTS = {
    "torch fp32 eager (baseline)": lambda d: torch_variant(d, "fp32"),
    "torch bf16 weights": lambda d: torch_variant(d, "bf16"),
    "onnxruntime fp32": lambda d: ort_session(d / "model.onnx", 2, False),
    "onnxruntime int8 (daemon path)": daemon_variant,
    "onnxruntime int8, spinning on": lambda d: ort_session(d / "model.int8.onnx", 2, True),
    "onnxruntime int8, 2 x 1-thread sessions": lambda d: two_sessions_variant(
        d / "model.int8.onnx"),
}
NEEDS = {"torch": "model.safetensors", "onnxruntime fp32": "model.onnx",
         "onnxruntime int8": "model.int8.onnx"}


def needed_file(variant: str) -> str:
    return next(f for prefix, f in NEEDS.items() if variant.startswith(prefix))


def random_batch(seq: int, batch: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    ids = np.random.default_rng(seed).integers(1000, 30000, size=(batch, seq), dtype=np.int64)
    ids[:, 0], ids[:, -1] = 101, 102   # [CLS] ... [SEP]
    return ids, np.ones_like(ids)


def peak_rss_mb() -> float:
    """VmHWM of this process (ru_maxrss would include the parent's peak: it survives exec)."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    variant, model_dir = sys.argv[1], Path(sys.argv[2])
    started = time.perf_counter()
    run = VARIANTS[variant](model_dir)
    print(json.dumps({"ready": True, "load_s": time.perf_counter() - started}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("quit"):
            print(json.dumps({"peak_rss_mb": peak_rss_mb()}), flush=True)
            return
        ids, mask = random_batch(request["seq"], request["batch"])
        begin = time.perf_counter()
        run(ids, mask)
        print(json.dumps({"seconds": time.perf_counter() - begin}), flush=True)


if __name__ == "__main__":
    main()
