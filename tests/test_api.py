"""The v1 API through Flask's test client: shapes, documented errors, cache, feedback."""

from __future__ import annotations

import pytest

from fakeradar.daemon.app import create_app
from fakeradar.daemon.pipeline import document_id
from fakeradar.daemon.storage import FeedbackStore
from fakeradar.training.text import model_input

ARTICLE = ("The city council approved the new budget on Tuesday after a long debate. "
           "Officials said the agreement funds schools, roads and the public library. ") * 5
PAGE = (f"<html lang='en'><head><title>Budget passes</title></head><body><article>"
        f"<h1>Budget passes</h1><p>{ARTICLE}</p><p>{ARTICLE}</p></article></body></html>")
SCORE_KEYS = {"id", "verdict", "p_fake", "thresholds", "article", "passages", "model",
              "timings_ms", "cached", "reason", "warnings"}


def error_of(answer) -> tuple[int, str]:
    assert set(answer.json) == {"error"} and answer.json["error"]["message"]
    return answer.status_code, answer.json["error"]["code"]


def test_health(daemon_client, tiny_model_dir):
    health = daemon_client.get("/v1/health").json
    assert health["status"] == "ok" and health["backend"] == "onnxruntime"
    assert health["device"] == "cpu" and health["version"]
    assert health["model"] == {"name": "tiny-mobilebert-synthetic", "base_model": "tiny",
                               "path": str(tiny_model_dir)}
    assert health["thresholds"] == {"suspect": 0.75, "credible": 0.25}


def test_html_mode_response_shape(daemon_client):
    answer = daemon_client.post("/v1/score", json={"html": PAGE, "url": "https://x.example/b"})
    body = answer.json
    assert answer.status_code == 200 and set(body) == SCORE_KEYS
    assert body["verdict"] in ("suspect", "uncertain", "credible") and 0 <= body["p_fake"] <= 1
    assert body["article"]["title"] == "Budget passes" and body["article"]["extractor"] == \
        "trafilatura" and body["article"]["url"] == "https://x.example/b"
    assert body["model"] == {"name": "tiny-mobilebert-synthetic", "backend": "onnxruntime",
                             "device": "cpu"}
    assert set(body["timings_ms"]) == {"fetch", "extract", "tokenize", "infer", "total"}
    assert body["passages"] and body["cached"] is False and body["reason"] is None


def test_text_mode_id_is_the_hash_of_the_model_input(daemon_client):
    answer = daemon_client.post("/v1/score", json={"text": ARTICLE, "title": "Budget"}).json
    assert answer["id"] == document_id(model_input("Budget", ARTICLE))
    assert answer["article"]["extractor"] == "text"


def test_a_repeat_comes_from_the_cache(daemon_client):
    first = daemon_client.post("/v1/score", json={"html": PAGE}).json
    again = daemon_client.post("/v1/score", json={"html": PAGE}).json
    assert again["cached"] is True and first["cached"] is False
    assert again["p_fake"] == first["p_fake"] and again["id"] == first["id"]
    assert again["timings_ms"]["infer"] == 0


def test_url_mode_fetches_through_the_guard(daemon_client, page_server, tiny_scorer,
                                            tiny_model_dir):
    page_server.routes["/story"] = (200, {"Content-Type": "text/html"}, PAGE.encode())
    refused = daemon_client.post("/v1/score", json={"url": f"{page_server.base}/story"})
    assert error_of(refused) == (403, "blocked_address")
    app = create_app({"SCORER": tiny_scorer, "MODEL_DIR": tiny_model_dir, "ALLOW_PRIVATE": True})
    answer = app.test_client().post("/v1/score", json={"url": f"{page_server.base}/story"})
    assert answer.status_code == 200 and answer.json["article"]["url"].endswith("/story")
    assert answer.json["timings_ms"]["fetch"] > 0


@pytest.mark.parametrize(("kwargs", "status", "code"), [
    ({"data": "{not json", "content_type": "application/json"}, 400, "malformed_json"),
    ({"data": "[" * 100_000, "content_type": "application/json"}, 400, "malformed_json"),
    ({"data": '{"text": "x"}', "content_type": "text/plain"}, 415, "unsupported_media_type"),
    ({"data": "text=x", "content_type": "application/x-www-form-urlencoded"}, 415,
     "unsupported_media_type"),
    ({"json": ["a", "list"]}, 400, "bad_request"),
    ({"json": {}}, 400, "bad_request"),
    ({"json": {"html": PAGE, "text": ARTICLE}}, 400, "bad_request"),
    ({"json": {"text": ARTICLE, "url": "https://x.example"}}, 400, "bad_request"),
    ({"json": {"html": 42}}, 400, "bad_request"),
    ({"json": {"url": "file:///etc/passwd"}}, 400, "bad_url"),
    ({"json": {"url": "http://169.254.169.254/latest/"}}, 403, "blocked_address"),
    ({"json": {"html": "\x00\x01\x02PK\x03\x04" * 200}}, 415, "binary_body"),
    ({"json": {"html": "   "}}, 422, "no_article"),
    ({"json": {"text": ""}}, 422, "no_article"),
    ({"data": "x" * (20 * 1024 * 1024), "content_type": "application/json"}, 413, "too_large"),
])
def test_bad_input_gets_the_documented_error(daemon_client, kwargs, status, code):
    assert error_of(daemon_client.post("/v1/score", **kwargs)) == (status, code)


@pytest.mark.parametrize("html", ["<html><body></body></html>",
                                  "<html><body><nav><a href='/'>Home</a></nav></body></html>"])
def test_a_page_without_article_is_not_an_article(daemon_client, html):
    answer = daemon_client.post("/v1/score", json={"html": html})
    body = answer.json
    assert answer.status_code == 200 and body["verdict"] == "not_an_article"
    assert body["p_fake"] is None and body["passages"] == [] and "no article" in body["reason"]


def test_unknown_paths_and_methods_are_json(daemon_client):
    assert error_of(daemon_client.get("/v1/nothing")) == (404, "not_found")
    missing = daemon_client.get("/v1/score")
    assert error_of(missing) == (405, "method_not_allowed") and "POST" in missing.headers["Allow"]


def test_a_full_gate_answers_429_with_retry_after(daemon_app):
    gate = daemon_app.extensions["fakeradar"].pipeline.gate
    gate.wait_s = 0.05
    held = [gate.__enter__() for _ in range(daemon_app.config["MAX_CONCURRENT_SCORES"])]
    try:
        answer = daemon_app.test_client().post("/v1/score", json={"text": ARTICLE})
    finally:
        for slot in held:
            slot.__exit__(None, None, None)
    assert error_of(answer) == (429, "busy") and answer.headers["Retry-After"]
    assert daemon_app.test_client().post("/v1/score", json={"text": ARTICLE}).status_code == 200


def test_feedback_on_a_remembered_score(daemon_client, daemon_app):
    scored = daemon_client.post("/v1/score", json={"html": PAGE, "url": "https://x.example/b"})
    answer = daemon_client.post("/v1/feedback", json={"id": scored.json["id"], "label": "fake",
                                                      "comment": "it is satire"})
    assert answer.status_code == 201 and answer.json["stored"] is True
    row = FeedbackStore(daemon_app.config["HOME"]).all()[-1]
    assert row["id"] == answer.json["feedback_id"] and row["label"] == "fake"
    assert row["verdict"] == scored.json["verdict"] and row["url"] == "https://x.example/b"
    assert row["title"] == "Budget passes" and "city council" in row["text"]


def test_feedback_on_a_forgotten_score_needs_the_text(daemon_client):
    score_id = document_id(model_input("Budget", ARTICLE))
    unknown = daemon_client.post("/v1/feedback", json={"id": score_id, "label": "real"})
    assert error_of(unknown) == (404, "unknown_id")
    mismatch = daemon_client.post("/v1/feedback", json={"id": score_id, "label": "real",
                                                        "title": "Other", "text": ARTICLE})
    assert error_of(mismatch) == (400, "id_mismatch")
    stored = daemon_client.post("/v1/feedback", json={"id": score_id, "label": "real",
                                                      "title": "Budget", "text": ARTICLE})
    assert stored.status_code == 201


@pytest.mark.parametrize("payload", [{"id": "abc", "label": "fake"},
                                     {"id": "a" * 64, "label": "maybe"},
                                     {"id": "a" * 64, "label": "fake", "comment": 5},
                                     {"id": "a" * 64, "label": "fake", "comment": "x" * 6000}])
def test_invalid_feedback_is_a_bad_request(daemon_client, payload):
    assert error_of(daemon_client.post("/v1/feedback", json=payload)) == (400, "bad_request")


def test_test_config_overrides_the_environment(monkeypatch, tiny_scorer, tiny_model_dir):
    monkeypatch.setenv("FAKERADAR_PORT", "9999")
    monkeypatch.setenv("FAKERADAR_ALLOW_PRIVATE", "1")
    app = create_app({"SCORER": tiny_scorer, "MODEL_DIR": tiny_model_dir, "PORT": 1234})
    assert app.config["PORT"] == 1234 and app.config["ALLOW_PRIVATE"] is True
