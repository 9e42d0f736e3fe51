"""Latency of POST /v1/score (html mode) on the benchmark pages, through the real server.

Starts the daemon (waitress, in this process) on a model directory with the cache off,
posts every page of shared/data/extraction_benchmark, and prints p50/p95 of the
client-side latency and the median server-side stage timings, with passages on and
off (interleaved page by page, so both see the same machine load).

    python -m fakeradar.daemon.latency_bench --model models/default
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np

from fakeradar.daemon.extract_bench import benchmark_pages
from fakeradar.daemon.scoring.base import PASSAGE_TOKEN_BUDGET


def start_daemon(model_dir: Path, backend: str = "auto"):
    """The daemon on a free port with the cache off; returns (base URL, scorer)."""
    from waitress import create_server

    from fakeradar.daemon.app import create_app

    app = create_app({"MODEL_DIR": model_dir, "BACKEND": backend, "CACHE_SIZE": 0,
                      "QUEUE_WAIT_S": 600})
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{server.effective_port}", app.extensions["fakeradar"].pipeline.scorer


def post_score(base: str, payload: dict) -> tuple[float, dict]:
    """(client-side milliseconds, response JSON) of one /v1/score call."""
    request = urllib.request.Request(f"{base}/v1/score", data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as answer:
        body = json.loads(answer.read())
    return (time.perf_counter() - started) * 1000, body


def measure_score_latency(model_dir: Path, bench_dir: Path, limit: int | None = None,
                          backend: str = "auto") -> dict:
    """p50/p95/mean ms and median stage timings, passages on vs off."""
    base, scorer = start_daemon(model_dir, backend)
    runs: dict[str, list[tuple[float, dict]]] = {"passages": [], "no_passages": []}
    for index, (_, html, url, _) in enumerate(benchmark_pages(bench_dir)):
        if limit is not None and index >= limit:
            break
        order = ["passages", "no_passages"] if index % 2 else ["no_passages", "passages"]
        for variant in order:
            scorer.passage_token_budget = PASSAGE_TOKEN_BUDGET if variant == "passages" else 0
            runs[variant].append(post_score(base, {"html": html, "url": url}))
    return {"model": scorer.describe(), "pages": len(runs["passages"]),
            **{variant: _summary(results) for variant, results in runs.items()}}


def _summary(results: list[tuple[float, dict]]) -> dict:
    millis = np.array([ms for ms, _ in results])
    stages = {stage: statistics.median(body["timings_ms"][stage] for _, body in results)
              for stage in ("extract", "tokenize", "infer", "total")}
    return {"p50_ms": float(np.percentile(millis, 50)), "p95_ms": float(np.percentile(millis, 95)),
            "mean_ms": float(millis.mean()), "median_stage_ms": stages,
            "verdicts": dict(sorted(_count(body["verdict"] for _, body in results).items()))}


def _count(values) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="model directory")
    parser.add_argument("--backend", default="auto", choices=["auto", "onnx", "torch"])
    parser.add_argument("--bench", type=Path, default=Path(__file__).resolve().parents[2]
                        / "shared/data/extraction_benchmark")
    parser.add_argument("--pages", type=int, default=None, help="only the first N pages")
    args = parser.parse_args(argv)
    print(json.dumps(measure_score_latency(args.model, args.bench, args.pages, args.backend),
                     indent=2))


if __name__ == "__main__":
    main()
