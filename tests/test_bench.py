"""The benchmark code in smoke mode (tiny sizes, two rounds), so that it cannot rot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
VARIANTS = "torch fp32 eager (baseline),onnxruntime int8 (daemon path)"


def test_bench_smoke_writes_results(tmp_path, tiny_model_dir):
    """Without ../shared (a user's clone) the end-to-end part has no pages and is left out."""
    out = tmp_path / "results"
    pages = SHARED_DATA / "extraction_benchmark"
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--out", str(out), "--model",
         str(tiny_model_dir), "--work", str(tmp_path / "work"), "--variants", VARIANTS,
         "--parts", "inference,e2e,training",
         "--pages", str(pages)],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    results = json.loads((out / "results.json").read_text())
    mobile = results["mobilebert"]
    assert set(mobile) == set(VARIANTS.split(","))
    baseline = mobile["torch fp32 eager (baseline)"]["shapes"]["1x16"]
    assert baseline["speedup"] == 1.0 and baseline["rounds"] == 2
    daemon = mobile["onnxruntime int8 (daemon path)"]
    assert daemon["shapes"]["2x32"]["p50_ms"] > 0 and 20 < daemon["peak_rss_mb"] < 4000
    if pages.is_dir():
        e2e = results["e2e"]
        assert e2e["uncached"] >= 1 and e2e["daemon_ms"]["infer"]["p50"] > 0
        assert e2e["rss_after_mb"] > 0 and e2e["cold_start_s"] > 0
    assert results["training"][0]["examples_per_s"] > 0
    machine = json.loads((out / "machine.json").read_text())
    assert machine["cpu"]["logical_cores"] >= 1 and machine["versions"]["onnxruntime"]
    table = (out / "results.md").read_text()
    assert "| onnxruntime int8 (daemon path) | 2x32 |" in table
    assert (out / "speedup.png").stat().st_size > 1000
