"""The daemon end to end: `fakeradar serve` in a subprocess, benchmark pages posted as HTML.

Reports cold start (process start to the first answered /v1/score), client-side and
daemon-side p50/p95 with the daemon's own split (extract / tokenize / infer), and the
daemon's RSS when idle and after all requests. Latency figures use uncached answers only;
the pages repeat to reach the request count, and repeats are answered from the cache.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.inference import p95

STAGES = ("extract", "tokenize", "infer", "total")
SERVE = "import sys; from fakeradar.daemon.cli import main; sys.exit(main())"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post_score(port: int, payload: dict, timeout: float = 60) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/score",
                                     data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def wait_first_answer(port: int, process: subprocess.Popen, limit_s: float = 120) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"fakeradar serve exited with {process.returncode}")
        try:
            post_score(port, {"text": "Officials said the committee met on Tuesday. " * 10})
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.05)
    raise RuntimeError("fakeradar serve did not answer in time")


def rss_mb(pid: int) -> float:
    import psutil

    process = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 1e6


def run_daemon(model_dir: Path, pages: list[tuple[str, str]], requests: int) -> dict:
    """pages: (html, url). Returns cold start, RSS and latency statistics."""
    port = free_port()
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "FAKERADAR_HOME": home, "FAKERADAR_MODEL": str(model_dir)}
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-c", SERVE, "serve",
                                    "--port", str(port)], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_first_answer(port, process)
            result = {"cold_start_s": time.perf_counter() - started,
                      "rss_idle_mb": rss_mb(process.pid)}
            result.update(time_requests(port, pages, requests))
            result["rss_after_mb"] = rss_mb(process.pid)
        finally:
            process.terminate()
            process.wait(timeout=30)
    return result


def time_requests(port: int, pages: list[tuple[str, str]], requests: int) -> dict:
    client, stages, verdicts, errors = [], {s: [] for s in STAGES}, {}, 0
    for i in range(requests):
        html, url = pages[i % len(pages)]
        begin = time.perf_counter()
        try:
            answer = post_score(port, {"html": html, "url": url})
        except urllib.error.HTTPError as exc:   # 422: no article text on that page
            errors += 1
            exc.read()
            continue
        elapsed = time.perf_counter() - begin
        verdicts[answer["verdict"]] = verdicts.get(answer["verdict"], 0) + 1
        if not answer["cached"]:
            client.append(elapsed * 1000)
            for stage in STAGES:
                stages[stage].append(answer["timings_ms"].get(stage) or 0.0)
    return {"requests": requests, "uncached": len(client), "http_errors": errors,
            "verdicts": verdicts,
            "client_ms": {"p50": statistics.median(client), "p95": p95(client)},
            "daemon_ms": {stage: {"p50": statistics.median(v), "p95": p95(v)}
                          for stage, v in stages.items()}}
