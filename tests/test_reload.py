"""Swapping the model under a running daemon (real waitress server) without failing a request."""

from __future__ import annotations

import json
import shutil
import threading
import time
import urllib.error
import urllib.request

import pytest

from fakeradar.daemon.registry import use_model, write_atomically
from fakeradar.training.modeldir import read_info, write_info

TEXT = ("Officials said on Tuesday that the ministry reached an agreement on the quarterly "
        "budget, according to a statement reported by several newspapers.")


def call(base: str, path: str, body: dict | None = None, method: str = "POST") -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def served_model(base: str) -> str:
    return call(base, "/v1/health", method="GET")[1]["model"]["name"]


@pytest.fixture
def root(tmp_path, tiny_model_dir):
    root = tmp_path / "models"
    for name in ("default", "other"):
        shutil.copytree(tiny_model_dir, root / name)
        info = read_info(root / name)
        info.name = name
        write_info(root / name, info)
    return root


@pytest.fixture
def base(root, live_server):
    from fakeradar.daemon.app import create_app

    app = create_app({"MODELS_DIR": root, "RELOAD_CHECK_S": 0.05, "QUEUE_WAIT_S": 60})
    assert app.config["FOLLOW_CURRENT"]
    return live_server(app)


def test_requests_in_flight_survive_reloads_and_pointer_switches(root, base):
    statuses, models_seen, stop = [], set(), threading.Event()

    def client() -> None:
        while not stop.is_set():
            status, body = call(base, "/v1/score", {"text": TEXT, "title": "Budget"})
            statuses.append(status)
            models_seen.add(body.get("model", {}).get("name"))

    workers = [threading.Thread(target=client) for _ in range(4)]
    for worker in workers:
        worker.start()
    try:
        time.sleep(0.5)
        use_model(root, "other")
        status, body = call(base, "/v1/reload")               # explicit reload
        # (the pointer watch may have swapped first: `previous` is then "other" already)
        assert status == 200 and body["model"]["name"] == "other"
        time.sleep(0.5)
        use_model(root, "default")                            # the pointer watch alone
        deadline = time.monotonic() + 15
        while served_model(base) != "default" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert served_model(base) == "default"
        time.sleep(0.3)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=60)
    assert len(statuses) > 8 and set(statuses) == {200}
    assert models_seen == {"default", "other"}


def test_a_model_that_fails_to_load_leaves_the_old_one_serving(root, base):
    for name in ("model.onnx", "model.int8.onnx"):
        (root / "other" / name).write_bytes(b"not an onnx file")
    write_atomically(root / "current", "other\n")
    status, body = call(base, "/v1/reload")
    assert status == 503 and body["error"]["code"] == "reload_failed"
    assert "still serving default" in body["error"]["message"]
    assert served_model(base) == "default"
    assert call(base, "/v1/score", {"text": TEXT})[0] == 200


def test_reload_is_guarded_like_every_route(root):
    from fakeradar.daemon.app import create_app

    client = create_app({"MODELS_DIR": root, "TOKEN": "s3cret"}).test_client()
    assert client.post("/v1/reload").status_code == 401
    assert client.post("/v1/reload", headers={"Origin": "https://evil.example",
                                              "Authorization": "Bearer s3cret"}).status_code == 403
    answer = client.post("/v1/reload", headers={"Authorization": "Bearer s3cret"})
    assert answer.status_code == 200 and answer.json["model"]["path"] == str(root / "default")


def test_feedback_after_a_reload_finds_the_text_and_the_new_model_rescores(root, base):
    status, first = call(base, "/v1/score", {"text": TEXT})
    assert status == 200 and first["model"]["name"] == "default"
    write_atomically(root / "current", "other\n")
    assert call(base, "/v1/reload")[0] == 200 and served_model(base) == "other"
    # the id alone is enough: the daemon still remembers what the user was shown
    status, stored = call(base, "/v1/feedback", {"id": first["id"], "label": "fake"})
    assert status == 201 and stored["stored"], stored
    status, again = call(base, "/v1/score", {"text": TEXT})
    assert again["cached"] is False and again["model"]["name"] == "other"
    assert call(base, "/v1/score", {"text": TEXT})[1]["cached"] is True
