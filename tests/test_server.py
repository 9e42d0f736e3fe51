"""The daemon through the real HTTP server (waitress) and the real `fakeradar serve`."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from fakeradar.daemon.app import create_app
from fakeradar.daemon.storage import FeedbackStore

FAKERADAR = Path(sys.executable).with_name("fakeradar")
BENCH_PAGES = 6


def call(base: str, path: str, body: bytes | dict | None = None, headers: dict | None = None,
         timeout: float = 60) -> tuple[int, dict]:
    """One request with urllib; (status, JSON body) for successes and errors alike."""
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    request = urllib.request.Request(base + path, data=data, headers={
        "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def benchmark_pages(shared_data, count: int):
    bench = shared_data / "extraction_benchmark"
    truth = json.loads((bench / "ground-truth.json").read_text())
    for page_id in sorted(truth)[:count]:
        html = gzip.decompress((bench / "html" / f"{page_id}.html.gz").read_bytes())
        yield page_id, html, truth[page_id]["url"]


def assert_scored(body: dict) -> None:
    assert body["verdict"] in ("suspect", "uncertain", "credible"), body.get("reason")
    assert 0 <= body["p_fake"] <= 1 and 1 <= len(body["passages"]) <= 5
    assert body["article"]["title"] and body["article"]["words"] >= 50
    assert body["article"]["extractor"] == "trafilatura"


@pytest.fixture
def live_daemon(live_server, tiny_scorer, tiny_model_dir):
    """The tiny-model daemon behind waitress; url mode may reach the local page server."""
    app = create_app({"SCORER": tiny_scorer, "MODEL_DIR": tiny_model_dir, "ALLOW_PRIVATE": True,
                      "QUEUE_WAIT_S": 60})
    return live_server(app, max_request_body_size=app.config["WAITRESS_MAX_BODY"])


def test_benchmark_pages_as_html_and_by_url(live_daemon, page_server, shared_data):
    for page_id, html, url in benchmark_pages(shared_data, BENCH_PAGES):
        status, by_html = call(live_daemon, "/v1/score", {"html": html.decode(), "url": url})
        assert status == 200
        assert_scored(by_html)
        page_server.routes[f"/{page_id}"] = (200, {"Content-Type": "text/html"}, html)
        status, by_url = call(live_daemon, "/v1/score", {"url": f"{page_server.base}/{page_id}"})
        assert status == 200 and by_url["p_fake"] == by_html["p_fake"]
        assert by_url["article"]["title"] == by_html["article"]["title"]


def test_32_concurrent_requests_are_all_answered(live_daemon):
    texts = [f"Report {i}: the committee met on Tuesday and officials said the budget "
             f"agreement number {i} was reached after talks." for i in range(32)]
    with ThreadPoolExecutor(max_workers=32) as pool:
        answers = list(pool.map(lambda t: call(live_daemon, "/v1/score", {"text": t}), texts))
    assert all(status == 200 for status, _ in answers)
    assert len({body["id"] for _, body in answers}) == 32
    assert all(0 <= body["p_fake"] <= 1 for _, body in answers)


def test_a_20mb_body_is_refused_with_413(live_daemon):
    status, body = call(live_daemon, "/v1/score", b'{"html": "' + b"a" * (20 * 1024 * 1024))
    assert status == 413 and body["error"]["code"] == "too_large"


def test_a_foreign_host_header_is_refused_by_the_real_server(live_daemon):
    parts = urlsplit(live_daemon)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("GET", "/v1/health", headers={"Host": "rebound.attacker.example"})
    answer = conn.getresponse()
    assert answer.status == 403
    assert json.loads(answer.read())["error"]["code"] == "host_not_allowed"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_serve(model_dir: Path, port: int) -> subprocess.Popen:
    """`fakeradar serve` in a subprocess, once /v1/health answers."""
    process = subprocess.Popen([str(FAKERADAR), "serve", "--port", str(port), "--model",
                                str(model_dir)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if call(f"http://127.0.0.1:{port}", "/v1/health", timeout=1)[0] == 200:
                return process
        except OSError:
            time.sleep(0.2)
        if process.poll() is not None:
            break
    process.kill()
    pytest.fail(f"fakeradar serve did not start: {process.stdout.read()}")


def test_feedback_survives_a_crash_and_a_restart(tiny_model_dir, isolated_user_dir):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    daemon = start_serve(tiny_model_dir, port)
    text = "Shocking hoax exposed, the secret scandal is a bombshell. " * 6
    _, scored = call(base, "/v1/score", {"text": text, "title": "Bombshell"})
    status, stored = call(base, "/v1/feedback", {"id": scored["id"], "label": "real"})
    assert status == 201
    daemon.send_signal(signal.SIGKILL)          # a crash: no clean shutdown
    log = daemon.communicate(timeout=10)[0]
    assert "backend onnxruntime" in log and "device cpu" in log and str(tiny_model_dir) in log
    rows = FeedbackStore(isolated_user_dir).all()
    assert [(r["id"], r["label"], r["score_id"]) for r in rows] == \
        [(stored["feedback_id"], "real", scored["id"])]
    daemon = start_serve(tiny_model_dir, port)
    try:
        status, again = call(base, "/v1/feedback", {"id": scored["id"], "label": "fake",
                                                    "title": "Bombshell", "text": text})
        assert status == 201 and again["feedback_id"] > stored["feedback_id"]
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)
    assert len(FeedbackStore(isolated_user_dir).all()) == 2


@pytest.mark.parametrize("damage", ["missing", "corrupt-manifest", "corrupt-onnx"])
def test_a_bad_model_dir_stops_the_start_with_one_clear_line(tmp_path, tiny_model_dir, damage):
    model_dir = tmp_path / "model"
    if damage != "missing":
        import shutil

        shutil.copytree(tiny_model_dir, model_dir)
        target = "fakeradar.json" if damage == "corrupt-manifest" else "model.int8.onnx"
        (model_dir / target).write_text("{ garbage")
    result = subprocess.run([str(FAKERADAR), "serve", "--port", str(free_port()), "--model",
                             str(model_dir)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(error_lines) == 1 and "fakeradar" in error_lines[0]
    if damage != "corrupt-onnx":
        assert "make train" in error_lines[0]


def test_serving_with_onnx_never_imports_torch(tiny_model_dir):
    probe = ("import sys; from fakeradar.daemon.app import create_app; "
             f"app = create_app({{'MODEL_DIR': {str(tiny_model_dir)!r}}}); "
             "app.test_client().post('/v1/score', json={'text': 'Officials met on Tuesday.'}); "
             "print('torch' in sys.modules, 'transformers' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=60)
    assert result.stdout.split() == ["False", "False"], result.stderr
