"""Shared fixtures: the ../shared data folder, an isolated user data dir, a tiny model."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, or skip: a user's clone has no ../shared (CI always has it)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is absent (only developers' machines and CI have it)")
    return SHARED_DATA


@pytest.fixture
def torch_one_thread():
    """Run a test with one torch thread, restoring the count afterwards."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A complete tiny MobileBERT model directory (ONNX + int8 + torch), built once (~6 s).

    Trained on a synthetic task: sensational words score high p_fake, wire-report
    words low (see fakeradar.training.tiny). Treat it as read-only.
    """
    import torch

    from fakeradar.training.tiny import build_tiny_model_dir

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return build_tiny_model_dir(tmp_path_factory.mktemp("tiny-model") / "tiny")
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def synthetic_data_dir(tmp_path_factory) -> Path:
    """A data folder (train/val/test.csv) of the tiny model's learnable synthetic task."""
    from fakeradar.training.tiny import write_synthetic_data_dir

    return write_synthetic_data_dir(tmp_path_factory.mktemp("synthetic-data"))


@pytest.fixture(scope="session")
def trained_tiny_dir(tmp_path_factory, synthetic_data_dir) -> Path:
    """`fakeradar train` output (no ONNX yet) of a tiny MobileBERT on synthetic_data_dir (~5 s).

    Read-only: copy it before evaluating or exporting into it.
    """
    import torch

    from fakeradar.training.config import TrainConfig
    from fakeradar.training.train import train_model

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("trained") / "tiny-trained"
    try:
        train_model(synthetic_data_dir, out, TrainConfig(
            base_model="tiny", max_length=64, epochs=6, learning_rate=5e-3, train_batch_size=8))
    finally:
        torch.set_num_threads(threads)
    return out


@pytest.fixture(autouse=True)
def isolated_user_dir(tmp_path_factory, monkeypatch) -> Path:
    """Point fakeradar's per-user data directory (feedback DB, cache) at a temp dir."""
    path = tmp_path_factory.mktemp("fakeradar-home")
    monkeypatch.setenv("FAKERADAR_HOME", str(path))
    return path


# --- daemon: the tiny model served, and a local web server to fetch from -------------

@pytest.fixture(scope="session")
def tiny_scorer(tiny_model_dir):
    """The tiny model loaded once by the daemon's ONNX backend (thread-safe, read-only)."""
    from fakeradar.daemon.scoring.base import load_scorer

    return load_scorer(tiny_model_dir, "onnx")


@pytest.fixture
def daemon_app(tiny_scorer, tiny_model_dir):
    """A daemon app on the tiny model: the scorer is shared, cache and feedback DB are fresh."""
    from fakeradar.daemon.app import create_app

    return create_app({"MODEL_DIR": tiny_model_dir, "SCORER": tiny_scorer})


@pytest.fixture
def daemon_client(daemon_app):
    return daemon_app.test_client()


@pytest.fixture
def live_server():
    """Serve apps with the real waitress server in threads: `base_url = live_server(app)`."""
    import threading

    from waitress import create_server, wasyncore

    running = []

    def start(app, **options) -> str:
        server = create_server(app, host="127.0.0.1", port=0, **{"threads": 8, **options})
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        running.append((server, thread))
        return f"http://127.0.0.1:{server.effective_port}"

    yield start
    for server, thread in running:
        # close the sockets from inside the server's own loop, which then ends
        server.trigger.pull_trigger(lambda s=server: wasyncore.close_all(s._map))
        thread.join(timeout=10)
        server.task_dispatcher.shutdown()


@pytest.fixture
def page_server():
    """A local web server. `routes[path] = (status, headers, body)`; a callable body gets
    the request handler and writes the whole answer itself. `seen` records requests."""
    import sys
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from types import SimpleNamespace

    routes: dict = {}
    seen: list = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append({"path": self.path, "host": self.headers.get("Host")})
            status, headers, body = routes.get(self.path, (404, {}, b"not found"))
            if callable(body):
                body(self)
                return
            self.send_response(status)
            for name, value in {"Content-Length": str(len(body)), **headers}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request, client_address) -> None:
            # the fetcher hangs up on purpose (size and time caps): not worth a traceback
            if not isinstance(sys.exc_info()[1], ConnectionError):
                super().handle_error(request, client_address)

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    port = server.server_address[1]
    yield SimpleNamespace(base=f"http://127.0.0.1:{port}", port=port, routes=routes, seen=seen)
    server.shutdown()
    server.server_close()
