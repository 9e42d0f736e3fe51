"""Who may talk to the daemon: Host allowlist, Origins, token, CORS and preflights."""

from __future__ import annotations

import pytest

from fakeradar.daemon.app import create_app
from fakeradar.daemon.security import host_allowed

TEXT = {"text": "The committee agreed on the budget on Tuesday, officials said."}
EXTENSION = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"


@pytest.mark.parametrize("host", ["localhost", "localhost:8765", "127.0.0.1:8765", "[::1]:8765",
                                  "[::1]", "LOCALHOST:1"])
def test_loopback_hosts_are_allowed(host):
    assert host_allowed(host, set())


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "127.0.0.1.evil.example",
                                  "localhost.evil.example:8765", "[::2]:8765", "10.0.0.1", ""])
def test_other_hosts_are_not(host):
    assert not host_allowed(host, set())


def test_a_foreign_host_header_is_refused(daemon_client):
    """A DNS-rebinding page reaches 127.0.0.1 under its own name: the Host gives it away."""
    answer = daemon_client.get("/v1/health", headers={"Host": "attacker.example:8765"})
    assert answer.status_code == 403 and answer.json["error"]["code"] == "host_not_allowed"


@pytest.mark.parametrize("origin", ["https://evil.example", "http://localhost:3000", "null",
                                    "http://127.0.0.1:8765"])
def test_web_page_origins_are_refused_without_cors_headers(daemon_client, origin):
    answer = daemon_client.post("/v1/score", json=TEXT, headers={"Origin": origin})
    assert answer.status_code == 403 and answer.json["error"]["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in answer.headers


@pytest.mark.parametrize("origin", [EXTENSION, "moz-extension://1234-abcd"])
def test_extension_origins_get_cors_headers(daemon_client, origin):
    answer = daemon_client.post("/v1/score", json=TEXT, headers={"Origin": origin})
    assert answer.status_code == 200 and answer.json["verdict"] != "not_an_article"
    assert answer.headers["Access-Control-Allow-Origin"] == origin
    assert "Origin" in answer.headers["Vary"]


def test_requests_without_origin_are_allowed_without_cors_headers(daemon_client):
    answer = daemon_client.post("/v1/score", json=TEXT)
    assert answer.status_code == 200 and "Access-Control-Allow-Origin" not in answer.headers


def test_preflight_is_answered_for_extensions_only(daemon_client):
    request = {"Origin": EXTENSION, "Access-Control-Request-Method": "POST",
               "Access-Control-Request-Headers": "authorization, content-type"}
    answer = daemon_client.options("/v1/score", headers=request)
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == EXTENSION
    assert "POST" in answer.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in answer.headers["Access-Control-Allow-Headers"]
    refused = daemon_client.options("/v1/score", headers={**request, "Origin": "https://x.org"})
    assert refused.status_code == 403


def test_extra_origins_come_from_the_environment(monkeypatch, tiny_scorer, tiny_model_dir):
    monkeypatch.setenv("FAKERADAR_ALLOWED_ORIGINS", "https://newsroom.example, http://localhost:3000")
    client = create_app({"SCORER": tiny_scorer, "MODEL_DIR": tiny_model_dir}).test_client()
    allowed = client.get("/v1/health", headers={"Origin": "https://newsroom.example"})
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://newsroom.example"
    assert client.get("/v1/health", headers={"Origin": "https://other.example"}).status_code == 403


def test_token_is_required_when_set(monkeypatch, tiny_scorer, tiny_model_dir):
    monkeypatch.setenv("FAKERADAR_TOKEN", "s3cret-token")
    client = create_app({"SCORER": tiny_scorer, "MODEL_DIR": tiny_model_dir}).test_client()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret-token"},
                    {"Authorization": "Basic s3cret-token"}):
        answer = client.post("/v1/score", json=TEXT, headers=headers)
        assert answer.status_code == 401 and answer.json["error"]["code"] == "unauthorized"
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    good = client.post("/v1/score", json=TEXT, headers={"Authorization": "Bearer s3cret-token"})
    assert good.status_code == 200
    preflight = client.options("/v1/score", headers={"Origin": EXTENSION,
                                                     "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 200   # browsers send preflights without credentials
