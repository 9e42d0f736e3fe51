"""Interleaved inference timings: every variant in its own process, one call at a time.

Round r times every (shape, variant) once, so a burst of noise (other processes on
the 2 cores) hits all variants alike; the speed-up of a variant is the median over
rounds of baseline_time[r] / variant_time[r] (pairwise), not a ratio of medians.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from tqdm import tqdm

from bench.worker import VARIANTS, needed_file

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "torch fp32 eager (baseline)"


class Worker:
    """A `python -m bench.worker` subprocess holding one loaded variant."""

    def __init__(self, variant: str, model_dir: Path) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get(
            "PYTHONPATH", "")]), "TOKENIZERS_PARALLELISM": "false"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.worker", variant, str(model_dir)], cwd=ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.load_s = self._ask(None)["load_s"]

    def _ask(self, request: dict | None) -> dict:
        if request is not None:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"benchmark worker exited ({self.process.wait()})")
        return json.loads(line)

    def time(self, seq: int, batch: int) -> float:
        return self._ask({"seq": seq, "batch": batch})["seconds"]

    def close(self) -> float:
        peak = self._ask({"quit": True})["peak_rss_mb"]
        self.process.wait(timeout=30)
        return peak


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def run_interleaved(model_dir: Path, shapes: list[tuple[int, int]], rounds: int,
                    variants: list[str] | None = None) -> dict:
    """{variant: {"load_s", "peak_rss_mb", "shapes": {"BxS": stats}}} for one model dir."""
    names = [v for v in (variants or VARIANTS) if (model_dir / needed_file(v)).is_file()]
    workers = {name: Worker(name, model_dir) for name in names}
    times = {name: {shape: [] for shape in shapes} for name in names}
    try:
        for worker in workers.values():   # warm-up: first calls allocate and plan
            for seq, batch in shapes:
                worker.time(seq, batch)
        for _ in tqdm(range(rounds), desc=f"inference {model_dir.name}", unit="round"):
            for shape in shapes:
                for name, worker in workers.items():
                    times[name][shape].append(worker.time(*shape))
    finally:
        peaks = {name: worker.close() for name, worker in workers.items()}
    return {name: {"load_s": workers[name].load_s, "peak_rss_mb": peaks[name],
                   "shapes": {f"{b}x{s}": summarise(times[name][(s, b)], b,
                                                    times.get(BASELINE, {}).get((s, b)))
                              for s, b in shapes}}
            for name in names}


def summarise(seconds: list[float], batch: int, baseline: list[float] | None) -> dict:
    """p50/p95 ms, docs/s, and the pairwise median speed-up against the baseline."""
    median = statistics.median(seconds)
    stats = {"p50_ms": median * 1000, "p95_ms": p95(seconds) * 1000,
             "docs_per_s": batch / median, "rounds": len(seconds)}
    if baseline:
        stats["speedup"] = statistics.median(b / v for b, v in zip(baseline, seconds,
                                                                      strict=True))
    return stats
